package dev.ferry.cpu.fpu;

import java.math.BigInteger;

import static dev.ferry.cpu.fpu.Fp.RDN;

/**
 * Exact (slow) binary64 arithmetic on finite operands, for the rare cases the fast paths in
 * {@link Fp} hand over: results that are tiny (subnormal, underflow), overflow under a directed
 * rounding mode, and fused multiply-adds whose intermediate values leave the range where the
 * error-free transformations are exact. Values are taken apart into integer significands and
 * combined exactly with {@link BigInteger}; {@link FpRound#roundPack} does the rounding.
 */
final class FpExact {
    private FpExact() {}

    private static final long ONE = 0x3ff0000000000000L;

    /** Integer significand of finite binary64 bits. */
    static long sig(long bits) {
        long frac = bits & 0x000fffffffffffffL;
        return ((bits >>> 52) & 0x7ff) == 0 ? frac : frac | 1L << 52;
    }

    /** Exponent of the last significand bit of finite binary64 bits. */
    static int lsbExp(long bits) {
        int be = (int) (bits >>> 52) & 0x7ff;
        return be == 0 ? -1074 : be - 1075;
    }

    /** a + b, both finite. */
    static long add64(long a, long b, int rm, FpFlags f) {
        return fma64(a, ONE, b, rm, f);
    }

    /** a * b, both finite and nonzero. */
    static long mul64(long a, long b, int rm, FpFlags f) {
        BigInteger m = BigInteger.valueOf(sig(a)).multiply(BigInteger.valueOf(sig(b)));
        return round64((a ^ b) < 0, m, lsbExp(a) + lsbExp(b), false, rm, f);
    }

    /** a * b + c with one rounding, all finite. */
    static long fma64(long a, long b, long c, int rm, FpFlags f) {
        boolean pneg = (a ^ b) < 0, cneg = c < 0;
        BigInteger pm = BigInteger.valueOf(sig(a)).multiply(BigInteger.valueOf(sig(b)));
        BigInteger cm = BigInteger.valueOf(sig(c));
        int pq = lsbExp(a) + lsbExp(b), cq = lsbExp(c);
        int q = Math.min(pq, cq);
        BigInteger ps = pm.shiftLeft(pq - q), cs = cm.shiftLeft(cq - q);
        BigInteger sum = (pneg ? ps.negate() : ps).add(cneg ? cs.negate() : cs);
        if (sum.signum() == 0) {
            // Exact zero: x + x keeps the sign of x; a zero from opposite signs is +0 (-0 in RDN).
            boolean neg = pm.signum() == 0 && cm.signum() == 0 && pneg == cneg ? pneg : rm == RDN;
            return neg ? 0x8000000000000000L : 0;
        }
        return round64(sum.signum() < 0, sum.abs(), q, false, rm, f);
    }

    /** a / b, both finite and nonzero. */
    static long div64(long a, long b, int rm, FpFlags f) {
        long ma = sig(a), mb = sig(b);
        // scale so that the quotient has at least 63 bits: the remainder then only matters as sticky
        int k = 63 + (64 - Long.numberOfLeadingZeros(mb)) - (64 - Long.numberOfLeadingZeros(ma));
        BigInteger[] qr = BigInteger.valueOf(ma).shiftLeft(k).divideAndRemainder(BigInteger.valueOf(mb));
        return round64((a ^ b) < 0, qr[0], lsbExp(a) - lsbExp(b) - k, qr[1].signum() != 0, rm, f);
    }

    /**
     * Rounds {@code (-1)^neg * (m + s) * 2^q} to binary64, where s is 0 if {@code !sticky} and
     * otherwise some value strictly between 0 and 1 (m must then have at least 55 bits).
     */
    static long round64(boolean neg, BigInteger m, int q, boolean sticky, int rm, FpFlags f) {
        int bl = m.bitLength();
        if (bl > 62) {
            int sh = bl - 62;
            if (m.getLowestSetBit() < sh) sticky = true;
            m = m.shiftRight(sh);
            q += sh;
        }
        long lm = m.longValue();
        if (sticky) {
            lm = lm << 1 | 1;
            q--;
        }
        return FpRound.roundPack(neg, lm, q, FpRound.P64, FpRound.EMIN64, FpRound.EMAX64, rm, f);
    }
}
