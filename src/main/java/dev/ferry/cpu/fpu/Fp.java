package dev.ferry.cpu.fpu;

/**
 * IEEE 754 binary32/binary64 arithmetic with RISC-V semantics (F and D extensions, unprivileged
 * ISA 20191213: F 2.2, D 2.2), bit-exact, as pure static functions on raw encodings.
 *
 * <h2>Conventions</h2>
 * <ul>
 * <li>Binary64 values are {@code long} bit patterns, binary32 values {@code int} bit patterns.
 *     NaN-boxing in the 64-bit register file is the caller's job: pass the unboxed 32 bits.</li>
 * <li>{@code rm} is a resolved rounding mode: {@link #RNE}, {@link #RTZ}, {@link #RDN},
 *     {@link #RUP} or {@link #RMM} (the caller maps DYN to {@code frm} and rejects reserved
 *     encodings; other values behave as RMM).</li>
 * <li>Exceptions are accrued by OR-ing {@link #NX}, {@link #UF}, {@link #OF}, {@link #DZ},
 *     {@link #NV} into {@link FpFlags#flags}; nothing is ever cleared.</li>
 * <li>Every NaN produced by an arithmetic operation or conversion is the canonical NaN
 *     ({@link #CANONICAL_NAN64}, {@link #CANONICAL_NAN32}); signaling NaN operands raise NV.</li>
 * <li>Tininess is detected after rounding; UF is raised only when the result is tiny and
 *     inexact. Overflow gives infinity or the largest finite value, depending on the rounding
 *     direction, with OF and NX.</li>
 * </ul>
 *
 * <h2>Operations</h2>
 * Names end in {@code 64} (binary64, D) or {@code 32} (binary32, F):
 * {@code add, sub, mul, div} ({@code (a, b, rm, f)}), {@code sqrt} ({@code (a, rm, f)}),
 * {@code fma} ({@code a * b + c} with a single rounding; FMSUB, FNMSUB and FNMADD are FMA with
 * the sign bits of {@code c}, {@code a}, or both flipped by the caller, which is exact including
 * signed zeros), {@code min, max} (FMIN/FMAX: minimumNumber/maximumNumber, -0 &lt; +0),
 * {@code eq} (quiet), {@code lt, le} (signaling; all three return a {@code boolean}),
 * {@code classify} (the FCLASS mask), {@code sgnj, sgnjn, sgnjx} (pure bit operations, no flags).
 * Predicates {@link #isNaN64}, {@link #isSignalingNaN64} and their 32-bit twins are public too.
 *
 * <p>Conversions are named {@code cvt<To>From<From>}, where a floating-point format is written
 * {@code 64}/{@code 32} and an integer format {@code W, WU, L, LU}:
 * {@link #cvt32From64} (FCVT.S.D), {@link #cvt64From32} (FCVT.D.S),
 * {@code cvtWFrom64 .. cvtLUFrom32} (FCVT.{W,WU,L,LU}.{D,S}: the 64-bit register value, with
 * W and WU results sign-extended from 32 bits; out-of-range inputs and NaN saturate with NV and
 * no NX), {@code cvt64FromW .. cvt32FromLU} (FCVT.{D,S}.{W,WU,L,LU}; W and WU sources are the
 * low 32 bits of the register as an {@code int}).
 *
 * <h2>How it is computed</h2>
 * Binary64 operations run on the JVM's correctly rounded (round-to-nearest-even) double
 * arithmetic; the exact error of that result comes from error-free transformations (TwoSum,
 * {@link Math#fma} residuals for products, quotients and square roots, an exact expansion for
 * FMA), which gives the inexact flag and the direction to step for the directed modes. When an
 * operand or result leaves the range where those transformations are exact (subnormals,
 * underflow, overflow under a directed mode, extreme FMA operands) the operation is redone
 * exactly by {@link FpExact}. Binary32 operations are computed in double, where products are
 * exact and sums/quotients/roots come with an exact residual, and then rounded to binary32 by
 * {@link FpRound}, with a shortcut for round-to-nearest results in the normal range.
 */
public final class Fp {
    private Fp() {}

    // ---- flags (fflags bits) ----
    /** Inexact. */
    public static final int NX = 1;
    /** Underflow. */
    public static final int UF = 2;
    /** Overflow. */
    public static final int OF = 4;
    /** Divide by zero. */
    public static final int DZ = 8;
    /** Invalid operation. */
    public static final int NV = 16;

    // ---- rounding modes (frm encodings) ----
    /** Round to nearest, ties to even. */
    public static final int RNE = 0;
    /** Round towards zero. */
    public static final int RTZ = 1;
    /** Round down (towards -infinity). */
    public static final int RDN = 2;
    /** Round up (towards +infinity). */
    public static final int RUP = 3;
    /** Round to nearest, ties to max magnitude. */
    public static final int RMM = 4;

    /** The canonical binary64 NaN. */
    public static final long CANONICAL_NAN64 = 0x7ff8000000000000L;
    /** The canonical binary32 NaN. */
    public static final int CANONICAL_NAN32 = 0x7fc00000;

    private static final long SIGN64 = 0x8000000000000000L;
    private static final long INF64 = 0x7ff0000000000000L;
    private static final long QUIET64 = 0x0008000000000000L;
    private static final int SIGN32 = 0x80000000;
    private static final int INF32 = 0x7f800000;
    private static final int QUIET32 = 0x00400000;

    /** Below this magnitude, products, quotients and residuals may underflow: use exact paths. */
    private static final double TINY = 0x1p-960;
    /** Above this magnitude, FMA expansions could overflow: use the exact path. */
    private static final double HUGE = 0x1p1020;

    // =====================================================================================
    // Classification helpers
    // =====================================================================================

    /** Whether binary64 bits are a NaN. */
    public static boolean isNaN64(long a) {
        return (a & ~SIGN64) > INF64;
    }

    /** Whether binary64 bits are a signaling NaN. */
    public static boolean isSignalingNaN64(long a) {
        return isNaN64(a) && (a & QUIET64) == 0;
    }

    /** Whether binary32 bits are a NaN. */
    public static boolean isNaN32(int a) {
        return (a & ~SIGN32) > INF32;
    }

    /** Whether binary32 bits are a signaling NaN. */
    public static boolean isSignalingNaN32(int a) {
        return isNaN32(a) && (a & QUIET32) == 0;
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    private static double dbl(long a) {
        return Double.longBitsToDouble(a);
    }

    private static int bits(float x) {
        return Float.floatToRawIntBits(x);
    }

    private static boolean isInf64(long a) {
        return (a & ~SIGN64) == INF64;
    }

    /** Canonical NaN result, raising NV if any of the operands is a signaling NaN. */
    private static long nan64(long a, long b, FpFlags f) {
        if (isSignalingNaN64(a) || isSignalingNaN64(b)) f.flags |= NV;
        return CANONICAL_NAN64;
    }

    private static int nan32(int a, int b, FpFlags f) {
        if (isSignalingNaN32(a) || isSignalingNaN32(b)) f.flags |= NV;
        return CANONICAL_NAN32;
    }

    private static long invalid64(FpFlags f) {
        f.flags |= NV;
        return CANONICAL_NAN64;
    }

    private static int invalid32(FpFlags f) {
        f.flags |= NV;
        return CANONICAL_NAN32;
    }

    // =====================================================================================
    // binary64 arithmetic
    // =====================================================================================

    /**
     * Directed rounding from the round-to-nearest result: {@code r} is RN(v) for the exact value
     * v = r + err (err != 0 exact, or for RTZ/RDN/RUP just of the right sign), r normal and
     * neither r nor its neighbours tiny. Raises OF if stepping away from zero overflows.
     */
    private static double directed64(double r, double err, int rm, FpFlags f) {
        double n;
        switch (rm) {
            case RTZ:
                if (r > 0 ? err >= 0 : err <= 0) return r;
                n = r > 0 ? Math.nextDown(r) : Math.nextUp(r);
                break;
            case RDN:
                if (err > 0) return r;
                n = Math.nextDown(r);
                break;
            case RUP:
                if (err < 0) return r;
                n = Math.nextUp(r);
                break;
            default: // RMM differs from RNE only on a tie that RNE broke towards zero
                if ((err > 0) != (r > 0)) return r;
                n = err > 0 ? Math.nextUp(r) : Math.nextDown(r);
                if (n - r != err + err) return r;
                break;
        }
        if (Double.isInfinite(n)) f.flags |= OF;
        return n;
    }

    /** a + b (FADD.D). */
    public static long add64(long a, long b, int rm, FpFlags f) {
        double x = dbl(a), y = dbl(b);
        double s = x + y;
        if (Math.abs(s) <= Double.MAX_VALUE) {
            double bb = s - x;
            double err = (x - (s - bb)) + (y - bb);   // TwoSum: x + y == s + err exactly
            if (err == 0) {
                // Exact. A zero sum of opposite signs is -0 in RDN (+0 otherwise, as Java does).
                if (s == 0 && rm == RDN) return (a | b) & SIGN64;
                return bits(s);
            }
            // s - x can overflow when s and -x are both near the top of the range
            if (err != err) return FpExact.add64(a, b, rm, f);
            // An inexact sum is at least 2^-1021 in magnitude: never tiny.
            f.flags |= NX;
            if (rm == RNE) return bits(s);
            return bits(directed64(s, err, rm, f));
        }
        return addSpecial64(a, b, s, rm, f);
    }

    private static long addSpecial64(long a, long b, double s, int rm, FpFlags f) {
        if (isNaN64(a) || isNaN64(b)) return nan64(a, b, f);
        if (s != s) return invalid64(f);                   // inf - inf
        if (isInf64(a) || isInf64(b)) return bits(s);     // exact infinity
        if (rm == RNE || rm == RMM) {                      // overflow from finite operands
            f.flags |= OF | NX;
            return bits(s);
        }
        return FpExact.add64(a, b, rm, f);
    }

    /** a - b (FSUB.D). */
    public static long sub64(long a, long b, int rm, FpFlags f) {
        return add64(a, b ^ SIGN64, rm, f);
    }

    /** a * b (FMUL.D). */
    public static long mul64(long a, long b, int rm, FpFlags f) {
        double x = dbl(a), y = dbl(b);
        double p = x * y;
        double ap = Math.abs(p);
        if (ap >= TINY && ap <= Double.MAX_VALUE) {
            double err = Math.fma(x, y, -p);               // exact: no underflow here
            if (err == 0) return bits(p);
            f.flags |= NX;
            if (rm == RNE) return bits(p);
            return bits(directed64(p, err, rm, f));
        }
        return mulSpecial64(a, b, p, rm, f);
    }

    private static long mulSpecial64(long a, long b, double p, int rm, FpFlags f) {
        if (isNaN64(a) || isNaN64(b)) return nan64(a, b, f);
        if (p != p) return invalid64(f);                   // 0 * inf
        if (isInf64(a) || isInf64(b) || (a & ~SIGN64) == 0 || (b & ~SIGN64) == 0) return bits(p);
        if (Double.isInfinite(p) && (rm == RNE || rm == RMM)) {
            f.flags |= OF | NX;
            return bits(p);
        }
        return FpExact.mul64(a, b, rm, f);
    }

    /** a / b (FDIV.D). */
    public static long div64(long a, long b, int rm, FpFlags f) {
        double x = dbl(a), y = dbl(b);
        double q = x / y;
        double aq = Math.abs(q);
        if (aq >= TINY && aq <= Double.MAX_VALUE) {
            if (Math.abs(x) < TINY) {
                // q >= 2^-960 forces |y| < 1: scale both (exactly) so the residual is exact
                x *= 0x1p960;
                y *= 0x1p960;
            }
            double r = Math.fma(-q, y, x);                 // exact remainder x - q*y
            if (r == 0) return bits(q);
            f.flags |= NX;
            // A normal quotient of two doubles is never a tie, so RMM == RNE here.
            if (rm == RNE || rm == RMM) return bits(q);
            return bits(directed64(q, (r > 0) == (y > 0) ? 1.0 : -1.0, rm, f));
        }
        return divSpecial64(a, b, q, rm, f);
    }

    private static long divSpecial64(long a, long b, double q, int rm, FpFlags f) {
        if (isNaN64(a) || isNaN64(b)) return nan64(a, b, f);
        if (q != q) return invalid64(f);                   // 0/0, inf/inf
        if (isInf64(a) || isInf64(b) || (a & ~SIGN64) == 0) return bits(q);
        if ((b & ~SIGN64) == 0) {                          // finite nonzero / 0
            f.flags |= DZ;
            return bits(q);
        }
        if (Double.isInfinite(q) && (rm == RNE || rm == RMM)) {
            f.flags |= OF | NX;
            return bits(q);
        }
        return FpExact.div64(a, b, rm, f);
    }

    /** sqrt(a) (FSQRT.D). */
    public static long sqrt64(long a, int rm, FpFlags f) {
        double x = dbl(a);
        if (x > 0 && x <= Double.MAX_VALUE) {
            boolean scaled = x < TINY;
            if (scaled) x *= 0x1p200;                      // exact; sqrt scales by 2^100
            double r = Math.sqrt(x);
            double res = Math.fma(-r, r, x);               // exact: x - r*r
            if (res != 0) {
                f.flags |= NX;
                // no ties for square roots; the root of a double is never tiny
                if (rm != RNE && rm != RMM) r = directed64(r, res, rm, f);
            }
            return bits(scaled ? r * 0x1p-100 : r);
        }
        if (isNaN64(a)) return nan64(a, a, f);
        if (x == 0 || x == Double.POSITIVE_INFINITY) return a;
        return invalid64(f);                               // negative
    }

    /**
     * a * b + c with a single rounding (FMADD.D). FMSUB.D is {@code fma64(a, b, c ^ SIGN)},
     * FNMSUB.D {@code fma64(a ^ SIGN, b, c)}, FNMADD.D {@code fma64(a ^ SIGN, b, c ^ SIGN)}.
     * inf * 0 raises NV even when c is a quiet NaN.
     */
    public static long fma64(long a, long b, long c, int rm, FpFlags f) {
        double x = dbl(a), y = dbl(b), z = dbl(c);
        double r = Math.fma(x, y, z);
        double p = x * y;
        double ar = Math.abs(r), ap = Math.abs(p);
        if (ar >= TINY && ar <= HUGE && ap >= TINY && ap <= HUGE && Math.abs(z) <= HUGE) {
            // Exact residual x*y + z - r as a nonoverlapping expansion (Shewchuk's
            // Grow-Expansion over TwoSum), starting from x*y = p + pe exactly.
            double pe = Math.fma(x, y, -p);
            double q, bv, h0, h1, h2, g0, g1, g2, g3;
            q = z + pe; bv = q - z; h0 = (z - (q - bv)) + (pe - bv);
            h2 = q + p; bv = h2 - q; h1 = (q - (h2 - bv)) + (p - bv);
            q = h0 - r; bv = q + r; g0 = (-r - (q - bv)) + (h0 - bv);
            double t = q + h1; bv = t - q; g1 = (q - (t - bv)) + (h1 - bv);
            g3 = t + h2; bv = g3 - t; g2 = (t - (g3 - bv)) + (h2 - bv);
            // the sign of a nonoverlapping expansion is that of its largest nonzero component
            double err = g3 != 0 ? g3 : g2 != 0 ? g2 : g1 != 0 ? g1 : g0;
            if (err == 0) return bits(r);
            f.flags |= NX;
            if (rm == RNE) return bits(r);
            if (rm == RMM) {
                if ((err > 0) != (r > 0)) return bits(r);
                double n = err > 0 ? Math.nextUp(r) : Math.nextDown(r);
                double hh = (n - r) * 0.5;
                // tie iff g0 + g1 + g2 + g3 - hh == 0: grow the expansion once more
                q = g0 - hh; bv = q + hh; double k0 = (-hh - (q - bv)) + (g0 - bv);
                t = q + g1; bv = t - q; double k1 = (q - (t - bv)) + (g1 - bv);
                q = t + g2; bv = q - t; double k2 = (t - (q - bv)) + (g2 - bv);
                t = q + g3; bv = t - q; double k3 = (q - (t - bv)) + (g3 - bv);
                boolean tie = t == 0 && k3 == 0 && k2 == 0 && k1 == 0 && k0 == 0;
                return bits(tie ? n : r);
            }
            return bits(directed64(r, err, rm, f));
        }
        return fmaSpecial64(a, b, c, rm, f);
    }

    private static long fmaSpecial64(long a, long b, long c, int rm, FpFlags f) {
        boolean aInf = isInf64(a), bInf = isInf64(b);
        boolean aZero = (a & ~SIGN64) == 0, bZero = (b & ~SIGN64) == 0;
        if (isNaN64(a) || isNaN64(b) || isNaN64(c)) {
            if ((aInf && bZero) || (aZero && bInf)) f.flags |= NV;
            if (isSignalingNaN64(a) || isSignalingNaN64(b) || isSignalingNaN64(c)) f.flags |= NV;
            return CANONICAL_NAN64;
        }
        boolean pneg = (a ^ b) < 0;
        if (aInf || bInf) {
            if (aZero || bZero) return invalid64(f);       // inf * 0
            if (isInf64(c) && (c < 0) != pneg) return invalid64(f);
            return pneg ? SIGN64 | INF64 : INF64;
        }
        if (isInf64(c)) return c;
        if (aZero || bZero) {                              // exact signed zero product
            if ((c & ~SIGN64) != 0) return c;
            boolean cneg = c < 0;
            return pneg == cneg ? c : rm == RDN ? SIGN64 : 0;
        }
        return FpExact.fma64(a, b, c, rm, f);
    }

    // =====================================================================================
    // binary32 arithmetic (computed in binary64, then rounded)
    // =====================================================================================

    /**
     * Rounds the exact value s + ε to binary32, where s is a finite nonzero double and ε an
     * infinitesimal (no more than half an ulp of s) of the sign of {@code err}.
     */
    private static int finish32(double s, double err, int rm, FpFlags f) {
        float r = (float) s;
        float ar = Math.abs(r);
        if (ar >= 0x1p-125f && ar <= Float.MAX_VALUE) {
            if (err == 0 && r == s) return bits(r);
            // (float) s is RN of the exact value unless s sits exactly on a binary32 midpoint
            // (last 29 bits of its significand 1000...0) and the residual decides.
            if (rm == RNE && (err == 0 || (bits(s) & 0x1fffffffL) != 0x10000000L)) {
                f.flags |= NX;
                return bits(r);
            }
        }
        return FpRound.fromDouble32(s, err > 0 ? 1 : err < 0 ? -1 : 0, rm, f);
    }

    /** a + b (FADD.S). */
    public static int add32(int a, int b, int rm, FpFlags f) {
        double x = Float.intBitsToFloat(a), y = Float.intBitsToFloat(b);
        double s = x + y;
        if (Math.abs(s) <= Double.MAX_VALUE) {
            if (s == 0) return rm == RDN ? (a | b) & SIGN32 : bits((float) s);
            double bb = s - x;
            double err = (x - (s - bb)) + (y - bb);
            return finish32(s, err, rm, f);
        }
        if (isNaN32(a) || isNaN32(b)) return nan32(a, b, f);
        if (s != s) return invalid32(f);
        return bits((float) s);                            // infinite operand
    }

    /** a - b (FSUB.S). */
    public static int sub32(int a, int b, int rm, FpFlags f) {
        return add32(a, b ^ SIGN32, rm, f);
    }

    /** a * b (FMUL.S). */
    public static int mul32(int a, int b, int rm, FpFlags f) {
        double x = Float.intBitsToFloat(a), y = Float.intBitsToFloat(b);
        double p = x * y;                                  // exact
        if (Math.abs(p) <= Double.MAX_VALUE) {
            if (p == 0) return bits((float) p);
            return finish32(p, 0, rm, f);
        }
        if (isNaN32(a) || isNaN32(b)) return nan32(a, b, f);
        if (p != p) return invalid32(f);
        return bits((float) p);
    }

    /** a / b (FDIV.S). */
    public static int div32(int a, int b, int rm, FpFlags f) {
        double x = Float.intBitsToFloat(a), y = Float.intBitsToFloat(b);
        double q = x / y;
        if (Math.abs(q) <= Double.MAX_VALUE) {
            if (q == 0) return bits((float) q);            // 0 / y or x / inf
            double r = Math.fma(-q, y, x);                 // exact in double for binary32 operands
            return finish32(q, r == 0 ? 0 : (r > 0) == (y > 0) ? 1 : -1, rm, f);
        }
        if (isNaN32(a) || isNaN32(b)) return nan32(a, b, f);
        if (q != q) return invalid32(f);
        if ((a & ~SIGN32) != INF32) f.flags |= DZ;         // finite nonzero / 0 (inf / y is exact)
        return bits((float) q);
    }

    /** sqrt(a) (FSQRT.S). */
    public static int sqrt32(int a, int rm, FpFlags f) {
        double x = Float.intBitsToFloat(a);
        if (x > 0 && x <= Double.MAX_VALUE) {
            double r = Math.sqrt(x);
            double res = Math.fma(-r, r, x);
            return finish32(r, res, rm, f);
        }
        if (isNaN32(a)) return nan32(a, a, f);
        if (x == 0 || x == Double.POSITIVE_INFINITY) return a;
        return invalid32(f);
    }

    /**
     * a * b + c with a single rounding (FMADD.S); see {@link #fma64} for the other three forms.
     */
    public static int fma32(int a, int b, int c, int rm, FpFlags f) {
        double x = Float.intBitsToFloat(a), y = Float.intBitsToFloat(b), z = Float.intBitsToFloat(c);
        double p = x * y;                                  // exact
        double s = p + z;
        if (Math.abs(s) <= Double.MAX_VALUE) {
            if (s == 0) {
                // exact zero (a nonzero p + z is at least 2^-298): sign rule of the sum p + z
                if (rm == RDN) return (bits(p) | bits(z)) < 0 ? SIGN32 : 0;
                return bits((float) s);
            }
            double bv = s - p;
            double err = (p - (s - bv)) + (z - bv);
            return finish32(s, err, rm, f);
        }
        boolean aInf = (a & ~SIGN32) == INF32, bInf = (b & ~SIGN32) == INF32;
        boolean aZero = (a & ~SIGN32) == 0, bZero = (b & ~SIGN32) == 0;
        if (isNaN32(a) || isNaN32(b) || isNaN32(c)) {
            if ((aInf && bZero) || (aZero && bInf)) f.flags |= NV;
            if (isSignalingNaN32(a) || isSignalingNaN32(b) || isSignalingNaN32(c)) f.flags |= NV;
            return CANONICAL_NAN32;
        }
        if (s != s) return invalid32(f);                   // inf * 0, or inf - inf
        return bits((float) s);
    }

    // =====================================================================================
    // min/max, comparisons, classify, sign injection
    // =====================================================================================

    /** FMIN.D: the smaller operand, -0 &lt; +0; one NaN gives the other operand; two give the canonical NaN. */
    public static long min64(long a, long b, FpFlags f) {
        boolean an = isNaN64(a), bn = isNaN64(b);
        if (an || bn) {
            if (isSignalingNaN64(a) || isSignalingNaN64(b)) f.flags |= NV;
            return an && bn ? CANONICAL_NAN64 : an ? b : a;
        }
        double x = dbl(a), y = dbl(b);
        if (x < y) return a;
        if (y < x) return b;
        return a | b;                                      // equal: -0 if either is -0
    }

    /** FMAX.D: the larger operand, -0 &lt; +0; one NaN gives the other operand; two give the canonical NaN. */
    public static long max64(long a, long b, FpFlags f) {
        boolean an = isNaN64(a), bn = isNaN64(b);
        if (an || bn) {
            if (isSignalingNaN64(a) || isSignalingNaN64(b)) f.flags |= NV;
            return an && bn ? CANONICAL_NAN64 : an ? b : a;
        }
        double x = dbl(a), y = dbl(b);
        if (x > y) return a;
        if (y > x) return b;
        return a & b;                                      // equal: +0 if either is +0
    }

    /** FMIN.S. */
    public static int min32(int a, int b, FpFlags f) {
        boolean an = isNaN32(a), bn = isNaN32(b);
        if (an || bn) {
            if (isSignalingNaN32(a) || isSignalingNaN32(b)) f.flags |= NV;
            return an && bn ? CANONICAL_NAN32 : an ? b : a;
        }
        float x = Float.intBitsToFloat(a), y = Float.intBitsToFloat(b);
        if (x < y) return a;
        if (y < x) return b;
        return a | b;
    }

    /** FMAX.S. */
    public static int max32(int a, int b, FpFlags f) {
        boolean an = isNaN32(a), bn = isNaN32(b);
        if (an || bn) {
            if (isSignalingNaN32(a) || isSignalingNaN32(b)) f.flags |= NV;
            return an && bn ? CANONICAL_NAN32 : an ? b : a;
        }
        float x = Float.intBitsToFloat(a), y = Float.intBitsToFloat(b);
        if (x > y) return a;
        if (y > x) return b;
        return a & b;
    }

    /** FEQ.D (quiet): NV only for a signaling NaN; false if either operand is NaN. */
    public static boolean eq64(long a, long b, FpFlags f) {
        if (isNaN64(a) || isNaN64(b)) {
            if (isSignalingNaN64(a) || isSignalingNaN64(b)) f.flags |= NV;
            return false;
        }
        return dbl(a) == dbl(b);
    }

    /** FLT.D (signaling): NV and false if either operand is NaN. */
    public static boolean lt64(long a, long b, FpFlags f) {
        if (isNaN64(a) || isNaN64(b)) {
            f.flags |= NV;
            return false;
        }
        return dbl(a) < dbl(b);
    }

    /** FLE.D (signaling): NV and false if either operand is NaN. */
    public static boolean le64(long a, long b, FpFlags f) {
        if (isNaN64(a) || isNaN64(b)) {
            f.flags |= NV;
            return false;
        }
        return dbl(a) <= dbl(b);
    }

    /** FEQ.S (quiet). */
    public static boolean eq32(int a, int b, FpFlags f) {
        if (isNaN32(a) || isNaN32(b)) {
            if (isSignalingNaN32(a) || isSignalingNaN32(b)) f.flags |= NV;
            return false;
        }
        return Float.intBitsToFloat(a) == Float.intBitsToFloat(b);
    }

    /** FLT.S (signaling). */
    public static boolean lt32(int a, int b, FpFlags f) {
        if (isNaN32(a) || isNaN32(b)) {
            f.flags |= NV;
            return false;
        }
        return Float.intBitsToFloat(a) < Float.intBitsToFloat(b);
    }

    /** FLE.S (signaling). */
    public static boolean le32(int a, int b, FpFlags f) {
        if (isNaN32(a) || isNaN32(b)) {
            f.flags |= NV;
            return false;
        }
        return Float.intBitsToFloat(a) <= Float.intBitsToFloat(b);
    }

    /**
     * FCLASS.D: exactly one of bit 0 -inf, 1 negative normal, 2 negative subnormal, 3 -0,
     * 4 +0, 5 positive subnormal, 6 positive normal, 7 +inf, 8 signaling NaN, 9 quiet NaN.
     */
    public static int classify64(long a) {
        boolean neg = a < 0;
        int be = (int) (a >>> 52) & 0x7ff;
        long frac = a & 0x000fffffffffffffL;
        if (be == 0x7ff) {
            if (frac == 0) return neg ? 1 : 1 << 7;
            return (frac & QUIET64) != 0 ? 1 << 9 : 1 << 8;
        }
        if (be == 0) {
            if (frac == 0) return neg ? 1 << 3 : 1 << 4;
            return neg ? 1 << 2 : 1 << 5;
        }
        return neg ? 1 << 1 : 1 << 6;
    }

    /** FCLASS.S; see {@link #classify64}. */
    public static int classify32(int a) {
        boolean neg = a < 0;
        int be = (a >>> 23) & 0xff;
        int frac = a & 0x007fffff;
        if (be == 0xff) {
            if (frac == 0) return neg ? 1 : 1 << 7;
            return (frac & QUIET32) != 0 ? 1 << 9 : 1 << 8;
        }
        if (be == 0) {
            if (frac == 0) return neg ? 1 << 3 : 1 << 4;
            return neg ? 1 << 2 : 1 << 5;
        }
        return neg ? 1 << 1 : 1 << 6;
    }

    /** FSGNJ.D: a with the sign of b (no flags, NaNs untouched). */
    public static long sgnj64(long a, long b) {
        return (a & ~SIGN64) | (b & SIGN64);
    }

    /** FSGNJN.D: a with the opposite of b's sign. */
    public static long sgnjn64(long a, long b) {
        return (a & ~SIGN64) | (~b & SIGN64);
    }

    /** FSGNJX.D: a with its sign XOR b's sign. */
    public static long sgnjx64(long a, long b) {
        return a ^ (b & SIGN64);
    }

    /** FSGNJ.S. */
    public static int sgnj32(int a, int b) {
        return (a & ~SIGN32) | (b & SIGN32);
    }

    /** FSGNJN.S. */
    public static int sgnjn32(int a, int b) {
        return (a & ~SIGN32) | (~b & SIGN32);
    }

    /** FSGNJX.S. */
    public static int sgnjx32(int a, int b) {
        return a ^ (b & SIGN32);
    }

    // =====================================================================================
    // floating-point <-> floating-point conversions
    // =====================================================================================

    /** FCVT.S.D: binary64 to binary32, rounded by {@code rm}. */
    public static int cvt32From64(long a, int rm, FpFlags f) {
        double d = dbl(a);
        float r = (float) d;
        if (r == d) return bits(r);                        // exact (incl. zeros, infinities)
        if (d != d) {
            if (isSignalingNaN64(a)) f.flags |= NV;
            return CANONICAL_NAN32;
        }
        if (rm == RNE) {
            float ar = Math.abs(r);
            if (ar >= 0x1p-125f && ar <= Float.MAX_VALUE) {
                f.flags |= NX;
                return bits(r);
            }
        }
        return FpRound.fromDouble32(d, 0, rm, f);
    }

    /** FCVT.D.S: binary32 to binary64 (exact; NaNs become the canonical NaN). */
    public static long cvt64From32(int a, FpFlags f) {
        if (isNaN32(a)) {
            if (isSignalingNaN32(a)) f.flags |= NV;
            return CANONICAL_NAN64;
        }
        return bits((double) Float.intBitsToFloat(a));
    }

    // =====================================================================================
    // floating-point -> integer conversions
    // =====================================================================================

    private static final int W = 0, WU = 1, L = 2, LU = 3;
    private static final long[] POS_SAT = {0x7fffffffL, -1L, Long.MAX_VALUE, -1L};
    private static final long[] NEG_SAT = {0xffffffff80000000L, 0, Long.MIN_VALUE, 0};

    /** Converts binary64 bits to the integer format {@code kind}, as a 64-bit register value. */
    private static long toInt(long a, int kind, int rm, FpFlags f) {
        boolean neg = a < 0;
        int be = (int) (a >>> 52) & 0x7ff;
        long frac = a & 0x000fffffffffffffL;
        if (be == 0x7ff) {                                 // NaN saturates positive
            f.flags |= NV;
            return frac != 0 || !neg ? POS_SAT[kind] : NEG_SAT[kind];
        }
        long m = be == 0 ? frac : frac | 1L << 52;
        int sh = be == 0 ? 1074 : 1075 - be;              // |a| == m * 2^-sh
        long mag;                                          // rounded magnitude, unsigned
        boolean inexact;
        if (sh <= 0) {
            if (sh < -11) {                                // |a| >= 2^64
                f.flags |= NV;
                return neg ? NEG_SAT[kind] : POS_SAT[kind];
            }
            mag = m << -sh;
            inexact = false;
        } else {
            mag = FpRound.shiftRound(m, sh, neg, rm);
            inexact = FpRound.lostBits(m, sh);
        }
        boolean ok = switch (kind) {
            case W -> neg ? Long.compareUnsigned(mag, 1L << 31) <= 0 : Long.compareUnsigned(mag, 0x7fffffffL) <= 0;
            case WU -> neg ? mag == 0 : Long.compareUnsigned(mag, 0xffffffffL) <= 0;
            case L -> neg ? Long.compareUnsigned(mag, 1L << 63) <= 0 : mag >= 0;
            default -> !neg || mag == 0;
        };
        if (!ok) {
            f.flags |= NV;
            return neg ? NEG_SAT[kind] : POS_SAT[kind];
        }
        if (inexact) f.flags |= NX;
        long v = neg ? -mag : mag;
        return kind == WU ? (long) (int) v : v;
    }

    /** FCVT.W.D: to a signed 32-bit integer, sign-extended to 64 bits. */
    public static long cvtWFrom64(long a, int rm, FpFlags f) {
        return toInt(a, W, rm, f);
    }

    /** FCVT.WU.D: to an unsigned 32-bit integer, sign-extended from bit 31 to 64 bits. */
    public static long cvtWUFrom64(long a, int rm, FpFlags f) {
        return toInt(a, WU, rm, f);
    }

    /** FCVT.L.D: to a signed 64-bit integer. */
    public static long cvtLFrom64(long a, int rm, FpFlags f) {
        return toInt(a, L, rm, f);
    }

    /** FCVT.LU.D: to an unsigned 64-bit integer. */
    public static long cvtLUFrom64(long a, int rm, FpFlags f) {
        return toInt(a, LU, rm, f);
    }

    /** binary32 to binary64 bits, exactly (any NaN stays a NaN). */
    private static long widen(int a) {
        return bits((double) Float.intBitsToFloat(a));
    }

    /** FCVT.W.S. */
    public static long cvtWFrom32(int a, int rm, FpFlags f) {
        return toInt(widen(a), W, rm, f);
    }

    /** FCVT.WU.S (sign-extended from bit 31). */
    public static long cvtWUFrom32(int a, int rm, FpFlags f) {
        return toInt(widen(a), WU, rm, f);
    }

    /** FCVT.L.S. */
    public static long cvtLFrom32(int a, int rm, FpFlags f) {
        return toInt(widen(a), L, rm, f);
    }

    /** FCVT.LU.S. */
    public static long cvtLUFrom32(int a, int rm, FpFlags f) {
        return toInt(widen(a), LU, rm, f);
    }

    // =====================================================================================
    // integer -> floating-point conversions
    // =====================================================================================

    /** FCVT.D.W: exact ({@code rm} is accepted for uniformity and does not matter). */
    public static long cvt64FromW(int v, int rm, FpFlags f) {
        return bits((double) v);
    }

    /** FCVT.D.WU: {@code v} is read as unsigned; exact. */
    public static long cvt64FromWU(int v, int rm, FpFlags f) {
        return bits((double) (v & 0xffffffffL));
    }

    /** FCVT.D.L: rounded by {@code rm}. */
    public static long cvt64FromL(long v, int rm, FpFlags f) {
        if (v >= -(1L << 53) && v <= 1L << 53) return bits((double) v);
        return FpRound.fromInt64(v < 0, v < 0 ? -v : v, rm, f);
    }

    /** FCVT.D.LU: {@code v} is read as unsigned; rounded by {@code rm}. */
    public static long cvt64FromLU(long v, int rm, FpFlags f) {
        if (v >= 0 && v <= 1L << 53) return bits((double) v);
        return FpRound.fromInt64(false, v, rm, f);
    }

    /** FCVT.S.W: rounded by {@code rm}. */
    public static int cvt32FromW(int v, int rm, FpFlags f) {
        if (v >= -(1 << 24) && v <= 1 << 24) return bits((float) v);
        return FpRound.fromInt32(v < 0, v < 0 ? -(long) v : v, rm, f);
    }

    /** FCVT.S.WU: {@code v} is read as unsigned; rounded by {@code rm}. */
    public static int cvt32FromWU(int v, int rm, FpFlags f) {
        long u = v & 0xffffffffL;
        if (u <= 1 << 24) return bits((float) u);
        return FpRound.fromInt32(false, u, rm, f);
    }

    /** FCVT.S.L: rounded by {@code rm}. */
    public static int cvt32FromL(long v, int rm, FpFlags f) {
        if (v >= -(1L << 24) && v <= 1L << 24) return bits((float) v);
        return FpRound.fromInt32(v < 0, v < 0 ? -v : v, rm, f);
    }

    /** FCVT.S.LU: {@code v} is read as unsigned; rounded by {@code rm}. */
    public static int cvt32FromLU(long v, int rm, FpFlags f) {
        if (v >= 0 && v <= 1L << 24) return bits((float) v);
        return FpRound.fromInt32(false, v, rm, f);
    }
}
