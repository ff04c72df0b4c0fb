package dev.ferry.cpu;

import static dev.ferry.asm.Assembler.*;
import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static dev.ferry.cpu.FpRig.bits;
import static dev.ferry.cpu.FpRig.boxed;
import static dev.ferry.cpu.fpu.Fp.CANONICAL_NAN32;
import static dev.ferry.cpu.fpu.Fp.CANONICAL_NAN64;
import static dev.ferry.cpu.fpu.Fp.NV;
import static dev.ferry.cpu.fpu.Fp.NX;
import static dev.ferry.cpu.fpu.Fp.OF;
import static dev.ferry.cpu.fpu.Fp.UF;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.asm.Assembler;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every FCVT between W/WU/L/LU and S/D and between S and D, and the four FMV moves, through the
 * hart. 32-bit integer results (W and WU alike) are sign-extended into the x register; 32-bit
 * integer sources are the low half of the x register.
 */
class FpInstructionConvertTest {
    private final FpRig t = new FpRig();

    @AfterEach
    void close() {
        t.close();
    }

    private static final long GARBAGE = 0x5555_aaaa_5555_aaaaL;

    /** Runs {@code op(a, rm)} with rd=a0, rs1=ft1 holding {@code src}; checks a0 and the flags raised. */
    private void toInt(BiConsumer<Assembler, Integer> op, int rm, long src, long expect, int flags, String what) {
        t.fflags(0).f(FT1, src).x(A0, GARBAGE).ok(a -> op.accept(a, rm));
        assertEquals(expect, t.x(A0), () -> what + ": 0x" + Long.toHexString(t.x(A0)));
        assertEquals(flags, t.flags(), what + " flags");
    }

    private void fromInt(BiConsumer<Assembler, Integer> op, int rm, long src, long expect, int flags, String what) {
        t.fflags(0).x(A1, src).f(FA0, GARBAGE).ok(a -> op.accept(a, rm));
        assertEquals(expect, t.f(FA0), () -> what + ": 0x" + Long.toHexString(t.f(FA0)));
        assertEquals(flags, t.flags(), what + " flags");
    }

    private static long s(float v) {
        return boxed(v);
    }

    // ---- float -> integer ----

    @Test
    void fcvtWS() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_w_s(A0, FT1, rm);
        toInt(op, RTZ, s(-1f), -1L, 0, "-1 sign-extends");
        toInt(op, RNE, s(2.5f), 2, NX, "2.5 RNE");
        toInt(op, RMM, s(2.5f), 3, NX, "2.5 RMM");
        toInt(op, RDN, s(-2.5f), -3, NX, "-2.5 RDN");
        toInt(op, RUP, s(-2.5f), -2, NX, "-2.5 RUP");
        toInt(op, RTZ, s(-0x1p31f), 0xffffffff80000000L, 0, "-2^31 fits");
        toInt(op, RTZ, s(0x1p31f), 0x7fffffffL, NV, "2^31 saturates");
        toInt(op, RTZ, s(-3e9f), 0xffffffff80000000L, NV, "-3e9 saturates");
        toInt(op, RTZ, s(Float.NEGATIVE_INFINITY), 0xffffffff80000000L, NV, "-inf");
        toInt(op, RTZ, s(Float.NaN), 0x7fffffffL, NV, "NaN gives the largest");
        toInt(op, RTZ, boxed(0xffc00000), 0x7fffffffL, NV, "negative NaN too");
    }

    @Test
    void fcvtWuS() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_wu_s(A0, FT1, rm);
        toInt(op, RTZ, s(3e9f), 0xffffffffb2d05e00L, 0, "3e9 = 0xb2d05e00, sign-extended");
        toInt(op, RTZ, s(1.5f), 1, NX, "1.5 RTZ");
        toInt(op, RUP, s(1.5f), 2, NX, "1.5 RUP");
        toInt(op, RTZ, s(-0.5f), 0, NX, "-0.5 rounds to 0: only inexact");
        toInt(op, RTZ, s(-1f), 0, NV, "-1 saturates to 0");
        toInt(op, RTZ, s(0x1p32f), -1L, NV, "2^32 saturates to 0xffffffff, sign-extended");
        toInt(op, RTZ, s(Float.NaN), -1L, NV, "NaN");
        toInt(op, RTZ, s(Float.NEGATIVE_INFINITY), 0, NV, "-inf");
    }

    @Test
    void fcvtLS() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_l_s(A0, FT1, rm);
        toInt(op, RTZ, s(-0x1p40f), -(1L << 40), 0, "-2^40");
        toInt(op, RUP, s(1.25f), 2, NX, "1.25 RUP");
        toInt(op, RTZ, s(-0x1p63f), Long.MIN_VALUE, 0, "-2^63 fits");
        toInt(op, RTZ, s(0x1p63f), Long.MAX_VALUE, NV, "2^63 saturates");
        toInt(op, RTZ, s(Float.NaN), Long.MAX_VALUE, NV, "NaN");
        toInt(op, RTZ, s(Float.NEGATIVE_INFINITY), Long.MIN_VALUE, NV, "-inf");
    }

    @Test
    void fcvtLuS() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_lu_s(A0, FT1, rm);
        toInt(op, RTZ, s(0x1p63f), Long.MIN_VALUE, 0, "2^63 = 0x8000000000000000");
        toInt(op, RDN, s(1.5f), 1, NX, "1.5 RDN");
        toInt(op, RTZ, s(-1f), 0, NV, "-1");
        toInt(op, RTZ, s(0x1p64f), -1L, NV, "2^64 saturates");
        toInt(op, RTZ, s(Float.NaN), -1L, NV, "NaN");
    }

    @Test
    void fcvtWD() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_w_d(A0, FT1, rm);
        toInt(op, RTZ, bits(-2147483648.5), 0xffffffff80000000L, NX, "in range once rounded towards zero");
        toInt(op, RDN, bits(-2147483648.5), 0xffffffff80000000L, NV, "out of range once rounded down");
        toInt(op, RNE, bits(2147483647.4), 0x7fffffffL, NX, "rounds to INT_MAX");
        toInt(op, RNE, bits(2147483647.5), 0x7fffffffL, NV, "rounds past INT_MAX");
        toInt(op, RMM, bits(-7.5), -8, NX, "-7.5 RMM");
        toInt(op, RTZ, CANONICAL_NAN64, 0x7fffffffL, NV, "NaN");
    }

    @Test
    void fcvtWuD() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_wu_d(A0, FT1, rm);
        toInt(op, RTZ, bits(4294967295.0), -1L, 0, "0xffffffff, sign-extended");
        toInt(op, RTZ, bits(2147483648.0), 0xffffffff80000000L, 0, "0x80000000, sign-extended");
        toInt(op, RNE, bits(4294967295.5), -1L, NV, "rounds to 2^32: saturates");
        toInt(op, RTZ, bits(-0.0), 0, 0, "-0 is 0, no flags");
        toInt(op, RTZ, bits(-1e-300), 0, NX, "a tiny negative rounds to 0");
    }

    @Test
    void fcvtLD() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_l_d(A0, FT1, rm);
        toInt(op, RTZ, bits(-0x1p63), Long.MIN_VALUE, 0, "-2^63");
        toInt(op, RTZ, bits(0x1p62 + 0x1p10), (1L << 62) + 1024, 0, "exact large value");
        toInt(op, RTZ, bits(1e19), Long.MAX_VALUE, NV, "1e19 saturates");
        toInt(op, RTZ, bits(Double.POSITIVE_INFINITY), Long.MAX_VALUE, NV, "+inf");
        toInt(op, RNE, bits(-0.5), 0, NX, "-0.5 ties to even 0");
    }

    @Test
    void fcvtLuD() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_lu_d(A0, FT1, rm);
        toInt(op, RTZ, bits(1e19), -8446744073709551616L, 0, "1e19 is exact and fits");
        toInt(op, RTZ, bits(0x1p64), -1L, NV, "2^64 saturates");
        toInt(op, RTZ, bits(-1), 0, NV, "-1");
        toInt(op, RUP, bits(0.25), 1, NX, "0.25 RUP");
        toInt(op, RTZ, 0x7ff0000000000001L, -1L, NV, "signalling NaN");
    }

    // ---- integer -> float ----

    @Test
    void fcvtSW() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_s_w(FA0, A1, rm);
        fromInt(op, RNE, 0x00000001_fffffff9L, s(-7f), 0, "only the low 32 bits count");
        fromInt(op, RNE, 0x7fffffffL, s(0x1p31f), NX, "INT_MAX rounds to 2^31");
        fromInt(op, RTZ, 0x7fffffffL, boxed(0x4effffff), NX, "INT_MAX towards zero");
        fromInt(op, RNE, 0xffffffff80000000L, s(-0x1p31f), 0, "INT_MIN is exact");
        fromInt(op, RNE, 0, s(0f), 0, "0 is +0");
    }

    @Test
    void fcvtSWu() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_s_wu(FA0, A1, rm);
        fromInt(op, RNE, -1L, s(0x1p32f), NX, "0xffffffff rounds to 2^32");
        fromInt(op, RTZ, -1L, boxed(0x4f7fffff), NX, "towards zero");
        fromInt(op, RNE, 0xdead_beef_0000_0003L, s(3f), 0, "upper half ignored");
    }

    @Test
    void fcvtSL() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_s_l(FA0, A1, rm);
        fromInt(op, RNE, (1L << 24) + 1, s(0x1p24f), NX, "2^24+1 ties to even");
        fromInt(op, RUP, (1L << 24) + 1, s(0x1p24f + 2), NX, "2^24+1 rounded up");
        fromInt(op, RNE, Long.MIN_VALUE, s(-0x1p63f), 0, "LONG_MIN is exact");
        fromInt(op, RDN, -((1L << 24) + 1), s(-0x1p24f - 2), NX, "rounded down");
    }

    @Test
    void fcvtSLu() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_s_lu(FA0, A1, rm);
        fromInt(op, RNE, -1L, s(0x1p64f), NX, "2^64-1 rounds to 2^64");
        fromInt(op, RTZ, -1L, boxed(0x5f7fffff), NX, "towards zero");
        fromInt(op, RNE, Long.MIN_VALUE, s(0x1p63f), 0, "2^63 unsigned");
    }

    @Test
    void fcvtDW() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_d_w(FA0, A1, rm);
        fromInt(op, RNE, 0x12345678_80000000L, bits(-2147483648.0), 0, "only the low 32 bits count");
        fromInt(op, RTZ, -5, bits(-5.0), 0, "exact whatever the mode");
    }

    @Test
    void fcvtDWu() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_d_wu(FA0, A1, rm);
        fromInt(op, RNE, 0xffffffff80000000L, bits(2147483648.0), 0, "low 32 bits, unsigned");
        fromInt(op, RDN, -1L, bits(4294967295.0), 0, "0xffffffff");
    }

    @Test
    void fcvtDL() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_d_l(FA0, A1, rm);
        fromInt(op, RNE, (1L << 53) + 1, bits(0x1p53), NX, "2^53+1 ties to even");
        fromInt(op, RUP, (1L << 53) + 1, bits(0x1p53 + 2), NX, "rounded up");
        fromInt(op, RNE, Long.MIN_VALUE, bits(-0x1p63), 0, "LONG_MIN");
        fromInt(op, RNE, -3, bits(-3.0), 0, "-3");
    }

    @Test
    void fcvtDLu() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_d_lu(FA0, A1, rm);
        fromInt(op, RNE, -1L, bits(0x1p64), NX, "2^64-1 rounds to 2^64");
        fromInt(op, RTZ, -1L, 0x43efffffffffffffL, NX, "towards zero");
        fromInt(op, RNE, Long.MIN_VALUE, bits(0x1p63), 0, "2^63");
    }

    // ---- single <-> double ----

    @Test
    void fcvtSD() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_s_d(FA0, FT1, rm);
        fromFloat(op, RNE, 0x3fd5555555555555L, boxed(0x3eaaaaab), NX, "1/3 RNE");
        fromFloat(op, RTZ, 0x3fd5555555555555L, boxed(0x3eaaaaaa), NX, "1/3 RTZ");
        fromFloat(op, RNE, bits(1.5), s(1.5f), 0, "exact");
        fromFloat(op, RNE, bits(1e300), boxed(0x7f800000), OF | NX, "overflow to inf");
        fromFloat(op, RTZ, bits(-1e300), boxed(0xff7fffff), OF | NX, "overflow towards zero");
        fromFloat(op, RNE, bits(1e-50), boxed(0), UF | NX, "underflow to zero");
        fromFloat(op, RNE, 0x7ff8dead0000beefL, boxed(CANONICAL_NAN32), 0, "quiet NaN: canonical");
        fromFloat(op, RNE, 0x7ff0000000000001L, boxed(CANONICAL_NAN32), NV, "signalling NaN");
    }

    @Test
    void fcvtDS() {
        BiConsumer<Assembler, Integer> op = (a, rm) -> a.fcvt_d_s(FA0, FT1, rm);
        fromFloat(op, RNE, boxed(0x3eaaaaab), bits((double) Float.intBitsToFloat(0x3eaaaaab)), 0, "exact widening");
        fromFloat(op, RTZ, boxed(0x80000001), bits(-0x1p-149), 0, "a subnormal single is a normal double");
        fromFloat(op, RNE, s(-0f), bits(-0.0), 0, "-0");
        fromFloat(op, RNE, s(Float.NEGATIVE_INFINITY), bits(Double.NEGATIVE_INFINITY), 0, "-inf");
        fromFloat(op, RNE, boxed(0xffc12345), CANONICAL_NAN64, 0, "quiet NaN: canonical");
        fromFloat(op, RNE, boxed(0x7f800001), CANONICAL_NAN64, NV, "signalling NaN");
    }

    private void fromFloat(BiConsumer<Assembler, Integer> op, int rm, long src, long expect, int flags, String what) {
        t.fflags(0).f(FT1, src).f(FA0, GARBAGE).ok(a -> op.accept(a, rm));
        assertEquals(expect, t.f(FA0), () -> what + ": 0x" + Long.toHexString(t.f(FA0)));
        assertEquals(flags, t.flags(), what + " flags");
    }

    // ---- moves ----

    @Test
    void moves() {
        t.sBits(FT1, 0xbf800000).sBits(FT2, 0x7f800001).f(FT3, 0xfff0000000000001L)
                .x(A4, 0x12345678_7fc12345L).x(A5, 0x7ff4_0000_dead_beefL);
        t.ok(a -> a.fmv_x_w(A0, FT1).fmv_x_w(A1, FT2).fmv_x_d(A2, FT3).fmv_w_x(FA0, A4).fmv_d_x(FA1, A5));
        assertEquals(0xffffffffbf800000L, t.x(A0), "fmv.x.w sign-extends");
        assertEquals(0x7f800001L, t.x(A1), "fmv.x.w keeps a signalling NaN");
        assertEquals(0xfff0000000000001L, t.x(A2), "fmv.x.d");
        assertEquals(0xffffffff7fc12345L, t.f(FA0), "fmv.w.x takes the low half and boxes it");
        assertEquals(0x7ff40000deadbeefL, t.f(FA1), "fmv.d.x");
        assertEquals(0, t.flags(), "moves raise no flags");
    }
}
