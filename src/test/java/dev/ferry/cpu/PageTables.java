package dev.ferry.cpu;

/**
 * Builds Sv39/Sv48/Sv57 page tables in guest RAM from Java, allocating table pages from a pool
 * (each allocated page is zeroed).
 */
final class PageTables {
    static final long V = 1, R = 2, W = 4, X = 8, U = 16, G = 32, A = 64, D = 128;
    static final long PPN_MASK = (1L << 44) - 1;
    static final int SV39 = 8, SV48 = 9, SV57 = 10;

    private final TestMachine m;
    final int mode, levels;
    final long root;
    private long next;

    PageTables(TestMachine m, int mode, long pool) {
        this.m = m;
        this.mode = mode;
        this.levels = mode - 5;
        this.next = pool;
        this.root = allocate();
    }

    long allocate() {
        long pa = next;
        next += 4096;
        for (int i = 0; i < 4096; i += 8) m.write64(pa + i, 0);
        return pa;
    }

    long satp() {
        return ((long) mode << 60) | (root >>> 12);
    }

    private static long index(long va, int level) {
        return (va >>> (12 + 9 * level)) & 511;
    }

    /** Physical address of the PTE that maps {@code va} at {@code level}, creating the tables above it. */
    long pteAddress(long va, int level) {
        long table = root;
        for (int l = levels - 1; l > level; l--) {
            long at = table + 8 * index(va, l);
            long pte = m.read64(at);
            if ((pte & V) == 0) {
                long t = allocate();
                pte = ((t >>> 12) << 10) | V;
                m.write64(at, pte);
            } else if ((pte & (R | X)) != 0) {
                throw new IllegalStateException("a leaf at level " + l + " maps 0x" + Long.toHexString(va));
            }
            table = ((pte >>> 10) & PPN_MASK) << 12;
        }
        return table + 8 * index(va, level);
    }

    /** Maps the page (level 0: 4 KiB, 1: 2 MiB, 2: 1 GiB, ...) at {@code va} to {@code pa}; V is added to flags. */
    PageTables map(long va, long pa, int level, long flags) {
        m.write64(pteAddress(va, level), ((pa >>> 12) << 10) | flags | V);
        return this;
    }

    /** Maps 4 KiB pages. */
    PageTables map(long va, long pa, long flags) {
        return map(va, pa, 0, flags);
    }

    /** Writes a raw PTE. */
    PageTables set(long va, int level, long pte) {
        m.write64(pteAddress(va, level), pte);
        return this;
    }

    long pte(long va, int level) {
        return m.read64(pteAddress(va, level));
    }

    long pte(long va) {
        return pte(va, 0);
    }

    /** A leaf PTE value. */
    static long leaf(long pa, long flags) {
        return ((pa >>> 12) << 10) | flags | V;
    }
}
