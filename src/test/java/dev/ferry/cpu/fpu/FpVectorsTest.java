package dev.ferry.cpu.fpu;

import static dev.ferry.cpu.fpu.Fp.DZ;
import static dev.ferry.cpu.fpu.Fp.NV;
import static dev.ferry.cpu.fpu.Fp.NX;
import static dev.ferry.cpu.fpu.Fp.OF;
import static dev.ferry.cpu.fpu.Fp.RDN;
import static dev.ferry.cpu.fpu.Fp.RMM;
import static dev.ferry.cpu.fpu.Fp.RNE;
import static dev.ferry.cpu.fpu.Fp.RTZ;
import static dev.ferry.cpu.fpu.Fp.RUP;
import static dev.ferry.cpu.fpu.Fp.UF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Hand-derived vectors: each operation under each rounding mode, each flag, subnormals and the
 * tininess-after-rounding boundary, overflow to infinity vs the largest finite value, exact
 * ties (RNE vs RMM), signed zeros, NaN canonicalisation and signaling NaNs, and the RISC-V
 * float-to-integer saturation rules.
 */
class FpVectorsTest {
    // binary64 constants
    static final long ONE = 0x3ff0000000000000L, TWO = 0x4000000000000000L;
    static final long PZERO = 0, NZERO = 0x8000000000000000L, SIGN = NZERO;
    static final long PINF = 0x7ff0000000000000L, NINF = 0xfff0000000000000L;
    static final long MAX = 0x7fefffffffffffffL, MIN_NORMAL = 0x0010000000000000L;
    static final long MIN_SUB = 1, MAX_SUB = 0x000fffffffffffffL;
    static final long QNAN = 0x7ff8000000000000L, SNAN = 0x7ff0000000000001L;
    static final long NAN = Fp.CANONICAL_NAN64;
    // binary32 constants
    static final int F_ONE = 0x3f800000, F_MAX = 0x7f7fffff, F_PINF = 0x7f800000, F_NINF = 0xff800000;
    static final int F_MIN_NORMAL = 0x00800000, F_SNAN = 0x7f800001, F_NAN = Fp.CANONICAL_NAN32;

    static long d(double x) {
        return Double.doubleToRawLongBits(x);
    }

    static int s(float x) {
        return Float.floatToRawIntBits(x);
    }

    interface Op64 {
        long run(int rm, FpFlags f);
    }

    interface Op32 {
        int run(int rm, FpFlags f);
    }

    static String show(long bits, int flags) {
        FpFlags f = new FpFlags();
        f.flags = flags;
        return String.format("0x%016x [%s]", bits, f);
    }

    static String show32(int bits, int flags) {
        FpFlags f = new FpFlags();
        f.flags = flags;
        return String.format("0x%08x [%s]", bits, f);
    }

    static void is(long want, int wantFlags, int rm, Op64 op) {
        FpFlags f = new FpFlags();
        long got = op.run(rm, f);
        assertEquals(show(want, wantFlags), show(got, f.flags), () -> "rm=" + rm);
    }

    static void is32(int want, int wantFlags, int rm, Op32 op) {
        FpFlags f = new FpFlags();
        int got = op.run(rm, f);
        assertEquals(show32(want, wantFlags), show32(got, f.flags), () -> "rm=" + rm);
    }

    /** Results for RNE, RTZ, RDN, RUP, RMM with the same flags. */
    static void modes(Op64 op, int flags, long rne, long rtz, long rdn, long rup, long rmm) {
        long[] want = {rne, rtz, rdn, rup, rmm};
        for (int rm = 0; rm < 5; rm++) is(want[rm], flags, rm, op);
    }

    static void modes32(Op32 op, int flags, int rne, int rtz, int rdn, int rup, int rmm) {
        int[] want = {rne, rtz, rdn, rup, rmm};
        for (int rm = 0; rm < 5; rm++) is32(want[rm], flags, rm, op);
    }

    /** Same result and flags in every mode. */
    static void all(Op64 op, long want, int flags) {
        modes(op, flags, want, want, want, want, want);
    }

    static void all32(Op32 op, int want, int flags) {
        modes32(op, flags, want, want, want, want, want);
    }

    // =====================================================================================
    // add / sub
    // =====================================================================================

    @Test
    void addTiesAndDirectedRounding() {
        long half = d(0x1p-53), quarter = d(0x1p-54);
        long up1 = ONE + 1, up2 = ONE + 2;
        // 1 + 2^-53: exactly halfway between 1 and 1+2^-52; RNE keeps the even 1, RMM goes away
        modes((rm, f) -> Fp.add64(ONE, half, rm, f), NX, ONE, ONE, ONE, up1, up1);
        // (1+2^-52) + 2^-53: halfway again, now the even neighbour is above
        modes((rm, f) -> Fp.add64(up1, half, rm, f), NX, up2, up1, up1, up2, up2);
        // negative tie
        modes((rm, f) -> Fp.add64(ONE | SIGN, half | SIGN, rm, f), NX, ONE | SIGN, ONE | SIGN, up1 | SIGN, ONE | SIGN, up1 | SIGN);
        // below and above half an ulp
        modes((rm, f) -> Fp.add64(ONE, quarter, rm, f), NX, ONE, ONE, ONE, up1, ONE);
        long below1 = 0x3fefffffffffffffL;   // 1 - 2^-53
        modes((rm, f) -> Fp.add64(ONE, quarter | SIGN, rm, f), NX, ONE, below1, below1, ONE, ONE);
        // exact
        all((rm, f) -> Fp.add64(ONE, ONE, rm, f), TWO, 0);
        all((rm, f) -> Fp.sub64(d(3.5), d(1.25), rm, f), d(2.25), 0);
    }

    @Test
    void addSignedZeros() {
        long x = d(1.5);
        // x + (-x) is +0, except -0 when rounding down
        modes((rm, f) -> Fp.add64(x, x | SIGN, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        modes((rm, f) -> Fp.sub64(x, x, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        modes((rm, f) -> Fp.add64(PZERO, NZERO, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        modes((rm, f) -> Fp.sub64(PZERO, PZERO, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        all((rm, f) -> Fp.add64(NZERO, NZERO, rm, f), NZERO, 0);
        all((rm, f) -> Fp.add64(PZERO, PZERO, rm, f), PZERO, 0);
        all((rm, f) -> Fp.sub64(NZERO, PZERO, rm, f), NZERO, 0);
        all((rm, f) -> Fp.add64(NZERO, x, rm, f), x, 0);
        // binary32
        int y = s(1.5f);
        modes32((rm, f) -> Fp.add32(y, y ^ 0x80000000, rm, f), 0, 0, 0, 0x80000000, 0, 0);
        modes32((rm, f) -> Fp.sub32(0x80000000, 0x80000000, rm, f), 0, 0, 0, 0x80000000, 0, 0);
        all32((rm, f) -> Fp.add32(0x80000000, 0x80000000, rm, f), 0x80000000, 0);
    }

    @Test
    void addOverflow() {
        // MAX + MAX: infinity or MAX by direction, always OF|NX
        modes((rm, f) -> Fp.add64(MAX, MAX, rm, f), OF | NX, PINF, MAX, MAX, PINF, PINF);
        modes((rm, f) -> Fp.add64(MAX | SIGN, MAX | SIGN, rm, f), OF | NX, NINF, MAX | SIGN, NINF, MAX | SIGN, NINF);
        // MAX + half an ulp: a tie; RNE rounds to the even 2^1024 (overflow). Rounding towards
        // zero gives MAX, and since the exact value stays below 2^1024 that is no overflow.
        long halfUlp = d(0x1p970);
        is(PINF, OF | NX, RNE, (rm, f) -> Fp.add64(MAX, halfUlp, rm, f));
        is(MAX, NX, RTZ, (rm, f) -> Fp.add64(MAX, halfUlp, rm, f));
        is(MAX, NX, RDN, (rm, f) -> Fp.add64(MAX, halfUlp, rm, f));
        is(PINF, OF | NX, RUP, (rm, f) -> Fp.add64(MAX, halfUlp, rm, f));
        is(PINF, OF | NX, RMM, (rm, f) -> Fp.add64(MAX, halfUlp, rm, f));
        // MAX + a quarter ulp: only RUP overflows
        long quarterUlp = d(0x1p969);
        is(MAX, NX, RNE, (rm, f) -> Fp.add64(MAX, quarterUlp, rm, f));
        is(MAX, NX, RMM, (rm, f) -> Fp.add64(MAX, quarterUlp, rm, f));
        is(PINF, OF | NX, RUP, (rm, f) -> Fp.add64(MAX, quarterUlp, rm, f));
        is(MAX | SIGN, NX, RUP, (rm, f) -> Fp.add64(MAX | SIGN, quarterUlp | SIGN, rm, f));
        is(NINF, OF | NX, RDN, (rm, f) -> Fp.add64(MAX | SIGN, quarterUlp | SIGN, rm, f));
        // binary32: MAX + MAX, MAX + half ulp (2^103)
        modes32((rm, f) -> Fp.add32(F_MAX, F_MAX, rm, f), OF | NX, F_PINF, F_MAX, F_MAX, F_PINF, F_PINF);
        int fHalf = s(0x1p103f);
        is32(F_PINF, OF | NX, RNE, (rm, f) -> Fp.add32(F_MAX, fHalf, rm, f));
        is32(F_MAX, NX, RTZ, (rm, f) -> Fp.add32(F_MAX, fHalf, rm, f));
        is32(F_PINF, OF | NX, RUP, (rm, f) -> Fp.add32(F_MAX, fHalf, rm, f));
    }

    @Test
    void addSubnormalsAreExact() {
        all((rm, f) -> Fp.add64(MIN_SUB, MIN_SUB, rm, f), 2, 0);
        all((rm, f) -> Fp.sub64(MIN_NORMAL, MIN_SUB, rm, f), MAX_SUB, 0);
        all((rm, f) -> Fp.add64(MAX_SUB, MIN_SUB, rm, f), MIN_NORMAL, 0);
        all32((rm, f) -> Fp.sub32(F_MIN_NORMAL, 1, rm, f), 0x007fffff, 0);
    }

    @Test
    void addInfinitiesAndNaNs() {
        all((rm, f) -> Fp.add64(PINF, NINF, rm, f), NAN, NV);
        all((rm, f) -> Fp.sub64(PINF, PINF, rm, f), NAN, NV);
        all((rm, f) -> Fp.add64(PINF, MAX, rm, f), PINF, 0);
        all((rm, f) -> Fp.add64(NINF, NINF, rm, f), NINF, 0);
        // quiet NaN with a payload and a sign: canonical NaN, no flag
        all((rm, f) -> Fp.add64(0xfff8000000001234L, ONE, rm, f), NAN, 0);
        // signaling NaN in either position: canonical NaN and NV
        all((rm, f) -> Fp.add64(SNAN, ONE, rm, f), NAN, NV);
        all((rm, f) -> Fp.sub64(ONE, 0xfff4000000000000L, rm, f), NAN, NV);
        all((rm, f) -> Fp.add64(QNAN, SNAN, rm, f), NAN, NV);
        all32((rm, f) -> Fp.add32(0xffc01234, F_ONE, rm, f), F_NAN, 0);
        all32((rm, f) -> Fp.add32(F_ONE, F_SNAN, rm, f), F_NAN, NV);
        all32((rm, f) -> Fp.sub32(F_NINF, F_NINF, rm, f), F_NAN, NV);
    }

    @Test
    void add32Rounding() {
        int half = s(0x1p-24f);
        modes32((rm, f) -> Fp.add32(F_ONE, half, rm, f), NX, F_ONE, F_ONE, F_ONE, F_ONE + 1, F_ONE + 1);
        modes32((rm, f) -> Fp.add32(F_ONE + 1, half, rm, f), NX, F_ONE + 2, F_ONE + 1, F_ONE + 1, F_ONE + 2, F_ONE + 2);
        // a tiny addend far below the last bit: sticky only
        int tiny = s(0x1p-100f);
        modes32((rm, f) -> Fp.add32(F_ONE, tiny | 0x80000000, rm, f), NX, F_ONE, 0x3f7fffff, 0x3f7fffff, F_ONE, F_ONE);
    }

    // =====================================================================================
    // mul
    // =====================================================================================

    @Test
    void mulTies() {
        // (1 + 3*2^-52) * 1.5 = 1.5 + 4.5*2^-52: halfway between ...04 (even) and ...05
        long a = ONE + 3, b = d(1.5);
        modes((rm, f) -> Fp.mul64(a, b, rm, f), NX,
                0x3ff8000000000004L, 0x3ff8000000000004L, 0x3ff8000000000004L, 0x3ff8000000000005L, 0x3ff8000000000005L);
        modes((rm, f) -> Fp.mul64(a | SIGN, b, rm, f), NX,
                0xbff8000000000004L, 0xbff8000000000004L, 0xbff8000000000005L, 0xbff8000000000004L, 0xbff8000000000005L);
        all((rm, f) -> Fp.mul64(d(3), d(0.25), rm, f), d(0.75), 0);
        all((rm, f) -> Fp.mul64(NZERO, d(5), rm, f), NZERO, 0);
        all((rm, f) -> Fp.mul64(PINF, d(-2), rm, f), NINF, 0);
        all((rm, f) -> Fp.mul64(PZERO, NINF, rm, f), NAN, NV);
        all((rm, f) -> Fp.mul64(SNAN, PZERO, rm, f), NAN, NV);
    }

    @Test
    void mulUnderflow() {
        long half = d(0.5);
        // exact subnormal result: no flags at all
        all((rm, f) -> Fp.mul64(MIN_NORMAL, half, rm, f), 0x0008000000000000L, 0);
        // 2^-1075: halfway between 0 and the smallest subnormal
        modes((rm, f) -> Fp.mul64(MIN_SUB, half, rm, f), UF | NX, PZERO, PZERO, PZERO, MIN_SUB, MIN_SUB);
        modes((rm, f) -> Fp.mul64(MIN_SUB | SIGN, half, rm, f), UF | NX, NZERO, NZERO, MIN_SUB | SIGN, NZERO, MIN_SUB | SIGN);
        // 0.75 * 2^-1074: above halfway
        modes((rm, f) -> Fp.mul64(MIN_SUB, d(0.75), rm, f), UF | NX, MIN_SUB, PZERO, PZERO, MIN_SUB, MIN_SUB);
        // 2^-1022 - 2^-1075: tiny even after rounding to 53 bits (it has 53 bits), so every mode
        // underflows, although RNE/RUP/RMM deliver the smallest normal
        long below = 0x3fefffffffffffffL;  // 1 - 2^-53
        modes((rm, f) -> Fp.mul64(MIN_NORMAL, below, rm, f), UF | NX, MIN_NORMAL, MAX_SUB, MAX_SUB, MIN_NORMAL, MIN_NORMAL);
        // 2^-1022 - 2^-1077 = (2^55-1) * 2^-1077: rounded to 53 bits with an unbounded exponent
        // it becomes 2^-1022 under RNE/RUP/RMM, so it is not tiny: NX without UF. Rounded
        // towards zero it stays below 2^-1022: tiny, UF.
        long x = d(31 * 0x1p-500), y = d(1162219258676257.0 * 0x1p-577);
        is(MIN_NORMAL, NX, RNE, (rm, f) -> Fp.mul64(x, y, rm, f));
        is(MIN_NORMAL, NX, RUP, (rm, f) -> Fp.mul64(x, y, rm, f));
        is(MIN_NORMAL, NX, RMM, (rm, f) -> Fp.mul64(x, y, rm, f));
        is(MAX_SUB, UF | NX, RTZ, (rm, f) -> Fp.mul64(x, y, rm, f));
        is(MAX_SUB, UF | NX, RDN, (rm, f) -> Fp.mul64(x, y, rm, f));
        // far below: zero or the smallest subnormal
        modes((rm, f) -> Fp.mul64(d(0x1p-600), d(0x1p-600), rm, f), UF | NX, PZERO, PZERO, PZERO, MIN_SUB, PZERO);
        // binary32: the same boundary, 2^-126 * (1 - 2^-24)
        modes32((rm, f) -> Fp.mul32(F_MIN_NORMAL, 0x3f7fffff, rm, f), UF | NX,
                F_MIN_NORMAL, 0x007fffff, 0x007fffff, F_MIN_NORMAL, F_MIN_NORMAL);
        modes32((rm, f) -> Fp.mul32(1, s(0.5f), rm, f), UF | NX, 0, 0, 0, 1, 1);
    }

    @Test
    void mulOverflow() {
        long a = d(0x1p1000), b = d(0x1p100);
        modes((rm, f) -> Fp.mul64(a, b, rm, f), OF | NX, PINF, MAX, MAX, PINF, PINF);
        modes((rm, f) -> Fp.mul64(a | SIGN, b, rm, f), OF | NX, NINF, MAX | SIGN, NINF, MAX | SIGN, NINF);
        modes32((rm, f) -> Fp.mul32(s(0x1p100f), s(-0x1p100f), rm, f), OF | NX, F_NINF, F_MAX | 0x80000000, F_NINF, F_MAX | 0x80000000, F_NINF);
    }

    // =====================================================================================
    // div
    // =====================================================================================

    @Test
    void div() {
        long third = 0x3fd5555555555555L;
        modes((rm, f) -> Fp.div64(ONE, d(3), rm, f), NX, third, third, third, third + 1, third);
        modes((rm, f) -> Fp.div64(ONE | SIGN, d(3), rm, f), NX, third | SIGN, third | SIGN, (third + 1) | SIGN, third | SIGN, third | SIGN);
        all((rm, f) -> Fp.div64(d(1), d(8), rm, f), d(0.125), 0);
        // binary32 1/3 rounds up under RNE
        modes32((rm, f) -> Fp.div32(F_ONE, s(3f), rm, f), NX, 0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaaa, 0x3eaaaaab, 0x3eaaaaab);
    }

    @Test
    void divSpecials() {
        all((rm, f) -> Fp.div64(ONE, PZERO, rm, f), PINF, DZ);
        all((rm, f) -> Fp.div64(ONE | SIGN, PZERO, rm, f), NINF, DZ);
        all((rm, f) -> Fp.div64(ONE, NZERO, rm, f), NINF, DZ);
        all((rm, f) -> Fp.div64(PZERO, PZERO, rm, f), NAN, NV);
        all((rm, f) -> Fp.div64(PINF, NINF, rm, f), NAN, NV);
        all((rm, f) -> Fp.div64(PINF, PZERO, rm, f), PINF, 0);      // no DZ for infinity / 0
        all((rm, f) -> Fp.div64(PZERO, d(5), rm, f), PZERO, 0);
        all((rm, f) -> Fp.div64(d(-5), PINF, rm, f), NZERO, 0);
        all((rm, f) -> Fp.div64(QNAN, PZERO, rm, f), NAN, 0);
        all((rm, f) -> Fp.div64(ONE, SNAN, rm, f), NAN, NV);
        all32((rm, f) -> Fp.div32(F_ONE, 0x80000000, rm, f), F_NINF, DZ);
        all32((rm, f) -> Fp.div32(F_PINF, 0, rm, f), F_PINF, 0);
        all32((rm, f) -> Fp.div32(0, 0, rm, f), F_NAN, NV);
    }

    @Test
    void divUnderflowAndOverflow() {
        all((rm, f) -> Fp.div64(MIN_NORMAL, d(0x1p52), rm, f), MIN_SUB, 0);
        modes((rm, f) -> Fp.div64(MIN_SUB, d(3), rm, f), UF | NX, PZERO, PZERO, PZERO, MIN_SUB, PZERO);
        modes((rm, f) -> Fp.div64(MIN_SUB, d(-2), rm, f), UF | NX, NZERO, NZERO, MIN_SUB | SIGN, NZERO, MIN_SUB | SIGN);
        // subnormal / subnormal: normal and exact, or inexact
        all((rm, f) -> Fp.div64(6, 3, rm, f), TWO, 0);
        modes((rm, f) -> Fp.div64(1, 3, rm, f), NX, 0x3fd5555555555555L, 0x3fd5555555555555L, 0x3fd5555555555555L, 0x3fd5555555555556L, 0x3fd5555555555555L);
        modes((rm, f) -> Fp.div64(MAX, d(0.5), rm, f), OF | NX, PINF, MAX, MAX, PINF, PINF);
        modes((rm, f) -> Fp.div64(ONE, MIN_SUB, rm, f), OF | NX, PINF, MAX, MAX, PINF, PINF);
    }

    // =====================================================================================
    // sqrt
    // =====================================================================================

    @Test
    void sqrt() {
        long r2 = 0x3ff6a09e667f3bcdL;  // RN(sqrt 2), above the exact root
        modes((rm, f) -> Fp.sqrt64(TWO, rm, f), NX, r2, r2 - 1, r2 - 1, r2, r2);
        all((rm, f) -> Fp.sqrt64(d(4), rm, f), TWO, 0);
        all((rm, f) -> Fp.sqrt64(NZERO, rm, f), NZERO, 0);
        all((rm, f) -> Fp.sqrt64(PZERO, rm, f), PZERO, 0);
        all((rm, f) -> Fp.sqrt64(PINF, rm, f), PINF, 0);
        all((rm, f) -> Fp.sqrt64(d(-1), rm, f), NAN, NV);
        all((rm, f) -> Fp.sqrt64(NINF, rm, f), NAN, NV);
        all((rm, f) -> Fp.sqrt64(MIN_SUB | SIGN, rm, f), NAN, NV);
        all((rm, f) -> Fp.sqrt64(SNAN, rm, f), NAN, NV);
        all((rm, f) -> Fp.sqrt64(0xfff8000000000001L, rm, f), NAN, 0);
        // roots of subnormals are normal: sqrt(2^-1074) = 2^-537 exactly, sqrt(2^-1073) inexact
        all((rm, f) -> Fp.sqrt64(MIN_SUB, rm, f), 0x1e60000000000000L, 0);
        long r = 0x1e66a09e667f3bcdL;
        modes((rm, f) -> Fp.sqrt64(2, rm, f), NX, r, r - 1, r - 1, r, r);
        // binary32: RN(sqrt 2) is below the exact root
        int f2 = 0x3fb504f3;
        modes32((rm, f) -> Fp.sqrt32(s(2f), rm, f), NX, f2, f2, f2, f2 + 1, f2);
        all32((rm, f) -> Fp.sqrt32(0x80000000, rm, f), 0x80000000, 0);
        all32((rm, f) -> Fp.sqrt32(s(-2f), rm, f), F_NAN, NV);
    }

    // =====================================================================================
    // fma
    // =====================================================================================

    @Test
    void fmaSingleRounding() {
        // (1 + 2^-27)^2 - 1 = 2^-26 + 2^-54 exactly (a separate multiply would lose the 2^-54)
        long x = 0x3ff0000002000000L;
        all((rm, f) -> Fp.fma64(x, x, ONE | SIGN, rm, f), 0x3e50000001000000L, 0);
        // MAX * 2 - MAX = MAX: no intermediate overflow
        all((rm, f) -> Fp.fma64(MAX, TWO, MAX | SIGN, rm, f), MAX, 0);
        // a tie through the product, and through the addend
        long a = ONE + 3, b = d(1.5);
        modes((rm, f) -> Fp.fma64(a, b, PZERO, rm, f), NX,
                0x3ff8000000000004L, 0x3ff8000000000004L, 0x3ff8000000000004L, 0x3ff8000000000005L, 0x3ff8000000000005L);
        modes((rm, f) -> Fp.fma64(ONE, ONE, d(0x1p-53), rm, f), NX, ONE, ONE, ONE, ONE + 1, ONE + 1);
        // a residual far below the result
        modes((rm, f) -> Fp.fma64(MIN_SUB, d(0.5), ONE, rm, f), NX, ONE, ONE, ONE, ONE + 1, ONE);
        modes((rm, f) -> Fp.fma64(MIN_SUB, d(-0.5), ONE, rm, f), NX, ONE, 0x3fefffffffffffffL, 0x3fefffffffffffffL, ONE, ONE);
        // tiny results
        modes((rm, f) -> Fp.fma64(MIN_SUB, d(0.5), NZERO, rm, f), UF | NX, PZERO, PZERO, PZERO, MIN_SUB, MIN_SUB);
        // overflow
        modes((rm, f) -> Fp.fma64(MAX, ONE, MAX, rm, f), OF | NX, PINF, MAX, MAX, PINF, PINF);
    }

    @Test
    void fmaSignedZerosAndSignFlips() {
        // 1*1 + (-1): exact zero, +0 except RDN
        modes((rm, f) -> Fp.fma64(ONE, ONE, ONE | SIGN, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        // (+0 * -1) + +0 = -0 + +0
        modes((rm, f) -> Fp.fma64(PZERO, ONE | SIGN, PZERO, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        all((rm, f) -> Fp.fma64(NZERO, ONE, NZERO, rm, f), NZERO, 0);
        // (-0 * -0) + -0 = +0 + -0
        modes((rm, f) -> Fp.fma64(NZERO, NZERO, NZERO, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        all((rm, f) -> Fp.fma64(PZERO, d(3), d(-2), rm, f), d(-2), 0);
        // FNMADD(1, 1, -1) = -(1*1) - (-1), built as fma(-1, 1, +1): +0 in RNE (RISC-V negates
        // the product, not the sum), -0 in RDN
        modes((rm, f) -> Fp.fma64(ONE ^ SIGN, ONE, (ONE | SIGN) ^ SIGN, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        // FMSUB(2, 3, 6) = 2*3 - 6, built as fma(2, 3, -6)
        modes((rm, f) -> Fp.fma64(TWO, d(3), d(6) ^ SIGN, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        // FNMSUB(-0, 5, -0) = -(-0*5) + -0 = +0 + -0, built as fma(+0, 5, -0)
        modes((rm, f) -> Fp.fma64(NZERO ^ SIGN, d(5), NZERO, rm, f), 0, PZERO, PZERO, NZERO, PZERO, PZERO);
        // binary32
        modes32((rm, f) -> Fp.fma32(F_ONE, F_ONE, F_ONE | 0x80000000, rm, f), 0, 0, 0, 0x80000000, 0, 0);
        all32((rm, f) -> Fp.fma32(0x80000000, F_ONE, 0x80000000, rm, f), 0x80000000, 0);
    }

    @Test
    void fmaSpecials() {
        // inf * 0 is invalid even with a quiet NaN addend (RISC-V requires NV here)
        all((rm, f) -> Fp.fma64(PINF, PZERO, QNAN, rm, f), NAN, NV);
        all((rm, f) -> Fp.fma64(NZERO, NINF, ONE, rm, f), NAN, NV);
        all((rm, f) -> Fp.fma64(QNAN, PZERO, ONE, rm, f), NAN, 0);
        all((rm, f) -> Fp.fma64(ONE, ONE, SNAN, rm, f), NAN, NV);
        all((rm, f) -> Fp.fma64(PINF, ONE, NINF, rm, f), NAN, NV);
        all((rm, f) -> Fp.fma64(PINF, ONE, PINF, rm, f), PINF, 0);
        all((rm, f) -> Fp.fma64(ONE, ONE, NINF, rm, f), NINF, 0);
        all((rm, f) -> Fp.fma64(MAX, TWO, NINF, rm, f), NINF, 0);
        all32((rm, f) -> Fp.fma32(F_PINF, 0, F_NAN, rm, f), F_NAN, NV);
        all32((rm, f) -> Fp.fma32(F_SNAN, F_ONE, F_ONE, rm, f), F_NAN, NV);
        all32((rm, f) -> Fp.fma32(F_NINF, F_ONE, F_PINF, rm, f), F_NAN, NV);
    }

    @Test
    void fma32AvoidsDoubleRounding() {
        // (2^-24 (1 + 2^-23)) * (1 - 2^-23) + (1 + 2^-23) = 1 + 2^-23 + 2^-24 - 2^-70: just below
        // a binary32 tie. Rounding to double first would land on the tie and round it to even.
        int a = 0x33800001, b = 0x3f7ffffe, c = F_ONE + 1;
        modes32((rm, f) -> Fp.fma32(a, b, c, rm, f), NX, F_ONE + 1, F_ONE + 1, F_ONE + 1, F_ONE + 2, F_ONE + 1);
        // (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24 exactly
        all32((rm, f) -> Fp.fma32(0x3f800800, 0x3f800800, F_ONE | 0x80000000, rm, f), 0x3a000400, 0);
    }

    // =====================================================================================
    // min / max / compare / classify / sign injection
    // =====================================================================================

    @Test
    void minMax() {
        FpFlags f = new FpFlags();
        assertEquals(NZERO, Fp.min64(PZERO, NZERO, f));
        assertEquals(NZERO, Fp.min64(NZERO, PZERO, f));
        assertEquals(PZERO, Fp.max64(NZERO, PZERO, f));
        assertEquals(PZERO, Fp.max64(PZERO, NZERO, f));
        assertEquals(d(-3), Fp.min64(d(2), d(-3), f));
        assertEquals(d(2), Fp.max64(d(2), d(-3), f));
        assertEquals(NINF, Fp.min64(NINF, MAX, f));
        assertEquals(0, f.flags);
        // one quiet NaN: the other operand, no flag
        assertEquals(ONE, Fp.min64(0xfff8000000000abcL, ONE, f));
        assertEquals(ONE, Fp.max64(ONE, QNAN, f));
        assertEquals(0, f.flags);
        // both NaN: canonical
        assertEquals(NAN, Fp.max64(0x7ff8000000000001L, 0xfff8000000000002L, f));
        assertEquals(0, f.flags);
        // signaling NaN: NV, even when the result is the other operand
        assertEquals(ONE, Fp.min64(SNAN, ONE, f));
        assertEquals(NV, f.flags);
        f.flags = 0;
        assertEquals(NAN, Fp.max64(SNAN, QNAN, f));
        assertEquals(NV, f.flags);
        f.flags = 0;
        assertEquals(0x80000000, Fp.min32(0, 0x80000000, f));
        assertEquals(0, Fp.max32(0x80000000, 0, f));
        assertEquals(F_ONE, Fp.min32(F_SNAN, F_ONE, f));
        assertEquals(NV, f.flags);
        f.flags = 0;
        assertEquals(F_NAN, Fp.min32(0xffc00005, 0x7fc00007, f));
        assertEquals(0, f.flags);
    }

    @Test
    void compares() {
        FpFlags f = new FpFlags();
        assertTrue(Fp.eq64(PZERO, NZERO, f));
        assertFalse(Fp.lt64(NZERO, PZERO, f));
        assertTrue(Fp.le64(NZERO, PZERO, f));
        assertTrue(Fp.lt64(NINF, MIN_SUB | SIGN, f));
        assertTrue(Fp.le64(ONE, ONE, f));
        assertFalse(Fp.lt64(ONE, ONE, f));
        assertEquals(0, f.flags);
        // quiet compare: NV only for signaling NaNs
        assertFalse(Fp.eq64(QNAN, ONE, f));
        assertFalse(Fp.eq64(QNAN, QNAN, f));
        assertEquals(0, f.flags);
        assertFalse(Fp.eq64(ONE, SNAN, f));
        assertEquals(NV, f.flags);
        // signaling compares: NV for any NaN
        f.flags = 0;
        assertFalse(Fp.lt64(QNAN, ONE, f));
        assertEquals(NV, f.flags);
        f.flags = 0;
        assertFalse(Fp.le64(ONE, QNAN, f));
        assertEquals(NV, f.flags);
        f.flags = 0;
        assertTrue(Fp.eq32(0, 0x80000000, f));
        assertTrue(Fp.lt32(s(-1f), 0, f));
        assertFalse(Fp.eq32(F_NAN, F_NAN, f));
        assertEquals(0, f.flags);
        assertFalse(Fp.le32(F_NAN, F_ONE, f));
        assertEquals(NV, f.flags);
        f.flags = 0;
        assertFalse(Fp.eq32(F_SNAN, F_ONE, f));
        assertEquals(NV, f.flags);
    }

    @Test
    void classify() {
        assertEquals(1 << 0, Fp.classify64(NINF));
        assertEquals(1 << 1, Fp.classify64(d(-1)));
        assertEquals(1 << 2, Fp.classify64(MAX_SUB | SIGN));
        assertEquals(1 << 3, Fp.classify64(NZERO));
        assertEquals(1 << 4, Fp.classify64(PZERO));
        assertEquals(1 << 5, Fp.classify64(MIN_SUB));
        assertEquals(1 << 6, Fp.classify64(MIN_NORMAL));
        assertEquals(1 << 7, Fp.classify64(PINF));
        assertEquals(1 << 8, Fp.classify64(SNAN));
        assertEquals(1 << 8, Fp.classify64(0xfff4000000000000L));
        assertEquals(1 << 9, Fp.classify64(QNAN));
        assertEquals(1 << 9, Fp.classify64(0xffffffffffffffffL));
        assertEquals(1 << 0, Fp.classify32(F_NINF));
        assertEquals(1 << 1, Fp.classify32(s(-2f)));
        assertEquals(1 << 2, Fp.classify32(0x807fffff));
        assertEquals(1 << 3, Fp.classify32(0x80000000));
        assertEquals(1 << 4, Fp.classify32(0));
        assertEquals(1 << 5, Fp.classify32(1));
        assertEquals(1 << 6, Fp.classify32(F_MAX));
        assertEquals(1 << 7, Fp.classify32(F_PINF));
        assertEquals(1 << 8, Fp.classify32(F_SNAN));
        assertEquals(1 << 9, Fp.classify32(F_NAN));
    }

    @Test
    void signInjection() {
        // no canonicalisation, no flags
        assertEquals(SNAN | SIGN, Fp.sgnj64(SNAN, d(-1)));
        assertEquals(d(-2), Fp.sgnjn64(TWO, TWO));
        assertEquals(TWO, Fp.sgnjx64(d(-2), d(-3)));
        assertEquals(d(-2), Fp.sgnjx64(TWO, d(-3)));
        assertEquals(0xffc01234, Fp.sgnjn32(0x7fc01234, 0));
        assertEquals(0x7fc01234, Fp.sgnj32(0xffc01234, 0));
        assertEquals(F_ONE, Fp.sgnjx32(F_ONE | 0x80000000, 0x80000000));
    }

    // =====================================================================================
    // float <-> float conversions
    // =====================================================================================

    @Test
    void cvt32From64() {
        // 1 + 2^-24 is a binary32 tie
        modes32((rm, f) -> Fp.cvt32From64(0x3ff0000010000000L, rm, f), NX, F_ONE, F_ONE, F_ONE, F_ONE + 1, F_ONE + 1);
        all32((rm, f) -> Fp.cvt32From64(d(0.375), rm, f), s(0.375f), 0);
        all32((rm, f) -> Fp.cvt32From64(NZERO, rm, f), 0x80000000, 0);
        all32((rm, f) -> Fp.cvt32From64(NINF, rm, f), F_NINF, 0);
        // a double subnormal is far below binary32's range
        modes32((rm, f) -> Fp.cvt32From64(MIN_SUB, rm, f), UF | NX, 0, 0, 0, 1, 0);
        modes32((rm, f) -> Fp.cvt32From64(MIN_SUB | SIGN, rm, f), UF | NX, 0x80000000, 0x80000000, 0x80000001, 0x80000000, 0x80000000);
        // overflow
        modes32((rm, f) -> Fp.cvt32From64(d(1e300), rm, f), OF | NX, F_PINF, F_MAX, F_MAX, F_PINF, F_PINF);
        modes32((rm, f) -> Fp.cvt32From64(d(-1e300), rm, f), OF | NX, F_NINF, F_MAX | 0x80000000, F_NINF, F_MAX | 0x80000000, F_NINF);
        // binary32 MAX + half an ulp: RNE/RMM overflow, RTZ gives MAX without OF
        long maxPlusHalf = d(0x1.fffffep127 + 0x1p103);
        is32(F_PINF, OF | NX, RNE, (rm, f) -> Fp.cvt32From64(maxPlusHalf, rm, f));
        is32(F_MAX, NX, RTZ, (rm, f) -> Fp.cvt32From64(maxPlusHalf, rm, f));
        is32(F_PINF, OF | NX, RMM, (rm, f) -> Fp.cvt32From64(maxPlusHalf, rm, f));
        // tininess after rounding at binary32's normal boundary:
        // 2^-126 - 2^-150 has 24 bits: tiny in every mode
        modes32((rm, f) -> Fp.cvt32From64(0x380fffffe0000000L, rm, f), UF | NX,
                F_MIN_NORMAL, 0x007fffff, 0x007fffff, F_MIN_NORMAL, F_MIN_NORMAL);
        // 2^-126 - 2^-151 rounds to 2^-126 at 24 bits (RNE tie to even, RUP, RMM): not tiny
        is32(F_MIN_NORMAL, NX, RNE, (rm, f) -> Fp.cvt32From64(0x380ffffff0000000L, rm, f));
        is32(F_MIN_NORMAL, NX, RMM, (rm, f) -> Fp.cvt32From64(0x380ffffff0000000L, rm, f));
        is32(F_MIN_NORMAL, NX, RUP, (rm, f) -> Fp.cvt32From64(0x380ffffff0000000L, rm, f));
        is32(0x007fffff, UF | NX, RTZ, (rm, f) -> Fp.cvt32From64(0x380ffffff0000000L, rm, f));
        // NaNs
        all32((rm, f) -> Fp.cvt32From64(SNAN, rm, f), F_NAN, NV);
        all32((rm, f) -> Fp.cvt32From64(0xfff8000000001234L, rm, f), F_NAN, 0);
    }

    @Test
    void cvt64From32() {
        FpFlags f = new FpFlags();
        assertEquals(0x36a0000000000000L, Fp.cvt64From32(1, f));
        assertEquals(NZERO, Fp.cvt64From32(0x80000000, f));
        assertEquals(NINF, Fp.cvt64From32(F_NINF, f));
        assertEquals(d(0.1f), Fp.cvt64From32(s(0.1f), f));
        assertEquals(NAN, Fp.cvt64From32(0xffc00001, f));
        assertEquals(0, f.flags);
        assertEquals(NAN, Fp.cvt64From32(F_SNAN, f));
        assertEquals(NV, f.flags);
    }

    // =====================================================================================
    // float -> integer
    // =====================================================================================

    static final long W_MAX = 0x7fffffffL, W_MIN = 0xffffffff80000000L, ALL_ONES = -1L;

    @Test
    void cvtWFrom64() {
        all((rm, f) -> Fp.cvtWFrom64(NAN, rm, f), W_MAX, NV);
        all((rm, f) -> Fp.cvtWFrom64(0xfff8000000000000L, rm, f), W_MAX, NV);   // negative NaN too
        all((rm, f) -> Fp.cvtWFrom64(PINF, rm, f), W_MAX, NV);
        all((rm, f) -> Fp.cvtWFrom64(NINF, rm, f), W_MIN, NV);
        all((rm, f) -> Fp.cvtWFrom64(d(-2147483648.0), rm, f), W_MIN, 0);
        all((rm, f) -> Fp.cvtWFrom64(d(2147483647.0), rm, f), W_MAX, 0);
        all((rm, f) -> Fp.cvtWFrom64(d(2147483648.0), rm, f), W_MAX, NV);
        all((rm, f) -> Fp.cvtWFrom64(d(-1.0), rm, f), -1L, 0);
        all((rm, f) -> Fp.cvtWFrom64(NZERO, rm, f), 0, 0);
        // halfway cases
        modes((rm, f) -> Fp.cvtWFrom64(d(2.5), rm, f), NX, 2, 2, 2, 3, 3);
        modes((rm, f) -> Fp.cvtWFrom64(d(-2.5), rm, f), NX, -2, -2, -3, -2, -3);
        modes((rm, f) -> Fp.cvtWFrom64(d(0.5), rm, f), NX, 0, 0, 0, 1, 1);
        // rounding decides the range: 2^31 - 0.5 rounds up to 2^31 under RNE (NV, no NX)
        long a = d(2147483647.5);
        is(W_MAX, NV, RNE, (rm, f) -> Fp.cvtWFrom64(a, rm, f));
        is(W_MAX, NX, RTZ, (rm, f) -> Fp.cvtWFrom64(a, rm, f));
        is(W_MAX, NX, RDN, (rm, f) -> Fp.cvtWFrom64(a, rm, f));
        is(W_MAX, NV, RUP, (rm, f) -> Fp.cvtWFrom64(a, rm, f));
        is(W_MAX, NV, RMM, (rm, f) -> Fp.cvtWFrom64(a, rm, f));
        long b = d(-2147483648.5);
        is(W_MIN, NX, RNE, (rm, f) -> Fp.cvtWFrom64(b, rm, f));
        is(W_MIN, NX, RTZ, (rm, f) -> Fp.cvtWFrom64(b, rm, f));
        is(W_MIN, NV, RDN, (rm, f) -> Fp.cvtWFrom64(b, rm, f));
        is(W_MIN, NX, RUP, (rm, f) -> Fp.cvtWFrom64(b, rm, f));
        is(W_MIN, NV, RMM, (rm, f) -> Fp.cvtWFrom64(b, rm, f));
        // tiny values
        modes((rm, f) -> Fp.cvtWFrom64(MIN_SUB, rm, f), NX, 0, 0, 0, 1, 0);
        modes((rm, f) -> Fp.cvtWFrom64(MIN_SUB | SIGN, rm, f), NX, 0, 0, -1, 0, 0);
        all((rm, f) -> Fp.cvtWFrom64(d(1e300), rm, f), W_MAX, NV);
    }

    @Test
    void cvtWUFrom64() {
        all((rm, f) -> Fp.cvtWUFrom64(NAN, rm, f), ALL_ONES, NV);
        all((rm, f) -> Fp.cvtWUFrom64(PINF, rm, f), ALL_ONES, NV);
        all((rm, f) -> Fp.cvtWUFrom64(NINF, rm, f), 0, NV);
        all((rm, f) -> Fp.cvtWUFrom64(d(-1.0), rm, f), 0, NV);
        // -0.5 rounds to 0 (fine, NX) or to -1 (out of range, NV)
        is(0, NX, RTZ, (rm, f) -> Fp.cvtWUFrom64(d(-0.5), rm, f));
        is(0, NX, RNE, (rm, f) -> Fp.cvtWUFrom64(d(-0.5), rm, f));
        is(0, NX, RUP, (rm, f) -> Fp.cvtWUFrom64(d(-0.5), rm, f));
        is(0, NV, RDN, (rm, f) -> Fp.cvtWUFrom64(d(-0.5), rm, f));
        is(0, NV, RMM, (rm, f) -> Fp.cvtWUFrom64(d(-0.5), rm, f));
        all((rm, f) -> Fp.cvtWUFrom64(NZERO, rm, f), 0, 0);
        // 32-bit results are sign-extended
        all((rm, f) -> Fp.cvtWUFrom64(d(4294967295.0), rm, f), ALL_ONES, 0);
        all((rm, f) -> Fp.cvtWUFrom64(d(2147483648.0), rm, f), 0xffffffff80000000L, 0);
        all((rm, f) -> Fp.cvtWUFrom64(d(2147483647.0), rm, f), 0x7fffffffL, 0);
        all((rm, f) -> Fp.cvtWUFrom64(d(4294967296.0), rm, f), ALL_ONES, NV);
        is(ALL_ONES, NX, RTZ, (rm, f) -> Fp.cvtWUFrom64(d(4294967295.5), rm, f));
        is(ALL_ONES, NV, RNE, (rm, f) -> Fp.cvtWUFrom64(d(4294967295.5), rm, f));
    }

    @Test
    void cvtLAndLUFrom64() {
        all((rm, f) -> Fp.cvtLFrom64(NAN, rm, f), Long.MAX_VALUE, NV);
        all((rm, f) -> Fp.cvtLFrom64(NINF, rm, f), Long.MIN_VALUE, NV);
        all((rm, f) -> Fp.cvtLFrom64(d(0x1p63), rm, f), Long.MAX_VALUE, NV);
        all((rm, f) -> Fp.cvtLFrom64(d(-0x1p63), rm, f), Long.MIN_VALUE, 0);
        all((rm, f) -> Fp.cvtLFrom64(0xc3e0000000000001L, rm, f), Long.MIN_VALUE, NV);   // -2^63 - 2048
        all((rm, f) -> Fp.cvtLFrom64(0x43dfffffffffffffL, rm, f), 0x7ffffffffffffc00L, 0);
        modes((rm, f) -> Fp.cvtLFrom64(d(-1.5), rm, f), NX, -2, -1, -2, -1, -2);
        all((rm, f) -> Fp.cvtLUFrom64(0x43efffffffffffffL, rm, f), 0xfffffffffffff800L, 0);
        all((rm, f) -> Fp.cvtLUFrom64(d(0x1p64), rm, f), ALL_ONES, NV);
        all((rm, f) -> Fp.cvtLUFrom64(NAN, rm, f), ALL_ONES, NV);
        all((rm, f) -> Fp.cvtLUFrom64(PINF, rm, f), ALL_ONES, NV);
        all((rm, f) -> Fp.cvtLUFrom64(NINF, rm, f), 0, NV);
        all((rm, f) -> Fp.cvtLUFrom64(NZERO, rm, f), 0, 0);
        all((rm, f) -> Fp.cvtLUFrom64(d(-3), rm, f), 0, NV);
        is(0, NX, RTZ, (rm, f) -> Fp.cvtLUFrom64(d(-0.9), rm, f));
        is(0, NV, RNE, (rm, f) -> Fp.cvtLUFrom64(d(-0.9), rm, f));
    }

    @Test
    void cvtIntFrom32() {
        all((rm, f) -> Fp.cvtWFrom32(F_NAN | 0x80000000, rm, f), W_MAX, NV);
        all((rm, f) -> Fp.cvtWFrom32(F_SNAN, rm, f), W_MAX, NV);
        all((rm, f) -> Fp.cvtWFrom32(0x4f000000, rm, f), W_MAX, NV);         // 2^31
        all((rm, f) -> Fp.cvtWFrom32(0xcf000000, rm, f), W_MIN, 0);          // -2^31
        all((rm, f) -> Fp.cvtWUFrom32(0x4f7fffff, rm, f), 0xffffffffffffff00L, 0);  // 2^32 - 256
        all((rm, f) -> Fp.cvtWUFrom32(F_NINF, rm, f), 0, NV);
        modes((rm, f) -> Fp.cvtWFrom32(s(-1.5f), rm, f), NX, -2, -1, -2, -1, -2);
        all((rm, f) -> Fp.cvtLFrom32(0xdf000000, rm, f), Long.MIN_VALUE, 0);     // -2^63
        all((rm, f) -> Fp.cvtLFrom32(0x5f000000, rm, f), Long.MAX_VALUE, NV);    // 2^63
        all((rm, f) -> Fp.cvtLUFrom32(0x5f7fffff, rm, f), 0xffffff0000000000L, 0);
        all((rm, f) -> Fp.cvtLUFrom32(0x5f800000, rm, f), ALL_ONES, NV);          // 2^64
        is(0, NX, RTZ, (rm, f) -> Fp.cvtLUFrom32(s(-0.9f), rm, f));
    }

    // =====================================================================================
    // integer -> float
    // =====================================================================================

    @Test
    void cvtFromIntToSingle() {
        // 2^24 + 1 is a binary32 tie
        modes32((rm, f) -> Fp.cvt32FromW(16777217, rm, f), NX, 0x4b800000, 0x4b800000, 0x4b800000, 0x4b800001, 0x4b800001);
        modes32((rm, f) -> Fp.cvt32FromW(-16777217, rm, f), NX, 0xcb800000, 0xcb800000, 0xcb800001, 0xcb800000, 0xcb800001);
        all32((rm, f) -> Fp.cvt32FromW(0, rm, f), 0, 0);
        all32((rm, f) -> Fp.cvt32FromW(Integer.MIN_VALUE, rm, f), 0xcf000000, 0);
        all32((rm, f) -> Fp.cvt32FromW(-3, rm, f), s(-3f), 0);
        // WU reads the 32 bits unsigned
        modes32((rm, f) -> Fp.cvt32FromWU(-1, rm, f), NX, 0x4f800000, 0x4f7fffff, 0x4f7fffff, 0x4f800000, 0x4f800000);
        all32((rm, f) -> Fp.cvt32FromL(Long.MIN_VALUE, rm, f), 0xdf000000, 0);
        modes32((rm, f) -> Fp.cvt32FromLU(-1L, rm, f), NX, 0x5f800000, 0x5f7fffff, 0x5f7fffff, 0x5f800000, 0x5f800000);
        modes32((rm, f) -> Fp.cvt32FromL(Long.MAX_VALUE, rm, f), NX, 0x5f000000, 0x5effffff, 0x5effffff, 0x5f000000, 0x5f000000);
        all32((rm, f) -> Fp.cvt32FromLU(1L << 63, rm, f), 0x5f000000, 0);
    }

    @Test
    void cvtFromIntToDouble() {
        all((rm, f) -> Fp.cvt64FromW(-1, rm, f), d(-1), 0);
        all((rm, f) -> Fp.cvt64FromW(Integer.MIN_VALUE, rm, f), d(-2147483648.0), 0);
        all((rm, f) -> Fp.cvt64FromWU(-1, rm, f), 0x41efffffffe00000L, 0);
        all((rm, f) -> Fp.cvt64FromW(0, rm, f), PZERO, 0);
        // 2^53 + 1 is a binary64 tie
        modes((rm, f) -> Fp.cvt64FromL((1L << 53) + 1, rm, f), NX,
                0x4340000000000000L, 0x4340000000000000L, 0x4340000000000000L, 0x4340000000000001L, 0x4340000000000001L);
        modes((rm, f) -> Fp.cvt64FromL(-(1L << 53) - 1, rm, f), NX,
                0xc340000000000000L, 0xc340000000000000L, 0xc340000000000001L, 0xc340000000000000L, 0xc340000000000001L);
        all((rm, f) -> Fp.cvt64FromL(Long.MIN_VALUE, rm, f), 0xc3e0000000000000L, 0);
        modes((rm, f) -> Fp.cvt64FromL(Long.MAX_VALUE, rm, f), NX,
                0x43e0000000000000L, 0x43dfffffffffffffL, 0x43dfffffffffffffL, 0x43e0000000000000L, 0x43e0000000000000L);
        modes((rm, f) -> Fp.cvt64FromLU(-1L, rm, f), NX,
                0x43f0000000000000L, 0x43efffffffffffffL, 0x43efffffffffffffL, 0x43f0000000000000L, 0x43f0000000000000L);
        all((rm, f) -> Fp.cvt64FromLU(1L << 63, rm, f), 0x43e0000000000000L, 0);
        all((rm, f) -> Fp.cvt64FromLU(0, rm, f), PZERO, 0);
    }
}
