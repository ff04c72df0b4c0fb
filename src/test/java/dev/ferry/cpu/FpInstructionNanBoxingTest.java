package dev.ferry.cpu;

import static dev.ferry.asm.Assembler.*;
import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static dev.ferry.cpu.FpRig.boxed;
import static dev.ferry.cpu.fpu.Fp.CANONICAL_NAN32;
import static dev.ferry.cpu.fpu.Fp.CANONICAL_NAN64;
import static dev.ferry.cpu.fpu.Fp.NV;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.asm.Assembler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * NaN-boxing of single-precision values in the 64-bit f registers, and which operations keep
 * NaN payloads. A single operand whose upper 32 bits are not all ones reads as the canonical
 * NaN; every single result is written boxed; FMV.X.W, FSW and the loads/stores/moves move raw
 * bits; arithmetic NaN results are canonical. Checked against QEMU 7.2 where the specification
 * leaves a choice (sign injection with an unboxed operand).
 */
class FpInstructionNanBoxingTest {
    private final FpRig t = new FpRig();

    @AfterEach
    void close() {
        t.close();
    }

    private static final long QNAN_S = boxed(CANONICAL_NAN32);
    private static final long NEG_QNAN_S = boxed(0xffc00000);
    /** Improperly boxed singles: 1.0, -1.0 and a signalling NaN under upper halves that are not all ones. */
    private static final long[] UNBOXED = {0x0000_0000_3f80_0000L, 0xffff_fffe_bf80_0000L, 0x7fff_ffff_7f80_0001L,
        0x3ff0_0000_0000_0000L};

    @Test
    void unboxedOperandsReadAsTheCanonicalNaN() {
        for (long u : UNBOXED) {
            String w = "operand 0x" + Long.toHexString(u);
            t.fflags(0).f(FT1, u).s(FT2, 1f).x(A0, 7).x(A1, 7).x(A2, 7).x(A3, 7);
            t.ok(a -> a.fadd_s(FA0, FT1, FT2).fmul_s(FA1, FT2, FT1).fsqrt_s(FA2, FT1).fmadd_s(FA3, FT2, FT2, FT1)
                    .fmin_s(FA4, FT1, FT2).fmax_s(FA5, FT2, FT1).fcvt_d_s(FA6, FT1)
                    .fclass_s(A0, FT1).feq_s(A1, FT1, FT1));
            assertEquals(QNAN_S, t.f(FA0), w);
            assertEquals(QNAN_S, t.f(FA1), w);
            assertEquals(QNAN_S, t.f(FA2), w);
            assertEquals(QNAN_S, t.f(FA3), w);
            assertEquals(boxed(1f), t.f(FA4), w + ": fmin ignores the (quiet) NaN");
            assertEquals(boxed(1f), t.f(FA5), w + ": fmax ignores the (quiet) NaN");
            assertEquals(CANONICAL_NAN64, t.f(FA6), w);
            assertEquals(1 << 9, t.x(A0), w + ": fclass says quiet NaN");
            assertEquals(0, t.x(A1), w);
            assertEquals(0, t.flags(), w + ": the canonical NaN is quiet, whatever the low bits were");
            t.ok(a -> a.flt_s(A2, FT1, FT2).fcvt_w_s(A3, FT1, RTZ));
            assertEquals(0, t.x(A2), w);
            assertEquals(0x7fffffffL, t.x(A3), w + ": NaN converts to the largest integer");
            assertEquals(NV, t.flags(), w);
        }
    }

    /** Sign injection of an unboxed operand: the canonical NaN with the injected sign (QEMU 7.2 does the same). */
    @Test
    void signInjectionWithUnboxedOperands() {
        long unboxedNeg = 0x1234_5678_bf80_0000L; // would be -1.0 if it were boxed
        t.f(FT1, unboxedNeg).s(FT2, -2f).s(FT3, 1.5f);
        t.ok(a -> a.fsgnj_s(FA0, FT1, FT2).fsgnjn_s(FA1, FT1, FT2).fsgnjx_s(FA2, FT1, FT2)
                .fsgnj_s(FA3, FT3, FT1).fsgnjn_s(FA4, FT3, FT1).fsgnjx_s(FA5, FT3, FT1)
                .fmv_s(FA6, FT1).fneg_s(FA7, FT1).fabs_s(FS2, FT1));
        assertEquals(NEG_QNAN_S, t.f(FA0), "fsgnj: canonical NaN, sign of rs2");
        assertEquals(QNAN_S, t.f(FA1), "fsgnjn: canonical NaN, opposite sign of rs2");
        assertEquals(NEG_QNAN_S, t.f(FA2), "fsgnjx: canonical NaN's + xor rs2's -");
        assertEquals(boxed(1.5f), t.f(FA3), "an unboxed rs2 gives the canonical NaN's sign, +");
        assertEquals(boxed(-1.5f), t.f(FA4));
        assertEquals(boxed(1.5f), t.f(FA5));
        assertEquals(QNAN_S, t.f(FA6), "fmv.s of an unboxed value");
        assertEquals(NEG_QNAN_S, t.f(FA7), "fneg.s of an unboxed value");
        assertEquals(QNAN_S, t.f(FS2), "fabs.s of an unboxed value");
        assertEquals(0, t.flags());
    }

    /** Every instruction that writes a single result writes it boxed, whatever the register held. */
    @Test
    void singleResultsAreBoxed() {
        Map<String, Consumer<Assembler>> m = new LinkedHashMap<>();
        m.put("fadd.s", a -> a.fadd_s(FA0, FT1, FT2, RNE));
        m.put("fsub.s", a -> a.fsub_s(FA0, FT1, FT2, RNE));
        m.put("fmul.s", a -> a.fmul_s(FA0, FT1, FT2, RNE));
        m.put("fdiv.s", a -> a.fdiv_s(FA0, FT1, FT2, RNE));
        m.put("fsqrt.s", a -> a.fsqrt_s(FA0, FT1, RNE));
        m.put("fmadd.s", a -> a.fmadd_s(FA0, FT1, FT2, FT1, RNE));
        m.put("fmsub.s", a -> a.fmsub_s(FA0, FT1, FT2, FT1, RNE));
        m.put("fnmsub.s", a -> a.fnmsub_s(FA0, FT1, FT2, FT1, RNE));
        m.put("fnmadd.s", a -> a.fnmadd_s(FA0, FT1, FT2, FT1, RNE));
        m.put("fsgnj.s", a -> a.fsgnj_s(FA0, FT1, FT2));
        m.put("fsgnjn.s", a -> a.fsgnjn_s(FA0, FT1, FT2));
        m.put("fsgnjx.s", a -> a.fsgnjx_s(FA0, FT1, FT2));
        m.put("fmin.s", a -> a.fmin_s(FA0, FT1, FT2));
        m.put("fmax.s", a -> a.fmax_s(FA0, FT1, FT2));
        m.put("fcvt.s.w", a -> a.fcvt_s_w(FA0, A1, RNE));
        m.put("fcvt.s.wu", a -> a.fcvt_s_wu(FA0, A1, RNE));
        m.put("fcvt.s.l", a -> a.fcvt_s_l(FA0, A1, RNE));
        m.put("fcvt.s.lu", a -> a.fcvt_s_lu(FA0, A1, RNE));
        m.put("fcvt.s.d", a -> a.fcvt_s_d(FA0, FT3, RNE));
        m.put("fmv.w.x", a -> a.fmv_w_x(FA0, A1));
        m.put("flw", a -> a.flw(FA0, 0, SP));
        for (var e : m.entrySet()) {
            t.s(FT1, 2f).s(FT2, 4f).d(FT3, 3.0).x(A1, 5).x(SP, FpRig.DATA).f(FA0, 0x0123_4567_89ab_cdefL);
            t.m.bus.write(FpRig.DATA, 8, 0x0000_0000_4000_0000L);
            t.ok(e.getValue());
            assertEquals(0xffff_ffffL, t.f(FA0) >>> 32, e.getKey() + " result is NaN-boxed");
        }
    }

    @Test
    void fmvXWSignExtendsTheRawLowBits() {
        t.f(FT1, 0x0000_0000_8000_0001L).f(FT2, 0xffff_0000_1234_5678L).f(FT3, 0x1111_1111_ff80_0001L);
        t.ok(a -> a.fmv_x_w(A0, FT1).fmv_x_w(A1, FT2).fmv_x_w(A2, FT3));
        assertEquals(0xffff_ffff_8000_0001L, t.x(A0), "unboxed: no canonical NaN, raw bits");
        assertEquals(0x1234_5678L, t.x(A1));
        assertEquals(0xffff_ffff_ff80_0001L, t.x(A2), "a signalling NaN's payload too");
        assertEquals(0, t.flags());
    }

    /** Loads, stores and moves are bit-exact: NaN payloads (signalling ones too) pass unchanged, no flags. */
    @Test
    void transfersKeepPayloads() {
        long dNaN = 0xfff0_dead_beef_0001L;
        int sNaN = 0xff80_1234;
        t.m.bus.write(FpRig.DATA, 8, dNaN);
        t.m.bus.write(FpRig.DATA + 8, 4, sNaN & 0xffff_ffffL);
        t.x(SP, FpRig.DATA).x(A1, dNaN).x(A2, 0xaaaa_bbbb_0000_0000L | (sNaN & 0xffff_ffffL));
        t.ok(a -> a.fld(FA0, 0, SP).flw(FA1, 8, SP).fsd(FA0, 16, SP).fsw(FA1, 24, SP)
                .fmv_d_x(FA2, A1).fmv_w_x(FA3, A2).fmv_x_d(A3, FA2).fmv_x_w(A4, FA3)
                .fsgnj_d(FA4, FA0, FA0).fsgnj_s(FA5, FA1, FA1)
                .c_fsdsp(FA0, 32).c_fldsp(FA6, 32));
        assertEquals(dNaN, t.f(FA0), "fld");
        assertEquals(boxed(sNaN), t.f(FA1), "flw");
        assertEquals(dNaN, t.m.bus.read(FpRig.DATA + 16, 8), "fsd");
        assertEquals(sNaN & 0xffff_ffffL, t.m.bus.read(FpRig.DATA + 24, 4), "fsw");
        assertEquals(dNaN, t.f(FA2), "fmv.d.x");
        assertEquals(boxed(sNaN), t.f(FA3), "fmv.w.x");
        assertEquals(dNaN, t.x(A3), "fmv.x.d");
        assertEquals((long) sNaN, t.x(A4), "fmv.x.w");
        assertEquals(dNaN, t.f(FA4), "fmv.d (fsgnj.d) keeps the payload");
        assertEquals(boxed(sNaN), t.f(FA5), "fmv.s (fsgnj.s) of a boxed value keeps the payload");
        assertEquals(dNaN, t.f(FA6), "c.fsdsp / c.fldsp");
        assertEquals(0, t.flags(), "no flags for moving signalling NaNs");
    }

    /** Arithmetic never propagates a payload or a sign: NaN results are the canonical NaN. */
    @Test
    void arithmeticNaNResultsAreCanonical() {
        long dq = 0xfff8_dead_0000_beefL; // negative quiet NaN with a payload
        int sq = 0xffc1_2345;
        t.f(FT1, dq).d(FT2, 1).sBits(FT3, sq).s(FT4, 1f);
        t.ok(a -> a.fadd_d(FA0, FT1, FT2).fmul_d(FA1, FT2, FT1).fmadd_d(FA2, FT2, FT2, FT1).fsqrt_d(FA3, FT1)
                .fnmadd_d(FA4, FT1, FT2, FT2).fcvt_d_s(FA5, FT3)
                .fsub_s(FS2, FT3, FT4).fdiv_s(FS3, FT4, FT3).fnmsub_s(FS4, FT3, FT4, FT4).fcvt_s_d(FS5, FT1)
                .fmin_d(FS6, FT1, FT1).fmax_s(FS7, FT3, FT3));
        for (int r : new int[] {FA0, FA1, FA2, FA3, FA4, FA5, FS6}) {
            assertEquals(CANONICAL_NAN64, t.f(r), "f" + r);
        }
        for (int r : new int[] {FS2, FS3, FS4, FS5, FS7}) {
            assertEquals(QNAN_S, t.f(r), "f" + r);
        }
        assertEquals(0, t.flags(), "quiet NaNs raise nothing");
    }
}
