package dev.ferry.asm;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@code li} pseudo-instruction: every sequence is run through a small evaluator of
 * lui/addi/addiw/slli/srli written here from the specification, and its length is compared with
 * the expansion GNU as (binutils 2.40) chooses for the same constant.
 */
class LoadImmediateTest {

    /** {value, number of instructions GNU as emits for "li a0, value"}. */
    static final long[][] CONSTANTS = {
            {0x0000000000000000L, 1},
            {0x0000000000000001L, 1},
            {0xffffffffffffffffL, 1},
            {0x00000000000007ffL, 1},
            {0x0000000000000800L, 2},
            {0xfffffffffffff800L, 1},
            {0xfffffffffffff7ffL, 2},
            {0x0000000000000fffL, 2},
            {0x0000000000001000L, 1},
            {0x0000000000012345L, 2},
            {0x0000000012345678L, 2},
            {0x000000007ffff7ffL, 2},
            {0x000000007ffff800L, 2},
            {0x000000007fffffffL, 2},
            {0x0000000080000000L, 2},
            {0xffffffff80000000L, 1},
            {0xffffffff7fffffffL, 3},
            {0x00000000ffffffffL, 3},
            {0x0000000100000000L, 2},
            {0x0000000100000001L, 3},
            {0x00000000fffff800L, 3},
            {0x00000007ffffffffL, 3},
            {0x0000000010000000L, 1},
            {0x0000000080001234L, 4},
            {0x123456789abcdef0L, 8},
            {0xdeadbeefcafebabeL, 8},
            {0x8000000000000000L, 2},
            {0x7fffffffffffffffL, 3},
            {0x8000000000000001L, 3},
            {0x00ff00ff00ff00ffL, 6},
            {0xff00ff00ff00ff00L, 6},
            {0x7ffffffffffff800L, 3},
            {0x4000000000000000L, 2},
            {0x0000010000000000L, 2},
            {0xffffff0000000000L, 2},
            {0xfffffffffffff000L, 1},
            {0xffffffff00000000L, 2},
            {0x0000ffffffffffffL, 3},
            {0xffff000000000000L, 2},
            {0x8000000080000000L, 4},
            {0x5555555555555555L, 8},
            {0xaaaaaaaaaaaaaaaaL, 8},
            {0x0123456789abcdefL, 8},
            {0xfedcba9876543210L, 8},
            {0x1234567800000000L, 3},
            {0x1234500000000000L, 3},
            {0x7ff0000000000000L, 2},
            {0x3ff0000000000000L, 2},
            {0x400921fb54442d18L, 8},
            {0xc000000000000000L, 2},
            {0x8000000000000800L, 5},
            {0x00000fffffffffffL, 3},
            {0x1fffffffffffffffL, 3},
            {0x0000000080000800L, 4},
            {0x000000007ffff801L, 2},
            {0x0000000002000000L, 1},
            {0x000000000c000000L, 1},
            {0x000000000c200000L, 1},
            {0x0000000010001000L, 1},
            {0x0000000000101000L, 1},
            {0xf000000000000001L, 3},
            {0xfffffedcba987544L, 4},
    };

    @Test
    void constantsLoadExactlyAndNoLongerThanGnuAs() {
        for (long[] c : CONSTANTS) {
            int[] code = words(A0, c[0]);
            assertEquals(c[0], run(A0, code), () -> "li 0x" + Long.toHexString(c[0]));
            assertTrue(code.length <= c[1], () -> "li 0x" + Long.toHexString(c[0]) + ": " + code.length + " instructions, GNU as uses " + c[1]);
        }
    }

    @Test
    void smallAndThirtyTwoBitValuesUseAtMostTwoInstructions() {
        for (long v : new long[] {0, 1, -1, 2047, -2048}) assertEquals(1, words(T0, v).length, Long.toHexString(v));
        Random r = new Random(1);
        for (int i = 0; i < 20000; i++) {
            long v = r.nextInt();
            int[] code = words(T0, v);
            assertEquals(v, run(T0, code));
            assertTrue(code.length <= 2, () -> "li 0x" + Long.toHexString(v) + " took " + code.length);
        }
    }

    @Test
    void randomSixtyFourBitValues() {
        Random r = new Random(42);
        for (int i = 0; i < 50000; i++) {
            long v = switch (i % 5) {
                case 0 -> r.nextLong();
                case 1 -> r.nextLong() >>> r.nextInt(64);                  // leading zeros
                case 2 -> r.nextLong() << r.nextInt(64);                   // trailing zeros
                case 3 -> (r.nextLong() >> r.nextInt(64)) ^ (1L << r.nextInt(64));
                default -> ((long) r.nextInt(4096) << r.nextInt(52)) - r.nextInt(4096);
            };
            int rd = 1 + r.nextInt(31);
            int[] code = words(rd, v);
            assertEquals(v, run(rd, code), () -> "li 0x" + Long.toHexString(v));
            assertTrue(code.length <= 8, () -> "li 0x" + Long.toHexString(v) + " took " + code.length);
        }
    }

    @Test
    void everyPowerOfTwoAndItsNeighbours() {
        for (int b = 0; b < 64; b++) {
            for (long d = -2; d <= 2; d++) {
                for (long v : new long[] {(1L << b) + d, -(1L << b) + d, ~(1L << b) + d}) {
                    int[] code = words(S11, v);
                    assertEquals(v, run(S11, code), () -> "li 0x" + Long.toHexString(v));
                    assertTrue(code.length <= 4, () -> "li 0x" + Long.toHexString(v) + " took " + code.length);
                }
            }
        }
    }

    @Test
    void liToZeroRegisterIsAllowedAndOthersAreUntouched() {
        int[] code = words(ZERO, 0x1234_5678_9abc_def0L);
        for (int w : code) assertEquals(0, (w >>> 7) & 31, "rd");
        assertThrows(IllegalArgumentException.class, () -> new Assembler(0).li(32, 1));
    }

    static int[] words(int rd, long value) {
        byte[] b = new Assembler(0x8000_0000L).li(rd, value).assemble();
        int[] w = new int[b.length / 4];
        for (int i = 0; i < w.length; i++) {
            w[i] = (b[4 * i] & 0xff) | (b[4 * i + 1] & 0xff) << 8 | (b[4 * i + 2] & 0xff) << 16 | (b[4 * i + 3] & 0xff) << 24;
        }
        return w;
    }

    /** Runs lui/addi/addiw/slli/srli on a register file; fails on anything else or a foreign register. */
    static long run(int rd, int[] code) {
        long[] x = new long[32];
        for (int w : code) {
            int opcode = w & 0x7f, d = (w >>> 7) & 31, f3 = (w >>> 12) & 7, s1 = (w >>> 15) & 31;
            long immI = w >> 20;
            assertEquals(rd, d, "only rd is written");
            assertTrue(opcode == 0x37 || s1 == rd || s1 == 0, "reads rd or zero");
            long src = x[s1];
            long res;
            if (opcode == 0x37) {
                res = (long) (w & 0xfffff000);
            } else if (opcode == 0x13 && f3 == 0) {
                res = src + immI;
            } else if (opcode == 0x1b && f3 == 0) {
                res = (int) (src + immI);
            } else if (opcode == 0x13 && f3 == 1 && (w >>> 26) == 0) {
                res = src << ((w >>> 20) & 63);
            } else if (opcode == 0x13 && f3 == 5 && (w >>> 26) == 0) {
                res = src >>> ((w >>> 20) & 63);
            } else {
                throw new AssertionError("unexpected instruction " + Integer.toHexString(w));
            }
            if (d != 0) x[d] = res;
        }
        return x[rd];
    }
}
