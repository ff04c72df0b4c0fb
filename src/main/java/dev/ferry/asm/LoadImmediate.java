package dev.ferry.asm;

import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the instruction sequence of the {@code li} pseudo-instruction: steps of lui, addi,
 * addiw, slli and srli, each applied to the destination register (the first addi reads x0).
 */
final class LoadImmediate {
    private LoadImmediate() {}

    static final int LUI = 0, ADDI = 1, ADDIW = 2, SLLI = 3, SRLI = 4;

    /** The steps {kind, immediate} that leave {@code value} in the destination register. */
    static List<long[]> sequence(long value) {
        List<long[]> seq = build(value);
        long got = evaluate(seq);
        if (got != value) {
            throw new IllegalStateException("li: sequence for 0x" + Long.toHexString(value) + " yields 0x" + Long.toHexString(got));
        }
        return seq;
    }

    private static List<long[]> build(long v) {
        if (v == (int) v) {
            List<long[]> seq = new ArrayList<>(2);
            long hi = (v + 0x800) >> 12;       // upper 20 bits, rounded so that the low part is signed
            long lo = v - (hi << 12);          // in [-2048, 2047]
            if (hi == 0) {
                seq.add(new long[] {ADDI, lo});
            } else {
                seq.add(new long[] {LUI, hi & 0xfffff});
                // addiw wraps at 32 bits, which is what makes lui 0x80000 + negative low part right
                if (lo != 0) seq.add(new long[] {ADDIW, lo});
            }
            return seq;
        }
        List<long[]> best = null;

        // Build (v - lo) shifted right, shift it back, add the low 12 bits.
        long lo = (v << 52) >> 52;
        long rest = v - lo;
        int tz = Long.numberOfTrailingZeros(rest);
        for (int shift = tz; shift > 0; shift -= 12) {
            // a smaller shift can let the upper part end in 12 zero bits, which lui produces for free
            List<long[]> seq = new ArrayList<>(build(rest >> shift));
            seq.add(new long[] {SLLI, shift});
            if (lo != 0) seq.add(new long[] {ADDI, lo});
            best = shorter(best, seq);
            if (shift != tz) break;
        }

        // Positive values with leading zeros: build the value shifted to the top (with ones or
        // zeros shifted in), then shift it back down logically.
        int lz = Long.numberOfLeadingZeros(v);
        if (lz > 0) {
            long up = v << lz;
            for (long candidate : new long[] {up, up | ((1L << lz) - 1)}) {
                List<long[]> seq = new ArrayList<>(build(candidate));
                seq.add(new long[] {SRLI, lz});
                best = shorter(best, seq);
            }
        }
        return best;
    }

    private static List<long[]> shorter(List<long[]> a, List<long[]> b) {
        return a == null || b.size() < a.size() ? b : a;
    }

    static long evaluate(List<long[]> seq) {
        long x = 0;
        for (long[] op : seq) {
            switch ((int) op[0]) {
                case LUI -> x = (long) (int) (op[1] << 12);
                case ADDI -> x = x + op[1];
                case ADDIW -> x = (long) (int) (x + op[1]);
                case SLLI -> x = x << op[1];
                case SRLI -> x = x >>> op[1];
                default -> throw new IllegalStateException();
            }
        }
        return x;
    }
}
