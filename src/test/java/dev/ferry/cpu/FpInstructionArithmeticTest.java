package dev.ferry.cpu;

import static dev.ferry.asm.Assembler.*;
import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static dev.ferry.cpu.FpRig.bits;
import static dev.ferry.cpu.FpRig.boxed;
import static dev.ferry.cpu.fpu.Fp.CANONICAL_NAN32;
import static dev.ferry.cpu.fpu.Fp.CANONICAL_NAN64;
import static dev.ferry.cpu.fpu.Fp.DZ;
import static dev.ferry.cpu.fpu.Fp.NV;
import static dev.ferry.cpu.fpu.Fp.NX;
import static dev.ferry.cpu.fpu.Fp.OF;
import static dev.ferry.cpu.fpu.Fp.UF;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * F and D arithmetic through the hart: fadd/fsub/fmul/fdiv/fsqrt, the four fused forms (sign
 * conventions and signed-zero results as QEMU 7.2 computes them: FMSUB negates the addend,
 * FNMSUB the product, FNMADD both, each before the single rounding), sign injection, min/max,
 * comparisons and fclass. Expected values are worked out by hand.
 */
class FpInstructionArithmeticTest {
    private final FpRig t = new FpRig();

    @AfterEach
    void close() {
        t.close();
    }

    private static final long GARBAGE = 0x5555_aaaa_5555_aaaaL;

    @Test
    void singleArithmeticExact() {
        t.s(FT1, 1.5f).s(FT2, 2.25f).f(FA0, GARBAGE).f(FA1, GARBAGE).f(FA2, GARBAGE).f(FA3, GARBAGE).f(FA4, GARBAGE);
        t.ok(a -> a.fadd_s(FA0, FT1, FT2, RNE).fsub_s(FA1, FT1, FT2, RNE).fmul_s(FA2, FT1, FT2, RNE)
                .fdiv_s(FA3, FT2, FT1, RNE).fsqrt_s(FA4, FT2, RNE));
        assertEquals(boxed(3.75f), t.f(FA0));
        assertEquals(boxed(-0.75f), t.f(FA1));
        assertEquals(boxed(3.375f), t.f(FA2));
        assertEquals(boxed(1.5f), t.f(FA3));
        assertEquals(boxed(1.5f), t.f(FA4));
        assertEquals(0, t.flags());
    }

    @Test
    void doubleArithmeticExact() {
        t.d(FT1, 1.5).d(FT2, 2.25);
        t.ok(a -> a.fadd_d(FA0, FT1, FT2, RNE).fsub_d(FA1, FT1, FT2, RNE).fmul_d(FA2, FT1, FT2, RNE)
                .fdiv_d(FA3, FT2, FT1, RNE).fsqrt_d(FA4, FT2, RNE));
        assertEquals(bits(3.75), t.f(FA0));
        assertEquals(bits(-0.75), t.f(FA1));
        assertEquals(bits(3.375), t.f(FA2));
        assertEquals(bits(1.5), t.f(FA3));
        assertEquals(bits(1.5), t.f(FA4));
        assertEquals(0, t.flags());
    }

    @Test
    void singleExceptionalResults() {
        t.s(FT1, 1f).s(FT2, 3f).s(FT3, 0f).s(FT4, -1f).sBits(FT5, 0x7f7fffff).sBits(FT6, 0x00000001).s(FT7, 0.5f);
        t.ok(a -> a.fdiv_s(FA0, FT1, FT2, RNE));
        assertEquals(boxed(0x3eaaaaab), t.f(FA0), "1/3 rounds to nearest");
        assertEquals(NX, t.flags());
        t.fflags(0).ok(a -> a.fdiv_s(FA0, FT1, FT3, RNE));
        assertEquals(boxed(0x7f800000), t.f(FA0), "1/0 = +inf");
        assertEquals(DZ, t.flags());
        t.fflags(0).ok(a -> a.fdiv_s(FA0, FT3, FT3, RNE));
        assertEquals(boxed(CANONICAL_NAN32), t.f(FA0), "0/0");
        assertEquals(NV, t.flags());
        t.fflags(0).ok(a -> a.fsqrt_s(FA0, FT4, RNE));
        assertEquals(boxed(CANONICAL_NAN32), t.f(FA0), "sqrt(-1)");
        assertEquals(NV, t.flags());
        t.fflags(0).s(FT3, -0f).ok(a -> a.fsqrt_s(FA0, FT3, RNE));
        assertEquals(boxed(0x80000000), t.f(FA0), "sqrt(-0) = -0");
        assertEquals(0, t.flags());
        t.fflags(0).ok(a -> a.fadd_s(FA0, FT5, FT5, RNE));
        assertEquals(boxed(0x7f800000), t.f(FA0), "max + max overflows");
        assertEquals(OF | NX, t.flags());
        t.fflags(0).ok(a -> a.fmul_s(FA0, FT6, FT7, RNE));
        assertEquals(boxed(0), t.f(FA0), "min subnormal / 2 ties to even zero");
        assertEquals(UF | NX, t.flags());
        t.fflags(0).sBits(FT6, 0x00800000).ok(a -> a.fmul_s(FA0, FT6, FT7, RNE));
        assertEquals(boxed(0x00400000), t.f(FA0), "min normal / 2: tiny but exact, no UF");
        assertEquals(0, t.flags());
        t.fflags(0).ok(a -> a.fsub_s(FA0, FT1, FT1, RNE));
        assertEquals(boxed(0), t.f(FA0), "x - x = +0 when rounding to nearest");
    }

    @Test
    void doubleExceptionalResults() {
        t.d(FT1, 1).d(FT2, 3).d(FT3, 0).d(FT4, -1).f(FT5, 0x7fefffffffffffffL).f(FT6, 1L).d(FT7, 0.5);
        t.ok(a -> a.fdiv_d(FA0, FT1, FT2, RNE));
        assertEquals(0x3fd5555555555555L, t.f(FA0), "1/3");
        assertEquals(NX, t.flags());
        t.fflags(0).ok(a -> a.fdiv_d(FA0, FT4, FT3, RNE));
        assertEquals(0xfff0000000000000L, t.f(FA0), "-1/0 = -inf");
        assertEquals(DZ, t.flags());
        t.fflags(0).ok(a -> a.fsqrt_d(FA0, FT4, RNE));
        assertEquals(CANONICAL_NAN64, t.f(FA0));
        assertEquals(NV, t.flags());
        t.fflags(0).ok(a -> a.fmul_d(FA0, FT5, FT5, RTZ));
        assertEquals(0x7fefffffffffffffL, t.f(FA0), "overflow towards zero gives the largest finite");
        assertEquals(OF | NX, t.flags());
        t.fflags(0).ok(a -> a.fmul_d(FA0, FT6, FT7, RUP));
        assertEquals(1L, t.f(FA0), "min subnormal / 2 rounded up");
        assertEquals(UF | NX, t.flags());
        t.fflags(0).ok(a -> a.fsub_d(FA0, FT1, FT1, RDN));
        assertEquals(0x8000000000000000L, t.f(FA0), "x - x = -0 when rounding down");
    }

    // ---- fused multiply-add ----

    @Test
    void fusedSignConventionsSingle() {
        t.s(FT1, 2f).s(FT2, 3f).s(FT3, 1f);
        t.ok(a -> a.fmadd_s(FA0, FT1, FT2, FT3, RNE).fmsub_s(FA1, FT1, FT2, FT3, RNE)
                .fnmsub_s(FA2, FT1, FT2, FT3, RNE).fnmadd_s(FA3, FT1, FT2, FT3, RNE));
        assertEquals(boxed(7f), t.f(FA0), "fmadd: 2*3 + 1");
        assertEquals(boxed(5f), t.f(FA1), "fmsub: 2*3 - 1");
        assertEquals(boxed(-5f), t.f(FA2), "fnmsub: -(2*3) + 1");
        assertEquals(boxed(-7f), t.f(FA3), "fnmadd: -(2*3) - 1");
        assertEquals(0, t.flags());
    }

    @Test
    void fusedSignConventionsDouble() {
        t.d(FT1, 2).d(FT2, 3).d(FT3, 1);
        t.ok(a -> a.fmadd_d(FA0, FT1, FT2, FT3, RNE).fmsub_d(FA1, FT1, FT2, FT3, RNE)
                .fnmsub_d(FA2, FT1, FT2, FT3, RNE).fnmadd_d(FA3, FT1, FT2, FT3, RNE));
        assertEquals(bits(7.0), t.f(FA0));
        assertEquals(bits(5.0), t.f(FA1));
        assertEquals(bits(-5.0), t.f(FA2));
        assertEquals(bits(-7.0), t.f(FA3));
        assertEquals(0, t.flags());
    }

    /**
     * Exact zero results. A sum of opposite-signed equal terms is +0, or -0 under RDN; a sum of
     * two zeros of the same sign keeps it. FNMADD(1, 1, -1) = (-1) + 1 is therefore +0 (not
     * -(1 - 1) = -0) and FNMADD(0, 1, -0) = (-0) + (+0) = +0, as on QEMU 7.2.
     */
    @Test
    void fusedSignedZeroResults() {
        long p0 = boxed(0f), n0 = boxed(-0f);
        for (int rm : new int[] {RNE, RDN}) {
            long cancel = rm == RDN ? n0 : p0;
            String m = rm == RDN ? " (RDN)" : " (RNE)";
            t.fflags(0).s(FT1, 1f).s(FT2, 1f).s(FT3, -1f).s(FT4, 1f).s(FT5, 0f).s(FT6, -0f);
            t.ok(a -> a.fmadd_s(FA0, FT1, FT2, FT3, rm).fmsub_s(FA1, FT1, FT2, FT4, rm)
                    .fnmsub_s(FA2, FT1, FT2, FT4, rm).fnmadd_s(FA3, FT1, FT2, FT3, rm)
                    .fnmadd_s(FA4, FT5, FT1, FT6, rm).fnmadd_s(FA5, FT5, FT1, FT5, rm)
                    .fnmsub_s(FA6, FT5, FT1, FT6, rm).fmsub_s(FA7, FT6, FT1, FT5, rm)
                    .fmadd_s(FS2, FT5, FT1, FT6, rm));
            assertEquals(cancel, t.f(FA0), "fmadd(1,1,-1)" + m);
            assertEquals(cancel, t.f(FA1), "fmsub(1,1,1)" + m);
            assertEquals(cancel, t.f(FA2), "fnmsub(1,1,1)" + m);
            assertEquals(cancel, t.f(FA3), "fnmadd(1,1,-1)" + m);
            assertEquals(cancel, t.f(FA4), "fnmadd(+0,1,-0) = -0 + +0" + m);
            assertEquals(n0, t.f(FA5), "fnmadd(+0,1,+0) = -0 + -0" + m);
            assertEquals(n0, t.f(FA6), "fnmsub(+0,1,-0) = -0 + -0" + m);
            assertEquals(n0, t.f(FA7), "fmsub(-0,1,+0) = -0 + -0" + m);
            assertEquals(cancel, t.f(FS2), "fmadd(+0,1,-0)" + m);
            assertEquals(0, t.flags());

            long dcancel = rm == RDN ? bits(-0.0) : bits(0.0);
            t.d(FT1, 1).d(FT2, 1).d(FT3, -1).d(FT4, 1).d(FT5, 0).d(FT6, -0.0);
            t.ok(a -> a.fmadd_d(FA0, FT1, FT2, FT3, rm).fmsub_d(FA1, FT1, FT2, FT4, rm)
                    .fnmsub_d(FA2, FT1, FT2, FT4, rm).fnmadd_d(FA3, FT1, FT2, FT3, rm)
                    .fnmadd_d(FA4, FT5, FT1, FT6, rm).fnmadd_d(FA5, FT5, FT1, FT5, rm)
                    .fnmsub_d(FA6, FT5, FT1, FT6, rm).fmsub_d(FA7, FT6, FT1, FT5, rm));
            assertEquals(dcancel, t.f(FA0), "fmadd.d(1,1,-1)" + m);
            assertEquals(dcancel, t.f(FA1), "fmsub.d(1,1,1)" + m);
            assertEquals(dcancel, t.f(FA2), "fnmsub.d(1,1,1)" + m);
            assertEquals(dcancel, t.f(FA3), "fnmadd.d(1,1,-1)" + m);
            assertEquals(dcancel, t.f(FA4), "fnmadd.d(+0,1,-0)" + m);
            assertEquals(bits(-0.0), t.f(FA5), "fnmadd.d(+0,1,+0)" + m);
            assertEquals(bits(-0.0), t.f(FA6), "fnmsub.d(+0,1,-0)" + m);
            assertEquals(bits(-0.0), t.f(FA7), "fmsub.d(-0,1,+0)" + m);
        }
    }

    /** (1+e)(1-e) - 1 = -e^2 exactly: a separate multiply would round the product to 1 and give 0. */
    @Test
    void fusedOpsRoundOnce() {
        t.sBits(FT1, 0x3f800001).sBits(FT2, 0x3f7ffffe).s(FT3, 1f); // 1 + 2^-23, 1 - 2^-23
        t.ok(a -> a.fmsub_s(FA0, FT1, FT2, FT3, RNE));
        assertEquals(boxed(-0x1p-46f), t.f(FA0));
        assertEquals(0, t.flags(), "the fused result is exact");
        t.ok(a -> a.fnmadd_s(FA1, FT1, FT2, FT3, RNE));
        assertEquals(boxed(-2f), t.f(FA1), "-(1 - 2^-46) - 1 rounds to -2");
        assertEquals(NX, t.flags());
        t.fflags(0).ok(a -> a.fmul_s(FA2, FT1, FT2, RNE).fsub_s(FA2, FA2, FT3, RNE));
        assertEquals(boxed(0f), t.f(FA2), "unfused: the product rounds to 1");

        t.fflags(0).f(FT1, 0x3ff0000000000001L).f(FT2, 0x3feffffffffffffeL).d(FT3, 1); // 1 + 2^-52, 1 - 2^-52
        t.ok(a -> a.fmsub_d(FA0, FT1, FT2, FT3, RNE).fnmsub_d(FA1, FT1, FT2, FT3, RNE));
        assertEquals(bits(-0x1p-104), t.f(FA0));
        assertEquals(bits(0x1p-104), t.f(FA1), "fnmsub: -(1 - 2^-104) + 1");
        assertEquals(0, t.flags());
        t.ok(a -> a.fmul_d(FA2, FT1, FT2, RNE).fsub_d(FA2, FA2, FT3, RNE));
        assertEquals(bits(0.0), t.f(FA2));
    }

    @Test
    void fusedInvalidAndNaN() {
        t.s(FT1, Float.POSITIVE_INFINITY).s(FT2, 0f).sBits(FT3, 0x7fc00000).s(FT4, 1f).s(FT5, Float.NEGATIVE_INFINITY);
        t.ok(a -> a.fmadd_s(FA0, FT1, FT2, FT3, RNE));
        assertEquals(boxed(CANONICAL_NAN32), t.f(FA0), "inf * 0 + qNaN");
        assertEquals(NV, t.flags(), "inf * 0 is invalid even with a quiet NaN addend");
        t.fflags(0).ok(a -> a.fmsub_s(FA0, FT1, FT4, FT1, RNE));
        assertEquals(boxed(CANONICAL_NAN32), t.f(FA0), "inf - inf");
        assertEquals(NV, t.flags());
        t.fflags(0).ok(a -> a.fnmsub_s(FA0, FT1, FT4, FT5, RNE));
        assertEquals(boxed(0xff800000), t.f(FA0), "-(inf) + -inf = -inf");
        assertEquals(0, t.flags());
        t.fflags(0).d(FT1, Double.POSITIVE_INFINITY).d(FT2, 0).d(FT4, 1).f(FT3, 0x7ff4000000000000L);
        t.ok(a -> a.fnmadd_d(FA0, FT4, FT4, FT3, RNE));
        assertEquals(CANONICAL_NAN64, t.f(FA0), "signalling NaN addend");
        assertEquals(NV, t.flags());
    }

    // ---- sign injection ----

    @Test
    void signInjection() {
        t.s(FT1, 1.5f).s(FT2, -2f).s(FT3, -1.5f);
        t.ok(a -> a.fsgnj_s(FA0, FT1, FT2).fsgnjn_s(FA1, FT1, FT2).fsgnjx_s(FA2, FT3, FT2)
                .fsgnj_s(FA3, FT3, FT1).fsgnjn_s(FA4, FT3, FT3).fsgnjx_s(FA5, FT3, FT3));
        assertEquals(boxed(-1.5f), t.f(FA0));
        assertEquals(boxed(1.5f), t.f(FA1));
        assertEquals(boxed(1.5f), t.f(FA2));
        assertEquals(boxed(1.5f), t.f(FA3));
        assertEquals(boxed(1.5f), t.f(FA4), "fneg.s");
        assertEquals(boxed(1.5f), t.f(FA5), "fabs.s");

        t.d(FT1, 1.5).d(FT2, -2).d(FT3, -1.5).f(FT4, 0x7ff0000000000001L);
        t.ok(a -> a.fsgnj_d(FA0, FT1, FT2).fsgnjn_d(FA1, FT1, FT2).fsgnjx_d(FA2, FT3, FT2)
                .fsgnjn_d(FA3, FT4, FT1).fsgnjx_d(FA4, FT4, FT2).fsgnj_d(FA5, FT3, FT1));
        assertEquals(bits(-1.5), t.f(FA0));
        assertEquals(bits(1.5), t.f(FA1));
        assertEquals(bits(1.5), t.f(FA2));
        assertEquals(0xfff0000000000001L, t.f(FA3), "a signalling NaN keeps its payload");
        assertEquals(0xfff0000000000001L, t.f(FA4));
        assertEquals(bits(1.5), t.f(FA5));
        assertEquals(0, t.flags(), "sign injection never raises flags, not even for a signalling NaN");
    }

    // ---- min / max ----

    @Test
    void minMaxSingle() {
        t.s(FT1, -0f).s(FT2, 0f).sBits(FT3, 0x7fc00000).sBits(FT4, 0x7f800001).s(FT5, 2f).s(FT6, -3f);
        t.ok(a -> a.fmin_s(FA0, FT1, FT2).fmin_s(FA1, FT2, FT1).fmax_s(FA2, FT1, FT2).fmax_s(FA3, FT2, FT1)
                .fmin_s(FA4, FT5, FT6).fmax_s(FA5, FT6, FT5).fmin_s(FA6, FT3, FT5).fmax_s(FA7, FT5, FT3));
        assertEquals(boxed(-0f), t.f(FA0), "min(-0, +0) = -0");
        assertEquals(boxed(-0f), t.f(FA1), "min(+0, -0) = -0");
        assertEquals(boxed(0f), t.f(FA2), "max(-0, +0) = +0");
        assertEquals(boxed(0f), t.f(FA3), "max(+0, -0) = +0");
        assertEquals(boxed(-3f), t.f(FA4));
        assertEquals(boxed(2f), t.f(FA5));
        assertEquals(boxed(2f), t.f(FA6), "a quiet NaN is ignored");
        assertEquals(boxed(2f), t.f(FA7));
        assertEquals(0, t.flags());
        t.ok(a -> a.fmin_s(FA0, FT4, FT5));
        assertEquals(boxed(2f), t.f(FA0), "a signalling NaN is ignored too");
        assertEquals(NV, t.flags(), "but raises NV");
        t.fflags(0).ok(a -> a.fmax_s(FA0, FT3, FT3).fmin_s(FA1, FT4, FT3));
        assertEquals(boxed(CANONICAL_NAN32), t.f(FA0), "two NaNs give the canonical NaN");
        assertEquals(boxed(CANONICAL_NAN32), t.f(FA1));
        assertEquals(NV, t.flags());
    }

    @Test
    void minMaxDouble() {
        t.d(FT1, -0.0).d(FT2, 0).f(FT3, 0xfff8dead00000000L).f(FT4, 0x7ff0000000000001L).d(FT5, 2).d(FT6, -3);
        t.ok(a -> a.fmin_d(FA0, FT1, FT2).fmax_d(FA1, FT1, FT2).fmin_d(FA2, FT5, FT6).fmax_d(FA3, FT6, FT5)
                .fmax_d(FA4, FT3, FT6).fmin_d(FA5, FT3, FT3));
        assertEquals(bits(-0.0), t.f(FA0));
        assertEquals(bits(0.0), t.f(FA1));
        assertEquals(bits(-3.0), t.f(FA2));
        assertEquals(bits(2.0), t.f(FA3));
        assertEquals(bits(-3.0), t.f(FA4));
        assertEquals(CANONICAL_NAN64, t.f(FA5), "NaN payloads are not propagated");
        assertEquals(0, t.flags());
        t.ok(a -> a.fmax_d(FA0, FT5, FT4));
        assertEquals(bits(2.0), t.f(FA0));
        assertEquals(NV, t.flags());
    }

    // ---- comparisons ----

    @Test
    void comparisonsWriteZeroOrOne() {
        t.s(FT1, 1f).s(FT2, 2f).s(FT3, -0f).s(FT4, 0f);
        for (int r = A0; r <= A7; r++) t.x(r, -1);
        t.ok(a -> a.feq_s(A0, FT1, FT1).flt_s(A1, FT1, FT2).fle_s(A2, FT2, FT2).flt_s(A3, FT2, FT1)
                .feq_s(A4, FT3, FT4).flt_s(A5, FT3, FT4).fle_s(A6, FT4, FT3).feq_s(A7, FT1, FT2));
        assertEquals(1, t.x(A0));
        assertEquals(1, t.x(A1));
        assertEquals(1, t.x(A2));
        assertEquals(0, t.x(A3));
        assertEquals(1, t.x(A4), "-0 == +0");
        assertEquals(0, t.x(A5), "-0 < +0 is false");
        assertEquals(1, t.x(A6));
        assertEquals(0, t.x(A7));
        assertEquals(0, t.flags());

        t.d(FT1, 1).d(FT2, 2).d(FT3, -0.0).d(FT4, 0);
        for (int r = A0; r <= A7; r++) t.x(r, -1);
        t.ok(a -> a.feq_d(A0, FT1, FT1).flt_d(A1, FT1, FT2).fle_d(A2, FT2, FT2).flt_d(A3, FT2, FT1)
                .feq_d(A4, FT3, FT4).flt_d(A5, FT3, FT4).fle_d(A6, FT4, FT3).fle_d(A7, FT2, FT1));
        assertEquals(1, t.x(A0));
        assertEquals(1, t.x(A1));
        assertEquals(1, t.x(A2));
        assertEquals(0, t.x(A3));
        assertEquals(1, t.x(A4));
        assertEquals(0, t.x(A5));
        assertEquals(1, t.x(A6));
        assertEquals(0, t.x(A7));
        assertEquals(0, t.flags());
    }

    @Test
    void comparisonsWithNaN() {
        t.sBits(FT1, 0x7fc00000).sBits(FT2, 0x7f800001).s(FT3, 1f).x(A0, 7).x(A1, 7).x(A2, 7).x(A3, 7);
        t.ok(a -> a.feq_s(A0, FT1, FT3));
        assertEquals(0, t.x(A0));
        assertEquals(0, t.flags(), "feq is quiet for a quiet NaN");
        t.ok(a -> a.feq_s(A1, FT3, FT2));
        assertEquals(0, t.x(A1));
        assertEquals(NV, t.flags(), "but not for a signalling one");
        t.fflags(0).ok(a -> a.flt_s(A2, FT1, FT3));
        assertEquals(0, t.x(A2));
        assertEquals(NV, t.flags(), "flt signals on any NaN");
        t.fflags(0).ok(a -> a.fle_s(A3, FT3, FT1));
        assertEquals(0, t.x(A3));
        assertEquals(NV, t.flags(), "fle signals on any NaN");

        t.fflags(0).f(FT1, 0x7ff8000000000000L).f(FT2, 0x7ff0000000000001L).d(FT3, 1).x(A0, 7).x(A1, 7);
        t.ok(a -> a.feq_d(A0, FT1, FT1).fle_d(A1, FT1, FT3));
        assertEquals(0, t.x(A0));
        assertEquals(0, t.x(A1));
        assertEquals(NV, t.flags());
        t.fflags(0).ok(a -> a.feq_d(A0, FT2, FT3));
        assertEquals(NV, t.flags());
    }

    // ---- classify ----

    @Test
    void classifySingle() {
        int[] in = {0xff800000, 0xbf800000, 0x807fffff, 0x80000000, 0x00000000, 0x00000001, 0x3f800000, 0x7f800000,
            0x7f800001, 0x7fc00000};
        for (int i = 0; i < in.length; i++) {
            int k = i;
            t.sBits(FT1, in[i]).x(A0, -1).ok(a -> a.fclass_s(A0, FT1));
            assertEquals(1L << i, t.x(A0), () -> "fclass.s 0x" + Integer.toHexString(in[k]));
        }
        assertEquals(0, t.flags());
    }

    @Test
    void classifyDouble() {
        long[] in = {0xfff0000000000000L, 0xbff0000000000000L, 0x800fffffffffffffL, 0x8000000000000000L, 0L, 1L,
            0x3ff0000000000000L, 0x7ff0000000000000L, 0x7ff0000000000001L, 0xfff8000000000000L};
        for (int i = 0; i < in.length; i++) {
            int k = i;
            t.f(FT1, in[i]).x(A0, -1).ok(a -> a.fclass_d(A0, FT1));
            assertEquals(1L << i, t.x(A0), () -> "fclass.d 0x" + Long.toHexString(in[k]));
        }
        assertEquals(0, t.flags());
    }
}
