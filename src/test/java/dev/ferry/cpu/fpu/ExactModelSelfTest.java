package dev.ferry.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.ferry.cpu.fpu.ExactModel.Fmt;

/**
 * Checks the reference model itself against the JVM, whose double and float arithmetic (and
 * Math.fma, Math.sqrt) is correctly rounded to nearest-even: the model's RNE results must match
 * bit for bit on random operands, NaNs aside.
 */
class ExactModelSelfTest {
    static final Fmt D = ExactModel.F64, S = ExactModel.F32;

    @Test
    void modelAgreesWithJvmRoundToNearest() {
        OperandGen g = new OperandGen(77);
        int n = Math.max(300, FpPropertyTest.CASES / 3);
        for (int i = 0; i < n; i++) {
            long a = g.value(D), b = g.factor(D, a, false), c = g.fmaAddend(D, a, b);
            double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b), z = Double.longBitsToDouble(c);
            same64(x + y, ExactModel.add(D, a, b, Fp.RNE).bits(), a, b);
            same64(x * y, ExactModel.mul(D, a, b, Fp.RNE).bits(), a, b);
            same64(x / y, ExactModel.div(D, a, b, Fp.RNE).bits(), a, b);
            same64(Math.sqrt(x), ExactModel.sqrt(D, a, Fp.RNE).bits(), a, a);
            same64(Math.fma(x, y, z), ExactModel.fma(D, a, b, c, Fp.RNE).bits(), a, c);
            same64((float) x, ExactModel.convert(D, S, a, Fp.RNE).bits(), a, a, true);

            long fa = g.value(S), fb = g.factor(S, fa, false), fc = g.fmaAddend(S, fa, fb);
            float u = Float.intBitsToFloat((int) fa), v = Float.intBitsToFloat((int) fb), w = Float.intBitsToFloat((int) fc);
            same32(u + v, ExactModel.add(S, fa, fb, Fp.RNE).bits(), fa, fb);
            same32(u * v, ExactModel.mul(S, fa, fb, Fp.RNE).bits(), fa, fb);
            same32(u / v, ExactModel.div(S, fa, fb, Fp.RNE).bits(), fa, fb);
            same32((float) Math.sqrt(u), ExactModel.sqrt(S, fa, Fp.RNE).bits(), fa, fa);
            same32(Math.fma(u, v, w), ExactModel.fma(S, fa, fb, fc, Fp.RNE).bits(), fa, fc);

            long iv = g.integer();
            same64((double) iv, ExactModel.fromInt(D, ExactModel.IntFmt.L, iv, Fp.RNE).bits(), iv, iv);
            same32((float) iv, ExactModel.fromInt(S, ExactModel.IntFmt.L, iv, Fp.RNE).bits(), iv, iv);
        }
    }

    @Test
    void modelRoundTowardZeroMatchesJavaCasts() {
        OperandGen g = new OperandGen(78);
        for (int i = 0; i < 2000; i++) {
            long a = g.nearInteger(D);
            double x = Double.longBitsToDouble(a);
            if (x != x || Math.abs(x) >= 0x1p63) continue;
            assertEquals((long) x, ExactModel.toInt(D, ExactModel.IntFmt.L, a, Fp.RTZ).bits(), Long.toHexString(a));
        }
    }

    private static void same64(double want, long got, long a, long b) {
        if (want != want && ((got & 0x7ff0000000000000L) == 0x7ff0000000000000L) && (got << 12) != 0) return;
        assertEquals(Long.toHexString(Double.doubleToRawLongBits(want)), Long.toHexString(got),
                () -> "operands " + Long.toHexString(a) + " " + Long.toHexString(b));
    }

    private static void same64(float want, long got, long a, long b, boolean f32) {
        same32(want, got, a, b);
    }

    private static void same32(float want, long got, long a, long b) {
        if (want != want && (got & 0x7f800000L) == 0x7f800000L && (got & 0x7fffffL) != 0) return;
        assertEquals(Integer.toHexString(Float.floatToRawIntBits(want)), Long.toHexString(got),
                () -> "operands " + Long.toHexString(a) + " " + Long.toHexString(b));
    }
}
