package dev.ferry.cpu.fpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ferry.cpu.fpu.ExactModel.Fmt;
import dev.ferry.cpu.fpu.ExactModel.IntFmt;
import dev.ferry.cpu.fpu.ExactModel.Res;

/**
 * Random operands biased to the hard cases, through every operation and all five rounding
 * modes, against {@link ExactModel}: results must agree bit for bit and flag for flag.
 *
 * <p>Size: {@code -Dferry.fpu.cases=N} operand tuples per operation (default 1000),
 * {@code -Dferry.fpu.seed=S} to change the operands.
 */
class FpPropertyTest {
    static final int CASES = Integer.getInteger("ferry.fpu.cases", 1000);
    static final long SEED = Long.getLong("ferry.fpu.seed", 0x5eedf00dL);
    static final Fmt D = ExactModel.F64, S = ExactModel.F32;

    /** One operation of the implementation: operands in, (bits, flags) out. */
    interface Impl {
        Res run(long[] ops, int rm);
    }

    interface Model {
        Res run(long[] ops, int rm);
    }

    interface OpGen {
        long[] next(OperandGen g);
    }

    private static final String[] RM = {"RNE", "RTZ", "RDN", "RUP", "RMM"};

    static void check(String name, int salt, OpGen gen, Impl impl, Model model) {
        OperandGen g = new OperandGen(SEED * 31 + salt);
        List<String> bad = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < CASES && bad.size() < 10; i++) {
            long[] ops = gen.next(g);
            for (int rm = 0; rm < 5; rm++) {
                total++;
                Res want = model.run(ops, rm);
                Res got = impl.run(ops, rm);
                if (want.bits() != got.bits() || want.flags() != got.flags()) {
                    StringBuilder sb = new StringBuilder(name).append('(');
                    for (int k = 0; k < ops.length; k++) sb.append(k == 0 ? "" : ", ").append(String.format("0x%x", ops[k]));
                    sb.append(") ").append(RM[rm]).append(": got ").append(got).append(" want ").append(want);
                    bad.add(sb.toString());
                }
            }
        }
        if (!bad.isEmpty()) fail(bad.size() + " mismatches (of " + total + " checked), first:\n  " + String.join("\n  ", bad));
    }

    static Res r64(long bits, FpFlags f) {
        return new Res(bits, f.flags);
    }

    static Res r32(int bits, FpFlags f) {
        return new Res(bits & 0xffffffffL, f.flags);
    }

    // ---------------------------------------------------------------------------------
    // binary64
    // ---------------------------------------------------------------------------------

    @Test
    void add64() {
        check("add64", 1, g -> {
            long a = g.value(D);
            return new long[] {a, g.addend(D, a)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.add64(o[0], o[1], rm, f), f);
        }, (o, rm) -> ExactModel.add(D, o[0], o[1], rm));
    }

    @Test
    void sub64() {
        check("sub64", 2, g -> {
            long a = g.value(D);
            return new long[] {a, g.addend(D, a) ^ D.signBit()};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.sub64(o[0], o[1], rm, f), f);
        }, (o, rm) -> ExactModel.sub(D, o[0], o[1], rm));
    }

    @Test
    void mul64() {
        check("mul64", 3, g -> {
            long a = g.value(D);
            return new long[] {a, g.factor(D, a, false)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.mul64(o[0], o[1], rm, f), f);
        }, (o, rm) -> ExactModel.mul(D, o[0], o[1], rm));
    }

    @Test
    void div64() {
        check("div64", 4, g -> {
            long a = g.value(D);
            return new long[] {a, g.factor(D, a, true)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.div64(o[0], o[1], rm, f), f);
        }, (o, rm) -> ExactModel.div(D, o[0], o[1], rm));
    }

    @Test
    void sqrt64() {
        check("sqrt64", 5, g -> new long[] {g.r.nextInt(3) == 0 ? g.value(D) & ~D.signBit() : g.value(D)},
                (o, rm) -> {
                    FpFlags f = new FpFlags();
                    return r64(Fp.sqrt64(o[0], rm, f), f);
                }, (o, rm) -> ExactModel.sqrt(D, o[0], rm));
    }

    @Test
    void fma64() {
        check("fma64", 6, g -> {
            long a = g.value(D);
            long b = g.factor(D, a, false);
            return new long[] {a, b, g.fmaAddend(D, a, b)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.fma64(o[0], o[1], o[2], rm, f), f);
        }, (o, rm) -> ExactModel.fma(D, o[0], o[1], o[2], rm));
    }

    // ---------------------------------------------------------------------------------
    // binary32
    // ---------------------------------------------------------------------------------

    @Test
    void add32() {
        check("add32", 11, g -> {
            long a = g.value(S);
            return new long[] {a, g.addend(S, a)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.add32((int) o[0], (int) o[1], rm, f), f);
        }, (o, rm) -> ExactModel.add(S, o[0], o[1], rm));
    }

    @Test
    void sub32() {
        check("sub32", 12, g -> {
            long a = g.value(S);
            return new long[] {a, g.addend(S, a) ^ S.signBit()};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.sub32((int) o[0], (int) o[1], rm, f), f);
        }, (o, rm) -> ExactModel.sub(S, o[0], o[1], rm));
    }

    @Test
    void mul32() {
        check("mul32", 13, g -> {
            long a = g.value(S);
            return new long[] {a, g.factor(S, a, false)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.mul32((int) o[0], (int) o[1], rm, f), f);
        }, (o, rm) -> ExactModel.mul(S, o[0], o[1], rm));
    }

    @Test
    void div32() {
        check("div32", 14, g -> {
            long a = g.value(S);
            return new long[] {a, g.factor(S, a, true)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.div32((int) o[0], (int) o[1], rm, f), f);
        }, (o, rm) -> ExactModel.div(S, o[0], o[1], rm));
    }

    @Test
    void sqrt32() {
        check("sqrt32", 15, g -> new long[] {g.r.nextInt(3) == 0 ? g.value(S) & ~S.signBit() : g.value(S)},
                (o, rm) -> {
                    FpFlags f = new FpFlags();
                    return r32(Fp.sqrt32((int) o[0], rm, f), f);
                }, (o, rm) -> ExactModel.sqrt(S, o[0], rm));
    }

    @Test
    void fma32() {
        check("fma32", 16, g -> {
            long a = g.value(S);
            long b = g.factor(S, a, false);
            return new long[] {a, b, g.fmaAddend(S, a, b)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.fma32((int) o[0], (int) o[1], (int) o[2], rm, f), f);
        }, (o, rm) -> ExactModel.fma(S, o[0], o[1], o[2], rm));
    }

    /** The caller builds FMSUB/FNMSUB/FNMADD by flipping signs: check against the exact definitions. */
    @Test
    void fmaVariantsBySignFlips() {
        long sd = D.signBit();
        check("fnmadd64", 21, g -> {
            long a = g.value(D);
            long b = g.factor(D, a, false);
            return new long[] {a, b, g.fmaAddend(D, a, b)};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.fma64(o[0] ^ sd, o[1], o[2] ^ sd, rm, f), f);
        }, (o, rm) -> ExactModel.fma(D, o[0] ^ sd, o[1], o[2] ^ sd, rm));
        check("fmsub32", 22, g -> {
            long a = g.value(S);
            long b = g.factor(S, a, false);
            return new long[] {a, b, g.fmaAddend(S, a, b) ^ S.signBit()};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.fma32((int) o[0], (int) o[1], (int) (o[2] ^ S.signBit()), rm, f), f);
        }, (o, rm) -> ExactModel.fma(S, o[0], o[1], o[2] ^ S.signBit(), rm));
    }

    // ---------------------------------------------------------------------------------
    // conversions
    // ---------------------------------------------------------------------------------

    @Test
    void cvt32From64() {
        check("cvt32From64", 31, g -> {
            long v = g.r.nextInt(3) == 0 ? g.value(D) : widen(g.value(S));
            if (g.r.nextBoolean() && !OperandGen.isSpecial(D, v)) v = g.nudge(D, v);
            if (g.r.nextInt(4) == 0) {  // near the binary32 subnormal and overflow thresholds
                long e = g.r.nextBoolean() ? 1023 - 126 - g.r.nextInt(28) : 1023 + 127 + g.r.nextInt(2);
                v = g.assemble(D, g.r.nextBoolean(), e, g.frac(D));
            }
            return new long[] {v};
        }, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.cvt32From64(o[0], rm, f), f);
        }, (o, rm) -> ExactModel.convert(D, S, o[0], rm));
    }

    private static long widen(long s) {
        float x = Float.intBitsToFloat((int) s);
        if (x != x) return 0x7ff0000000000000L | ((s & 0x80000000L) << 32) | ((s & 0x7fffffL) << 29);
        return Double.doubleToRawLongBits(x);
    }

    @Test
    void cvt64From32() {
        check("cvt64From32", 32, g -> new long[] {g.value(S)}, (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.cvt64From32((int) o[0], f), f);
        }, (o, rm) -> ExactModel.convert(S, D, o[0], rm));
    }

    interface ToInt64 {
        long apply(long a, int rm, FpFlags f);
    }

    interface ToInt32 {
        long apply(int a, int rm, FpFlags f);
    }

    @Test
    void floatToInt() {
        ToInt64[] d = {Fp::cvtWFrom64, Fp::cvtWUFrom64, Fp::cvtLFrom64, Fp::cvtLUFrom64};
        ToInt32[] s = {Fp::cvtWFrom32, Fp::cvtWUFrom32, Fp::cvtLFrom32, Fp::cvtLUFrom32};
        for (IntFmt t : IntFmt.values()) {
            ToInt64 fd = d[t.ordinal()];
            ToInt32 fs = s[t.ordinal()];
            check("cvt" + t + "From64", 40 + t.ordinal(), g -> new long[] {g.nearInteger(D)}, (o, rm) -> {
                FpFlags f = new FpFlags();
                return new Res(fd.apply(o[0], rm, f), f.flags);
            }, (o, rm) -> ExactModel.toInt(D, t, o[0], rm));
            check("cvt" + t + "From32", 50 + t.ordinal(), g -> new long[] {g.nearInteger(S)}, (o, rm) -> {
                FpFlags f = new FpFlags();
                return new Res(fs.apply((int) o[0], rm, f), f.flags);
            }, (o, rm) -> ExactModel.toInt(S, t, o[0], rm));
        }
    }

    @Test
    void intToFloat() {
        for (IntFmt t : IntFmt.values()) {
            check("cvt64From" + t, 60 + t.ordinal(), g -> new long[] {g.integer()}, (o, rm) -> {
                FpFlags f = new FpFlags();
                long v = o[0];
                long r = switch (t) {
                    case W -> Fp.cvt64FromW((int) v, rm, f);
                    case WU -> Fp.cvt64FromWU((int) v, rm, f);
                    case L -> Fp.cvt64FromL(v, rm, f);
                    case LU -> Fp.cvt64FromLU(v, rm, f);
                };
                return r64(r, f);
            }, (o, rm) -> ExactModel.fromInt(D, t, o[0], rm));
            check("cvt32From" + t, 70 + t.ordinal(), g -> new long[] {g.integer()}, (o, rm) -> {
                FpFlags f = new FpFlags();
                long v = o[0];
                int r = switch (t) {
                    case W -> Fp.cvt32FromW((int) v, rm, f);
                    case WU -> Fp.cvt32FromWU((int) v, rm, f);
                    case L -> Fp.cvt32FromL(v, rm, f);
                    case LU -> Fp.cvt32FromLU(v, rm, f);
                };
                return r32(r, f);
            }, (o, rm) -> ExactModel.fromInt(S, t, o[0], rm));
        }
    }

    // ---------------------------------------------------------------------------------
    // min/max, compares, classify (rounding mode irrelevant: each case runs five times)
    // ---------------------------------------------------------------------------------

    private static long[] pair(OperandGen g, Fmt fmt) {
        long a = g.value(fmt);
        int c = g.r.nextInt(4);
        long b = c == 0 ? a : c == 1 ? a ^ fmt.signBit() : c == 2 ? g.nudge(fmt, a) : g.value(fmt);
        return new long[] {a, b};
    }

    @Test
    void minMaxCompareClassify() {
        check("min64", 80, g -> pair(g, D), (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.min64(o[0], o[1], f), f);
        }, (o, rm) -> ExactModel.minMax(D, o[0], o[1], false));
        check("max64", 81, g -> pair(g, D), (o, rm) -> {
            FpFlags f = new FpFlags();
            return r64(Fp.max64(o[0], o[1], f), f);
        }, (o, rm) -> ExactModel.minMax(D, o[0], o[1], true));
        check("min32", 82, g -> pair(g, S), (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.min32((int) o[0], (int) o[1], f), f);
        }, (o, rm) -> ExactModel.minMax(S, o[0], o[1], false));
        check("max32", 83, g -> pair(g, S), (o, rm) -> {
            FpFlags f = new FpFlags();
            return r32(Fp.max32((int) o[0], (int) o[1], f), f);
        }, (o, rm) -> ExactModel.minMax(S, o[0], o[1], true));
        String[] ops = {"eq", "lt", "le"};
        for (String op : ops) {
            check(op + "64", 84, g -> pair(g, D), (o, rm) -> {
                FpFlags f = new FpFlags();
                boolean r = switch (op) {
                    case "eq" -> Fp.eq64(o[0], o[1], f);
                    case "lt" -> Fp.lt64(o[0], o[1], f);
                    default -> Fp.le64(o[0], o[1], f);
                };
                return new Res(r ? 1 : 0, f.flags);
            }, (o, rm) -> ExactModel.compare(D, o[0], o[1], op));
            check(op + "32", 85, g -> pair(g, S), (o, rm) -> {
                FpFlags f = new FpFlags();
                boolean r = switch (op) {
                    case "eq" -> Fp.eq32((int) o[0], (int) o[1], f);
                    case "lt" -> Fp.lt32((int) o[0], (int) o[1], f);
                    default -> Fp.le32((int) o[0], (int) o[1], f);
                };
                return new Res(r ? 1 : 0, f.flags);
            }, (o, rm) -> ExactModel.compare(S, o[0], o[1], op));
        }
        check("classify64", 86, g -> new long[] {g.value(D)},
                (o, rm) -> new Res(Fp.classify64(o[0]), 0), (o, rm) -> new Res(ExactModel.classify(D, o[0]), 0));
        check("classify32", 87, g -> new long[] {g.value(S)},
                (o, rm) -> new Res(Fp.classify32((int) o[0]), 0), (o, rm) -> new Res(ExactModel.classify(S, o[0]), 0));
    }
}
