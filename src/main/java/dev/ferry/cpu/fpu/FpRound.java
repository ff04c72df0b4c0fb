package dev.ferry.cpu.fpu;

import static dev.ferry.cpu.fpu.Fp.NX;
import static dev.ferry.cpu.fpu.Fp.OF;
import static dev.ferry.cpu.fpu.Fp.RDN;
import static dev.ferry.cpu.fpu.Fp.RNE;
import static dev.ferry.cpu.fpu.Fp.RTZ;
import static dev.ferry.cpu.fpu.Fp.RUP;
import static dev.ferry.cpu.fpu.Fp.UF;

/**
 * Exact integer rounding of {@code (-1)^neg * m * 2^q} to binary32 or binary64, with every
 * rounding mode and the IEEE flags (tininess detected after rounding).
 *
 * <p>This is the one place that knows how to round; the fast paths in {@link Fp} only call it
 * for the cases their floating-point tricks cannot settle (directed single-precision results,
 * subnormals, overflow, integer conversions) and {@link FpExact} funnels its exact results
 * through it.
 */
final class FpRound {
    private FpRound() {}

    /** binary32 parameters: precision, minimum and maximum exponent. */
    static final int P32 = 24, EMIN32 = -126, EMAX32 = 127;
    /** binary64 parameters. */
    static final int P64 = 53, EMIN64 = -1022, EMAX64 = 1023;

    /**
     * Shifts {@code m} right by {@code sh} bits (left if {@code sh <= 0}), rounding the
     * magnitude by {@code rm} for a value of sign {@code neg}. {@code m} must be in [0, 2^63).
     */
    static long shiftRound(long m, int sh, boolean neg, int rm) {
        if (sh <= 0) return m << -sh;
        long kept;
        boolean half, sticky;
        if (sh > 63) {
            kept = 0;
            half = false;          // bit 63 of m is clear
            sticky = m != 0;
        } else {
            kept = m >>> sh;
            half = ((m >>> (sh - 1)) & 1) != 0;
            sticky = (m & ((1L << (sh - 1)) - 1)) != 0;
        }
        boolean up = switch (rm) {
            case RNE -> half && (sticky || (kept & 1) != 0);
            case RTZ -> false;
            case RDN -> neg && (half || sticky);
            case RUP -> !neg && (half || sticky);
            default -> half; // RMM
        };
        return up ? kept + 1 : kept;
    }

    /** Whether shifting {@code m} right by {@code sh} bits drops nonzero bits. */
    static boolean lostBits(long m, int sh) {
        if (sh <= 0) return false;
        if (sh > 63) return m != 0;
        return (m & ((1L << sh) - 1)) != 0;
    }

    /**
     * Rounds {@code (-1)^neg * m * 2^q} (m in (0, 2^63)) to the format with precision {@code p},
     * exponent range [{@code emin}, {@code emax}] and returns its encoding (binary32 in the low
     * 32 bits when p == 24). Raises NX, UF (tiny after rounding and inexact), OF.
     */
    static long roundPack(boolean neg, long m, int q, int p, int emin, int emax, int rm, FpFlags f) {
        int e = q + 63 - Long.numberOfLeadingZeros(m);      // floor(log2 |value|)
        int lsb = Math.max(e, emin) - (p - 1);               // exponent of the result's last bit
        int sh = lsb - q;
        long kept = shiftRound(m, sh, neg, rm);
        if (lostBits(m, sh)) {
            int fl = NX;
            if (e < emin) {
                // Tiny after rounding: the value rounded to p bits with an unbounded exponent
                // range stays below 2^emin. Only a value just under 2^emin can escape that.
                boolean tiny = true;
                if (e == emin - 1) {
                    long k2 = shiftRound(m, e - (p - 1) - q, neg, rm);
                    if (k2 == 1L << p) tiny = false;
                }
                if (tiny) fl |= UF;
            }
            f.flags |= fl;
        }
        long sign = neg ? (p == P32 ? 0x80000000L : 0x8000000000000000L) : 0;
        if (kept == 1L << p) {  // rounding carried into the next binade
            kept >>>= 1;
            lsb++;
        }
        if (kept < 1L << (p - 1)) return sign | kept;   // zero or subnormal (lsb == emin - p + 1)
        int exp = lsb + p - 1;
        if (exp > emax) return overflow(neg, p, rm, f);
        // kept carries the implicit bit, which adds one to the biased exponent field
        return sign | (((long) (exp + emax - 1) << (p - 1)) + kept);
    }

    /** The result of an overflow: infinity or the largest finite value by the rounding direction. */
    static long overflow(boolean neg, int p, int rm, FpFlags f) {
        f.flags |= OF | NX;
        boolean toInf = switch (rm) {
            case RTZ -> false;
            case RDN -> neg;
            case RUP -> !neg;
            default -> true; // RNE, RMM
        };
        if (p == P32) {
            int mag = toInf ? 0x7f800000 : 0x7f7fffff;
            return (neg ? 0x80000000L : 0) | mag;
        }
        long mag = toInf ? 0x7ff0000000000000L : 0x7fefffffffffffffL;
        return (neg ? 0x8000000000000000L : 0) | mag;
    }

    /**
     * Rounds {@code d + ε} to binary32, where {@code d} is a finite nonzero double and ε is an
     * infinitesimal of sign {@code residualSign} (-1, 0, 1) no larger than half an ulp of d.
     * Because a binary32 rounding boundary can only fall on the double grid, such a residual
     * acts as a sticky bit below d's last bit.
     */
    static int fromDouble32(double d, int residualSign, int rm, FpFlags f) {
        long bits = Double.doubleToRawLongBits(d);
        boolean neg = bits < 0;
        int be = (int) (bits >>> 52) & 0x7ff;
        long m = bits & 0x000fffffffffffffL;
        int q;
        if (be == 0) {
            q = -1074;
        } else {
            m |= 1L << 52;
            q = be - 1075;
        }
        m <<= 2;
        q -= 2;
        if (residualSign != 0) m += (residualSign > 0) != neg ? 1 : -1;
        return (int) roundPack(neg, m, q, P32, EMIN32, EMAX32, rm, f);
    }

    /** Rounds the integer {@code (-1)^neg * mag} ({@code mag} unsigned, nonzero) to binary32. */
    static int fromInt32(boolean neg, long mag, int rm, FpFlags f) {
        if (mag < 0) return (int) roundPack(neg, (mag >>> 1) | (mag & 1), 1, P32, EMIN32, EMAX32, rm, f);
        return (int) roundPack(neg, mag, 0, P32, EMIN32, EMAX32, rm, f);
    }

    /** Rounds the integer {@code (-1)^neg * mag} ({@code mag} unsigned, nonzero) to binary64. */
    static long fromInt64(boolean neg, long mag, int rm, FpFlags f) {
        if (mag < 0) return roundPack(neg, (mag >>> 1) | (mag & 1), 1, P64, EMIN64, EMAX64, rm, f);
        return roundPack(neg, mag, 0, P64, EMIN64, EMAX64, rm, f);
    }
}
