package dev.ferry.asm;

/** Floating-point register numbers (f0..f31) under their ABI names, for use with {@link Assembler}. */
public final class FReg {
    private FReg() {}

    public static final int FT0 = 0, FT1 = 1, FT2 = 2, FT3 = 3, FT4 = 4, FT5 = 5, FT6 = 6, FT7 = 7;
    public static final int FS0 = 8, FS1 = 9;
    public static final int FA0 = 10, FA1 = 11, FA2 = 12, FA3 = 13, FA4 = 14, FA5 = 15, FA6 = 16, FA7 = 17;
    public static final int FS2 = 18, FS3 = 19, FS4 = 20, FS5 = 21, FS6 = 22, FS7 = 23, FS8 = 24, FS9 = 25,
            FS10 = 26, FS11 = 27;
    public static final int FT8 = 28, FT9 = 29, FT10 = 30, FT11 = 31;

    private static final String[] NAMES = {
        "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3",
        "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11",
        "ft8", "ft9", "ft10", "ft11"
    };

    /** Register fN. */
    public static int F(int n) {
        if (n < 0 || n > 31) throw new IllegalArgumentException("no floating-point register f" + n);
        return n;
    }

    /** ABI name of register fN ("fa0", "ft11", ...). */
    public static String name(int n) {
        return NAMES[F(n)];
    }
}
