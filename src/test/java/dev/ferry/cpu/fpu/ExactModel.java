package dev.ferry.cpu.fpu;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * An independent reference model of RISC-V F/D arithmetic, written from the IEEE 754 and RISC-V
 * texts rather than from {@link Fp}: operands become exact {@link BigDecimal} values, the
 * operation is carried out exactly (quotients and square roots as exact "floor at any binary
 * position" oracles), and the exact value is rounded by the definitions: round to p bits with an
 * unbounded exponent (tininess, overflow), then to the format.
 *
 * <p>Slow by design; only for tests.
 */
final class ExactModel {
    private ExactModel() {}

    /** A result: the encoding (binary32 in the low 32 bits) and the raised flags. */
    record Res(long bits, int flags) {
        @Override
        public String toString() {
            FpFlags f = new FpFlags();
            f.flags = flags;
            return String.format("0x%x [%s]", bits, f);
        }
    }

    /** A binary interchange format. */
    record Fmt(int p, int emin, int emax, int width) {
        long signBit() { return 1L << (width - 1); }
        long inf() { return ((1L << (width - p)) - 1) << (p - 1); }
        long maxFinite() { return inf() - 1; }
        long canonicalNaN() { return inf() | 1L << (p - 2); }
        long mask() { return width == 64 ? -1L : (1L << width) - 1; }
    }

    static final Fmt F32 = new Fmt(24, -126, 127, 32);
    static final Fmt F64 = new Fmt(53, -1022, 1023, 64);

    // ---------------------------------------------------------------------------------
    // decoded operands
    // ---------------------------------------------------------------------------------

    /** A decoded operand: kind, sign, and for finite values the exact value. */
    record Val(Kind kind, boolean neg, BigDecimal v) {
        boolean nan() { return kind == Kind.QNAN || kind == Kind.SNAN; }
        boolean inf() { return kind == Kind.INF; }
        boolean zero() { return kind == Kind.FINITE && v.signum() == 0; }
        boolean finite() { return kind == Kind.FINITE; }
    }

    enum Kind { FINITE, INF, QNAN, SNAN }

    static Val decode(Fmt fmt, long bits) {
        bits &= fmt.mask();
        boolean neg = (bits & fmt.signBit()) != 0;
        long mag = bits & ~fmt.signBit();
        long frac = mag & ((1L << (fmt.p - 1)) - 1);
        long be = mag >>> (fmt.p - 1);
        long beMax = (1L << (fmt.width - fmt.p)) - 1;
        if (be == beMax) {
            if (frac == 0) return new Val(Kind.INF, neg, null);
            boolean quiet = (frac & 1L << (fmt.p - 2)) != 0;
            return new Val(quiet ? Kind.QNAN : Kind.SNAN, neg, null);
        }
        // value = significand * 2^(exponent - (p - 1)), subnormals with exponent emin
        BigInteger sig = BigInteger.valueOf(be == 0 ? frac : frac | 1L << (fmt.p - 1));
        int exp = (be == 0 ? fmt.emin : (int) be - fmt.emax) - (fmt.p - 1);
        BigDecimal v = times2(new BigDecimal(sig), exp);
        return new Val(Kind.FINITE, neg, neg ? v.negate() : v);
    }

    private static final BigDecimal TWO = BigDecimal.valueOf(2), FIVE = BigDecimal.valueOf(5);
    private static final BigDecimal[] POW2 = new BigDecimal[4500], POW5 = new BigDecimal[4500];

    private static synchronized BigDecimal pow2(int n) {
        if (POW2[n] == null) POW2[n] = TWO.pow(n);
        return POW2[n];
    }

    private static synchronized BigDecimal pow5(int n) {
        if (POW5[n] == null) POW5[n] = FIVE.pow(n);
        return POW5[n];
    }

    /** v * 2^s exactly. */
    static BigDecimal times2(BigDecimal v, int s) {
        if (s >= 0) return v.multiply(pow2(s));
        return v.multiply(pow5(-s)).movePointLeft(-s);   // 2^-n == 5^n / 10^n
    }

    // ---------------------------------------------------------------------------------
    // exact magnitudes
    // ---------------------------------------------------------------------------------

    /** floor(|v| * 2^s) and whether |v| * 2^s is an integer. */
    record Floor(BigInteger k, boolean exact) {}

    /** A positive real number known exactly through its floors at binary positions. */
    interface Mag {
        Floor at(int s);

        /** A rough log2, within a few units. */
        int approxLog2();
    }

    /** |v| for an exact decimal v. */
    static Quot dec(BigDecimal v) {
        return Quot.of(v, BigDecimal.ONE);
    }

    /** |a| / |b|, held as the exact fraction num / den of integers. */
    record Quot(BigInteger num, BigInteger den) implements Mag {
        static Quot of(BigDecimal a, BigDecimal b) {
            // a = ua / 10^sa, b = ub / 10^sb, so a / b = ua * 10^sb / (ub * 10^sa)
            BigInteger n = a.abs().unscaledValue(), d = b.abs().unscaledValue();
            int k = b.scale() - a.scale();
            if (k >= 0) n = n.multiply(BigInteger.TEN.pow(k));
            else d = d.multiply(BigInteger.TEN.pow(-k));
            return new Quot(n, d);
        }

        public Floor at(int s) {
            BigInteger[] qr = s >= 0 ? num.shiftLeft(s).divideAndRemainder(den)
                    : num.divideAndRemainder(den.shiftLeft(-s));
            return new Floor(qr[0], qr[1].signum() == 0);
        }

        public int approxLog2() { return num.bitLength() - den.bitLength(); }
    }

    /** sqrt(q). */
    record Sqrt(Quot q) implements Mag {
        public Floor at(int s) {
            // floor(sqrt(q) * 2^s) = isqrt(floor(q * 4^s)), exact iff q * 4^s is a perfect square
            Floor inner = q.at(2 * s);
            BigInteger[] sr = inner.k().sqrtAndRemainder();
            return new Floor(sr[0], inner.exact() && sr[1].signum() == 0);
        }

        public int approxLog2() { return q.approxLog2() / 2; }
    }

    /** floor(log2 |v|). */
    static int log2Floor(Mag m) {
        int e = m.approxLog2();
        while (m.at(-e).k().signum() == 0) e -= 1;
        while (m.at(-e).k().compareTo(BigInteger.ONE) > 0) e += 1;
        return e;
    }

    /** |v| rounded by rm to a multiple of 2^lsb, as that multiple; neg is the sign of v. */
    static BigInteger roundAt(Mag m, int lsb, boolean neg, int rm) {
        Floor f2 = m.at(1 - lsb);                 // one more bit than wanted
        boolean half = f2.k().testBit(0);
        boolean sticky = !f2.exact();
        BigInteger k = f2.k().shiftRight(1);
        boolean up = switch (rm) {
            case Fp.RNE -> half && (sticky || k.testBit(0));
            case Fp.RTZ -> false;
            case Fp.RDN -> neg && (half || sticky);
            case Fp.RUP -> !neg && (half || sticky);
            case Fp.RMM -> half;
            default -> throw new IllegalArgumentException("rm " + rm);
        };
        return up ? k.add(BigInteger.ONE) : k;
    }

    /** Rounds the nonzero exact value (-1)^neg * m to the format. */
    static Res round(Fmt fmt, boolean neg, Mag m, int rm) {
        int e = log2Floor(m);
        // 1. p bits, unbounded exponent range: decides tininess and overflow
        BigInteger ku = roundAt(m, e - fmt.p + 1, neg, rm);
        int eu = e - fmt.p + ku.bitLength();      // floor(log2) of that rounded value
        boolean tiny = eu < fmt.emin;
        if (eu > fmt.emax) {
            boolean toInf = switch (rm) {
                case Fp.RTZ -> false;
                case Fp.RDN -> neg;
                case Fp.RUP -> !neg;
                default -> true;
            };
            long mag = toInf ? fmt.inf() : fmt.maxFinite();
            return new Res((neg ? fmt.signBit() : 0) | mag, Fp.OF | Fp.NX);
        }
        // 2. the format: the last bit cannot be below 2^(emin - p + 1)
        int lsb = Math.max(e, fmt.emin) - fmt.p + 1;
        BigInteger k = roundAt(m, lsb, neg, rm);
        boolean inexact = !m.at(-lsb).exact();
        int flags = (inexact ? Fp.NX : 0) | (inexact && tiny ? Fp.UF : 0);
        return new Res(encode(fmt, neg, k, lsb), flags);
    }

    /** Encodes (-1)^neg * k * 2^lsb, which is representable. */
    static long encode(Fmt fmt, boolean neg, BigInteger k, int lsb) {
        if (fmt == F64) {
            double d = Math.scalb((double) k.longValueExact(), lsb);
            return Double.doubleToRawLongBits(neg ? -d : d);
        }
        float x = Math.scalb((float) k.longValueExact(), lsb);
        return Float.floatToRawIntBits(neg ? -x : x) & 0xffffffffL;
    }

    // ---------------------------------------------------------------------------------
    // operations
    // ---------------------------------------------------------------------------------

    private static Res nan(Fmt fmt, int flags) {
        return new Res(fmt.canonicalNaN(), flags);
    }

    private static int snanFlag(Val... vs) {
        for (Val v : vs) if (v.kind() == Kind.SNAN) return Fp.NV;
        return 0;
    }

    private static Res inf(Fmt fmt, boolean neg) {
        return new Res((neg ? fmt.signBit() : 0) | fmt.inf(), 0);
    }

    private static Res zero(Fmt fmt, boolean neg) {
        return new Res(neg ? fmt.signBit() : 0, 0);
    }

    /** Rounds an exact finite value; exact zeros are the caller's business. */
    private static Res finite(Fmt fmt, BigDecimal v, int rm) {
        return round(fmt, v.signum() < 0, dec(v), rm);
    }

    /**
     * The sign of an exact zero sum x + y (x and y as signed values, possibly zeros):
     * IEEE 754 6.3.
     */
    private static boolean zeroSumNeg(boolean xZero, boolean xNeg, boolean yZero, boolean yNeg, int rm) {
        if (xZero && yZero && xNeg == yNeg) return xNeg;
        return rm == Fp.RDN;
    }

    static Res add(Fmt fmt, long a, long b, int rm) {
        Val x = decode(fmt, a), y = decode(fmt, b);
        if (x.nan() || y.nan()) return nan(fmt, snanFlag(x, y));
        if (x.inf() && y.inf()) return x.neg() == y.neg() ? inf(fmt, x.neg()) : nan(fmt, Fp.NV);
        if (x.inf()) return inf(fmt, x.neg());
        if (y.inf()) return inf(fmt, y.neg());
        BigDecimal s = x.v().add(y.v());
        if (s.signum() == 0) return zero(fmt, zeroSumNeg(x.zero(), x.neg(), y.zero(), y.neg(), rm));
        return finite(fmt, s, rm);
    }

    static Res sub(Fmt fmt, long a, long b, int rm) {
        return add(fmt, a, b ^ fmt.signBit(), rm);
    }

    static Res mul(Fmt fmt, long a, long b, int rm) {
        Val x = decode(fmt, a), y = decode(fmt, b);
        if (x.nan() || y.nan()) return nan(fmt, snanFlag(x, y));
        boolean neg = x.neg() != y.neg();
        if ((x.inf() && y.zero()) || (x.zero() && y.inf())) return nan(fmt, Fp.NV);
        if (x.inf() || y.inf()) return inf(fmt, neg);
        if (x.zero() || y.zero()) return zero(fmt, neg);
        return finite(fmt, x.v().multiply(y.v()), rm);
    }

    static Res div(Fmt fmt, long a, long b, int rm) {
        Val x = decode(fmt, a), y = decode(fmt, b);
        if (x.nan() || y.nan()) return nan(fmt, snanFlag(x, y));
        boolean neg = x.neg() != y.neg();
        if ((x.inf() && y.inf()) || (x.zero() && y.zero())) return nan(fmt, Fp.NV);
        if (x.inf()) return inf(fmt, neg);
        if (y.inf()) return zero(fmt, neg);
        if (y.zero()) return new Res(inf(fmt, neg).bits(), Fp.DZ);
        if (x.zero()) return zero(fmt, neg);
        return round(fmt, neg, Quot.of(x.v(), y.v()), rm);
    }

    static Res sqrt(Fmt fmt, long a, int rm) {
        Val x = decode(fmt, a);
        if (x.nan()) return nan(fmt, snanFlag(x));
        if (x.zero()) return zero(fmt, x.neg());
        if (x.neg()) return nan(fmt, Fp.NV);
        if (x.inf()) return inf(fmt, false);
        return round(fmt, false, new Sqrt(dec(x.v())), rm);
    }

    static Res fma(Fmt fmt, long a, long b, long c, int rm) {
        Val x = decode(fmt, a), y = decode(fmt, b), z = decode(fmt, c);
        boolean infTimesZero = (x.inf() && y.zero()) || (x.zero() && y.inf());
        if (x.nan() || y.nan() || z.nan()) return nan(fmt, snanFlag(x, y, z) | (infTimesZero ? Fp.NV : 0));
        if (infTimesZero) return nan(fmt, Fp.NV);
        boolean pneg = x.neg() != y.neg();
        if (x.inf() || y.inf()) {
            if (z.inf() && z.neg() != pneg) return nan(fmt, Fp.NV);
            return inf(fmt, pneg);
        }
        if (z.inf()) return inf(fmt, z.neg());
        BigDecimal p = x.v().multiply(y.v());
        BigDecimal s = p.add(z.v());
        if (s.signum() == 0) return zero(fmt, zeroSumNeg(p.signum() == 0, pneg, z.zero(), z.neg(), rm));
        return finite(fmt, s, rm);
    }

    /** Floating-point to floating-point conversion. */
    static Res convert(Fmt from, Fmt to, long a, int rm) {
        Val x = decode(from, a);
        if (x.nan()) return nan(to, snanFlag(x));
        if (x.inf()) return inf(to, x.neg());
        if (x.zero()) return zero(to, x.neg());
        return finite(to, x.v(), rm);
    }

    /** Integer formats: W, WU, L, LU. */
    enum IntFmt {
        W(-31, 31, true), WU(0, 32, false), L(-63, 63, true), LU(0, 64, false);

        final BigInteger min, max;
        final boolean signed;

        IntFmt(int minPow, int maxPow, boolean signed) {
            this.min = minPow == 0 ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(-minPow).negate();
            this.max = BigInteger.ONE.shiftLeft(maxPow).subtract(BigInteger.ONE);
            this.signed = signed;
        }

        /** The 64-bit register value of an in-range integer (32-bit results sign-extended). */
        long register(BigInteger v) {
            long bits = v.longValue();
            return this == W || this == WU ? (long) (int) bits : bits;
        }
    }

    static Res toInt(Fmt fmt, IntFmt to, long a, int rm) {
        Val x = decode(fmt, a);
        if (x.nan() || (x.inf() && !x.neg())) return new Res(to.register(to.max), Fp.NV);
        if (x.inf()) return new Res(to.register(to.min), Fp.NV);
        if (x.zero()) return new Res(0, 0);
        Quot m = dec(x.v());
        BigInteger k = roundAt(m, 0, x.neg(), rm);
        BigInteger v = x.neg() ? k.negate() : k;
        if (v.compareTo(to.min) < 0) return new Res(to.register(to.min), Fp.NV);
        if (v.compareTo(to.max) > 0) return new Res(to.register(to.max), Fp.NV);
        return new Res(to.register(v), m.at(0).exact() ? 0 : Fp.NX);
    }

    /** Integer to floating point; {@code v} is the source register value read as {@code from}. */
    static Res fromInt(Fmt fmt, IntFmt from, long v, int rm) {
        BigInteger i = switch (from) {
            case W -> BigInteger.valueOf((int) v);
            case WU -> BigInteger.valueOf(v & 0xffffffffL);
            case L -> BigInteger.valueOf(v);
            case LU -> new BigInteger(Long.toUnsignedString(v));
        };
        if (i.signum() == 0) return zero(fmt, false);
        return finite(fmt, new BigDecimal(i), rm);
    }

    // ---------------------------------------------------------------------------------
    // non-arithmetic operations
    // ---------------------------------------------------------------------------------

    /** -1, 0, 1 comparing x and y as real numbers (so -0 == +0); both non-NaN. */
    private static int cmp(Val x, Val y) {
        int rx = x.inf() ? (x.neg() ? -1 : 1) : 0, ry = y.inf() ? (y.neg() ? -1 : 1) : 0;
        if (rx != 0 || ry != 0) return Integer.compare(rx, ry);   // -inf < finite < +inf
        return x.v().compareTo(y.v());
    }

    /** FMIN/FMAX: minimumNumber / maximumNumber with -0 &lt; +0. */
    static Res minMax(Fmt fmt, long a, long b, boolean max) {
        Val x = decode(fmt, a), y = decode(fmt, b);
        int flags = snanFlag(x, y);
        if (x.nan() && y.nan()) return new Res(fmt.canonicalNaN(), flags);
        if (x.nan()) return new Res(b & fmt.mask(), flags);
        if (y.nan()) return new Res(a & fmt.mask(), flags);
        int c = cmp(x, y);
        if (c == 0) c = Boolean.compare(!x.neg(), !y.neg());   // -0 < +0
        boolean pickX = max ? c >= 0 : c <= 0;
        return new Res((pickX ? a : b) & fmt.mask(), flags);
    }

    /** FEQ (quiet), FLT and FLE (signaling): the boolean as 0/1. */
    static Res compare(Fmt fmt, long a, long b, String op) {
        Val x = decode(fmt, a), y = decode(fmt, b);
        if (x.nan() || y.nan()) return new Res(0, op.equals("eq") ? snanFlag(x, y) : Fp.NV);
        int c = cmp(x, y);
        boolean r = switch (op) {
            case "eq" -> c == 0;
            case "lt" -> c < 0;
            case "le" -> c <= 0;
            default -> throw new IllegalArgumentException(op);
        };
        return new Res(r ? 1 : 0, 0);
    }

    /** FCLASS mask. */
    static int classify(Fmt fmt, long a) {
        Val x = decode(fmt, a);
        return switch (x.kind()) {
            case SNAN -> 1 << 8;
            case QNAN -> 1 << 9;
            case INF -> x.neg() ? 1 : 1 << 7;
            case FINITE -> {
                if (x.zero()) yield x.neg() ? 1 << 3 : 1 << 4;
                boolean sub = x.v().abs().compareTo(times2(BigDecimal.ONE, fmt.emin)) < 0;
                yield x.neg() ? (sub ? 1 << 2 : 1 << 1) : (sub ? 1 << 5 : 1 << 6);
            }
        };
    }
}
