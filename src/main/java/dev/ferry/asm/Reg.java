package dev.ferry.asm;

/**
 * Integer register numbers (x0..x31) under their ABI names, for use with {@link Assembler}.
 * Registers are plain {@code int}s so that tests can compute them ({@link #X(int)}).
 */
public final class Reg {
    private Reg() {}

    public static final int ZERO = 0, RA = 1, SP = 2, GP = 3, TP = 4;
    public static final int T0 = 5, T1 = 6, T2 = 7;
    public static final int S0 = 8, FP = 8, S1 = 9;
    public static final int A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15, A6 = 16, A7 = 17;
    public static final int S2 = 18, S3 = 19, S4 = 20, S5 = 21, S6 = 22, S7 = 23, S8 = 24, S9 = 25,
            S10 = 26, S11 = 27;
    public static final int T3 = 28, T4 = 29, T5 = 30, T6 = 31;

    private static final String[] NAMES = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"
    };

    /** Register xN. */
    public static int X(int n) {
        if (n < 0 || n > 31) throw new IllegalArgumentException("no integer register x" + n);
        return n;
    }

    /** ABI name of register xN ("a0", "zero", ...). */
    public static String name(int n) {
        return NAMES[X(n)];
    }
}
