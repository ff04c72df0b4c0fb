package dev.ferry.cpu.fpu;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import dev.ferry.cpu.fpu.ExactModel.Fmt;

/**
 * Random operands biased towards the hard cases: specials, signed zeros, NaNs with payloads,
 * subnormals and the normal/subnormal boundary, the overflow boundary, significands with few
 * bits (exact results and exact ties), and operand pairs related so that results land near
 * ties, cancellations, the underflow and the overflow thresholds.
 */
final class OperandGen {
    final SplittableRandom r;

    OperandGen(long seed) {
        this.r = new SplittableRandom(seed);
    }

    private static int beMax(Fmt f) {
        return (1 << (f.width() - f.p())) - 1;
    }

    private static int bias(Fmt f) {
        return f.emax();
    }

    long assemble(Fmt f, boolean neg, long be, long frac) {
        long fracMask = (1L << (f.p() - 1)) - 1;
        long bits = (be << (f.p() - 1)) | (frac & fracMask);
        return (neg ? f.signBit() : 0) | bits;
    }

    /** A fraction field: random, few leading bits, all ones, zero, or a low pattern. */
    long frac(Fmt f) {
        int fb = f.p() - 1;
        long mask = (1L << fb) - 1;
        return switch (r.nextInt(8)) {
            case 0, 1 -> r.nextLong() & mask;
            case 2, 3 -> {                                  // few significant bits
                int t = r.nextInt(fb + 1);
                long v = r.nextLong() & mask;
                yield t == 0 ? 0 : v & ~((1L << (fb - t)) - 1) & mask;
            }
            case 4 -> mask;
            case 5 -> 0;
            case 6 -> r.nextLong(4) | ((r.nextLong() & mask) & ~((1L << (fb - r.nextInt(4))) - 1)); // high + low bits
            default -> mask ^ (1L << r.nextInt(fb));          // all ones but one
        };
    }

    /** A biased exponent field of a finite value. */
    long exponent(Fmt f) {
        int max = beMax(f);
        return switch (r.nextInt(8)) {
            case 0, 1 -> r.nextInt(max);                      // anywhere
            case 7 -> fastPathEdge(f);
            case 2 -> r.nextInt(3);                           // subnormal / smallest normals
            case 3 -> bias(f) - 3 + r.nextInt(7);             // around 1
            case 4 -> max - 1 - r.nextInt(3);                 // largest binades
            case 5 -> 1 + r.nextInt(f.p() + 3);               // just above the subnormal range
            default -> bias(f) - 40 + r.nextInt(80);
        };
    }

    /**
     * A biased exponent near the magnitudes where {@link Fp}'s binary64 fast paths hand over to
     * exact code (2^-960 and 2^1020), or anywhere for binary32.
     */
    long fastPathEdge(Fmt f) {
        if (f != ExactModel.F64) return r.nextInt(beMax(f));
        long e = r.nextBoolean() ? 1023 - 960 : 1023 + 1020;
        return e + r.nextInt(9) - 4;
    }

    long special(Fmt f) {
        long inf = f.inf();
        long quiet = 1L << (f.p() - 2);
        long fracMask = (1L << (f.p() - 1)) - 1;
        long one = (long) bias(f) << (f.p() - 1);
        long sign = r.nextBoolean() ? f.signBit() : 0;
        return switch (r.nextInt(12)) {
            case 0 -> sign;                                   // +-0
            case 1 -> sign | inf;
            case 2 -> f.canonicalNaN();
            case 3 -> sign | inf | quiet | (r.nextLong() & fracMask);       // qNaN with payload
            case 4 -> sign | inf | Math.max(1, r.nextLong() & (quiet - 1)); // sNaN
            case 5 -> sign | 1;                               // smallest subnormal
            case 6 -> sign | fracMask;                        // largest subnormal
            case 7 -> sign | (1L << (f.p() - 1));             // smallest normal
            case 8 -> sign | f.maxFinite();
            case 9 -> sign | one;                             // 1
            case 10 -> sign | (one + (1L << (f.p() - 1)));    // 2
            default -> sign | (one - (1L << (f.p() - 1)) + (3L << (f.p() - 3))); // 0.875
        };
    }

    /** Any value, biased. */
    long value(Fmt f) {
        int c = r.nextInt(100);
        if (c < 10) return special(f);
        if (c < 22) return r.nextLong() & f.mask();
        return assemble(f, r.nextBoolean(), exponent(f), frac(f));
    }

    /** A finite nonzero value. */
    long finite(Fmt f) {
        long v;
        do {
            v = value(f);
        } while (isSpecial(f, v) || (v & ~f.signBit()) == 0);
        return v;
    }

    static boolean isSpecial(Fmt f, long v) {
        return ((v & ~f.signBit()) >>> (f.p() - 1)) == beMax(f);
    }

    static long biasedExp(Fmt f, long v) {
        return (v & ~f.signBit()) >>> (f.p() - 1);
    }

    /** v moved by a few units in the last place (as bits, same sign), staying finite. */
    long nudge(Fmt f, long v) {
        long mag = v & ~f.signBit();
        long d = r.nextInt(7) - 3;
        long m = mag + d;
        if (m < 0 || (m >>> (f.p() - 1)) >= beMax(f)) m = mag;
        return (v & f.signBit()) | m;
    }

    /** A second operand for a + b. */
    long addend(Fmt f, long a) {
        if (isSpecial(f, a) || r.nextInt(4) == 0) return value(f);
        long ea = biasedExp(f, a);
        boolean neg = r.nextBoolean();
        return switch (r.nextInt(5)) {
            case 0 -> nudge(f, a ^ f.signBit());              // cancellation
            case 1 -> nudge(f, a);
            case 2 -> {                                       // half an ulp away: ties
                long e = ea - f.p() + r.nextInt(5) - 1;
                yield e < 1 ? nudge(f, a) : assemble(f, neg, e, frac(f));
            }
            case 3 -> {                                       // a bit further: sticky
                long e = ea - f.p() - r.nextInt(f.p() + 8);
                yield e < 0 ? value(f) : assemble(f, neg, e, frac(f));
            }
            default -> assemble(f, neg, Math.max(0, Math.min(beMax(f) - 1, ea + r.nextInt(9) - 4)), frac(f));
        };
    }

    /** A second operand for a * b or a / b, aimed at the result's binade {@code target}. */
    long factor(Fmt f, long a, boolean divide) {
        if (isSpecial(f, a) || r.nextInt(4) == 0) return value(f);
        long ea = Math.max(1, biasedExp(f, a));
        long bias = bias(f);
        long target = switch (r.nextInt(5)) {
            case 4 -> fastPathEdge(f);
            case 0 -> 1 - r.nextInt(f.p() + 4);               // around and below the smallest normal
            case 1 -> beMax(f) - 1 - r.nextInt(3) + r.nextInt(3); // around the overflow threshold
            case 2 -> 1 + r.nextInt(4);
            default -> r.nextInt(beMax(f));
        };
        // biased result exponent ~ ea + eb - bias (product) or ea - eb + bias (quotient)
        long eb = divide ? ea - target + bias : target - ea + bias;
        boolean neg = r.nextBoolean();
        if (eb < 0 || eb >= beMax(f)) return assemble(f, neg, r.nextInt(beMax(f)), frac(f));
        return assemble(f, neg, eb, frac(f));
    }

    /** An addend for a * b + c. */
    long fmaAddend(Fmt f, long a, long b) {
        if (isSpecial(f, a) || isSpecial(f, b) || r.nextInt(4) == 0) return value(f);
        double p;
        long pb;
        if (f == ExactModel.F64) {
            p = Double.longBitsToDouble(a) * Double.longBitsToDouble(b);
            pb = Double.doubleToRawLongBits(p);
        } else {
            float pf = Float.intBitsToFloat((int) a) * Float.intBitsToFloat((int) b);
            pb = Float.floatToRawIntBits(pf) & 0xffffffffL;
        }
        if (isSpecial(f, pb)) return value(f);
        return switch (r.nextInt(3)) {
            case 0 -> nudge(f, pb ^ f.signBit());            // cancellation
            case 1 -> nudge(f, pb);
            default -> addend(f, pb);
        };
    }

    /** An integer-valued or half-integer-valued float near the integer formats' limits. */
    long nearInteger(Fmt f) {
        if (r.nextInt(5) == 0) return value(f);
        int[] pows = {0, 1, 2, 23, 24, 31, 32, 52, 53, 62, 63, 64, 65};
        int k = pows[r.nextInt(pows.length)];
        BigDecimal base = BigDecimal.valueOf(2).pow(k);
        if (r.nextBoolean()) base = base.subtract(BigDecimal.ONE);
        if (r.nextInt(4) == 0) base = BigDecimal.valueOf(r.nextLong(1000));
        double[] offs = {0, 0.5, -0.5, 0.25, 0.75, -0.75, 1, -1, 1.5, -1.5, 2.5, 0.125};
        BigDecimal v = base.add(BigDecimal.valueOf(offs[r.nextInt(offs.length)]));
        if (r.nextBoolean()) v = v.negate();
        long bits;
        if (f == ExactModel.F64) {
            bits = Double.doubleToRawLongBits(v.doubleValue());
        } else {
            bits = Float.floatToRawIntBits(v.floatValue()) & 0xffffffffL;
        }
        return r.nextInt(3) == 0 ? nudge(f, bits) : bits;
    }

    /** An integer source value near rounding boundaries of binary32/binary64. */
    long integer() {
        return switch (r.nextInt(8)) {
            case 0 -> r.nextLong();
            case 1 -> r.nextLong() >> r.nextInt(64);
            case 2 -> r.nextLong() >>> r.nextInt(64);
            case 3 -> {                                        // ties and neighbours at precision p
                int p = r.nextBoolean() ? 24 : 53;
                int k = p + r.nextInt(64 - p);
                long v = (1L << k) | (1L << (k - p)) | (r.nextLong() & ((1L << (k - p)) - 1) & -(long) r.nextInt(2));
                v += r.nextInt(3) - 1;
                yield r.nextBoolean() ? -v : v;
            }
            case 4 -> (r.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE) + r.nextInt(5) - 2;
            case 5 -> (r.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE) + (long) r.nextInt(5) - 2;
            case 6 -> (1L << (20 + r.nextInt(44))) + r.nextInt(9) - 4;
            default -> r.nextInt(21) - 10;
        };
    }
}
