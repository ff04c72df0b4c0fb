package dev.ferry.cpu;

/**
 * Physical memory protection: 16 entries (as QEMU 7.2 implements), OFF/TOR/NA4/NAPOT matching,
 * the lock bit, granularity 4 bytes. M-mode accesses are checked only against locked entries;
 * S- and U-mode accesses that match no entry fail.
 */
public final class Pmp {
    public static final int ENTRIES = 16;
    public static final int R = 1, W = 2, X = 4, A_SHIFT = 3, L = 0x80;
    static final int A_OFF = 0, A_TOR = 1, A_NA4 = 2, A_NAPOT = 3;
    static final long ADDR_MASK = (1L << 54) - 1;

    final byte[] cfg = new byte[ENTRIES];
    final long[] addr = new long[ENTRIES];
    // decoded ranges [lo, hi) (hi exclusive, unsigned), valid when mode != OFF
    private final long[] lo = new long[ENTRIES], hi = new long[ENTRIES];
    private boolean anyActive;

    void reset() {
        java.util.Arrays.fill(cfg, (byte) 0);
        java.util.Arrays.fill(addr, 0);
        decode();
    }

    /** True when some entry is configured (its state then travels with the hart's). */
    boolean inUse() {
        for (int e = 0; e < ENTRIES; e++) if (cfg[e] != 0 || addr[e] != 0) return true;
        return false;
    }

    long readCfg(int reg) {
        long v = 0;
        for (int i = 0; i < 8; i++) v |= (cfg[reg * 8 + i] & 0xffL) << (8 * i);
        return v;
    }

    void writeCfg(int reg, long v) {
        for (int i = 0; i < 8; i++) {
            int e = reg * 8 + i;
            int b = (int) (v >>> (8 * i)) & 0xff;
            if ((cfg[e] & L) != 0) continue; // locked until reset
            if ((b & (R | W)) == W) continue; // reserved encoding R=0 W=1: write ignored
            cfg[e] = (byte) (b & 0x9f);
        }
        decode();
    }

    void writeAddr(int e, long v) {
        if ((cfg[e] & L) != 0) return;
        if (e + 1 < ENTRIES && (cfg[e + 1] & L) != 0 && mode(e + 1) == A_TOR) return;
        addr[e] = v & ADDR_MASK;
        decode();
    }

    private int mode(int e) {
        return (cfg[e] >>> A_SHIFT) & 3;
    }

    /** Recomputes decoded ranges; call after restoring cfg/addr from saved state. */
    void decode() {
        anyActive = false;
        for (int e = 0; e < ENTRIES; e++) {
            switch (mode(e)) {
                case A_TOR -> { lo[e] = e == 0 ? 0 : addr[e - 1] << 2; hi[e] = addr[e] << 2; }
                case A_NA4 -> { lo[e] = addr[e] << 2; hi[e] = lo[e] + 4; }
                case A_NAPOT -> {
                    long a = addr[e];
                    long mask = a ^ (a + 1); // trailing ones and the zero above them
                    lo[e] = (a & ~mask) << 2;
                    hi[e] = lo[e] + ((mask + 1) << 2);
                }
                default -> { lo[e] = hi[e] = 0; }
            }
            if (mode(e) != A_OFF) anyActive = true;
        }
    }

    private boolean overlaps(int e, long start, long endExcl) {
        return mode(e) != A_OFF && Long.compareUnsigned(start, hi[e]) < 0 && Long.compareUnsigned(lo[e], endExcl) < 0
                && Long.compareUnsigned(lo[e], hi[e]) < 0;
    }

    private boolean covers(int e, long start, long endExcl) {
        return Long.compareUnsigned(lo[e], start) <= 0 && Long.compareUnsigned(endExcl, hi[e]) <= 0;
    }

    /** True when an access of {@code size} bytes at {@code pa} of the given kind (R, W or X) is allowed. */
    boolean allows(long pa, int size, int priv, int kind) {
        if (!anyActive) return priv == Hart.PRV_M;
        long end = pa + size;
        for (int e = 0; e < ENTRIES; e++) {
            if (!overlaps(e, pa, end)) continue;
            if (!covers(e, pa, end)) return false; // partial match fails
            if (priv == Hart.PRV_M && (cfg[e] & L) == 0) return true;
            return (cfg[e] & kind) != 0;
        }
        return priv == Hart.PRV_M;
    }

    /**
     * The permissions (R|W|X) that hold for every byte of the 4 KiB page at {@code pagePa}, or -1
     * when they differ within the page (then the TLB must not cache it).
     */
    int pagePermissions(long pagePa, int priv) {
        if (!anyActive) return priv == Hart.PRV_M ? R | W | X : 0;
        long end = pagePa + 4096;
        for (int e = 0; e < ENTRIES; e++) {
            if (!overlaps(e, pagePa, end)) continue;
            if (!covers(e, pagePa, end)) return -1;
            if (priv == Hart.PRV_M && (cfg[e] & L) == 0) return R | W | X;
            return cfg[e] & (R | W | X);
        }
        return priv == Hart.PRV_M ? R | W | X : 0;
    }
}
