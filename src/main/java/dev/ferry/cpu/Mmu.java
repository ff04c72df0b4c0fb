package dev.ferry.cpu;

import static dev.ferry.cpu.Hart.*;

import dev.ferry.memory.BusFault;
import dev.ferry.memory.RamBlock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Address translation (Bare, Sv39, Sv48, Sv57 with hardware A/D updates), PMP checks and the
 * software TLB with a direct path into guest RAM.
 *
 * <p>The TLB keeps one direct-mapped set per translation regime (U, S, S with SUM, M) so that
 * trap entry and SUM toggling need no flush. A hit yields an "addend" that turns the virtual
 * address into an offset in the main RAM segment. Write entries are installed only after the
 * page has been marked in the dirty log, so the common store path never touches the log; after
 * the log's consumer has harvested it, it bumps the epoch
 * ({@link dev.ferry.memory.AddressSpace#bumpDirtyEpoch}) and the hart drops its write entries at
 * its next check ({@link #checkDirtyEpoch}) and acknowledges (see VirtMachine.syncDirtyLog for
 * why in that order).
 */
public final class Mmu {
    static final int TLB_BITS = 8, TLB_SIZE = 1 << TLB_BITS, TLB_MASK = TLB_SIZE - 1;
    static final int IDX_U = 0, IDX_S = 1 << TLB_BITS, IDX_SUM = 2 << TLB_BITS, IDX_M = 3 << TLB_BITS;
    static final int READ = 0, WRITE = 1, EXEC = 2;

    static final long PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_G = 32, PTE_A = 64, PTE_D = 128;
    static final long PPN_MASK = (1L << 44) - 1;

    private static final ValueLayout.OfShort LE16 = RamBlock.LE16;
    private static final ValueLayout.OfInt LE32 = RamBlock.LE32;
    private static final ValueLayout.OfLong LE64 = RamBlock.LE64;
    private static final java.lang.invoke.VarHandle PTE_CAS = ValueLayout.JAVA_LONG.varHandle();

    private final Hart h;
    final RamBlock ram;
    final MemorySegment seg;
    private final long ramBase, ramSize;

    final long[] tagR = new long[4 * TLB_SIZE], tagW = new long[4 * TLB_SIZE], tagX = new long[4 * TLB_SIZE];
    final long[] addend = new long[4 * TLB_SIZE];
    /** A superpage is cached: an address-specific sfence.vma must flush everything. */
    private boolean cachedSuperpage;

    int dataIdx, fetchIdx;
    int dataPriv;
    private boolean dataTranslated, fetchTranslated;

    long fetchVpn = -1, fetchAddend;

    /** The dirty-log epoch this hart's write entries belong to; published as the acknowledgement. */
    private volatile long ackEpoch;

    Mmu(Hart h, RamBlock ram) {
        this.h = h;
        this.ram = ram;
        this.seg = ram.segment();
        this.ramBase = ram.base();
        this.ramSize = ram.size();
        flushAll();
    }

    // ---- mode and flushing ----

    /** Recomputes the translation regimes after a change of privilege, MPRV/MPP, SUM or satp. */
    void modeChanged() {
        int p = h.priv;
        long ms = h.mstatus;
        int dp = (p == PRV_M && (ms & MSTATUS_MPRV) != 0) ? (int) ((ms & MSTATUS_MPP) >>> MPP_SHIFT) : p;
        boolean paging = (h.satp >>> 60) != 0;
        dataPriv = dp;
        dataTranslated = dp != PRV_M && paging;
        fetchTranslated = p != PRV_M && paging;
        dataIdx = dp == PRV_M ? IDX_M : dp == PRV_U ? IDX_U : (ms & MSTATUS_SUM) != 0 ? IDX_SUM : IDX_S;
        fetchIdx = p == PRV_M ? IDX_M : p == PRV_U ? IDX_U : IDX_S;
        fetchVpn = -1;
    }

    public void flushAll() {
        java.util.Arrays.fill(tagR, -1);
        java.util.Arrays.fill(tagW, -1);
        java.util.Arrays.fill(tagX, -1);
        cachedSuperpage = false;
        modeChanged();
    }

    /** sfence.vma: by address (rs1 != x0) or everything; ASIDs are not cached separately. */
    void fence(long va, boolean byAddress) {
        if (!byAddress || cachedSuperpage) {
            flushAll();
            return;
        }
        long vpn = va >>> 12;
        int slot = (int) (vpn & TLB_MASK);
        for (int idx = 0; idx < 4; idx++) {
            int i = (idx << TLB_BITS) | slot;
            if (tagR[i] == vpn) tagR[i] = -1;
            if (tagW[i] == vpn) tagW[i] = -1;
            if (tagX[i] == vpn) tagX[i] = -1;
        }
        fetchVpn = -1;
    }

    /** Drops write entries when the dirty log was harvested since they were filled. */
    void checkDirtyEpoch() {
        long e = h.bus.dirtyEpoch();
        if (e != ackEpoch) {
            java.util.Arrays.fill(tagW, -1);
            ackEpoch = e;
        }
    }

    /** The dirty-log epoch whose harvest this hart has acknowledged. */
    public long acknowledgedDirtyEpoch() {
        return ackEpoch;
    }

    // ---- translation ----

    private TrapException pageFault(int kind, long va) {
        return h.raise(kind == READ ? Trap.LOAD_PAGE : kind == WRITE ? Trap.STORE_PAGE : Trap.INSN_PAGE, va);
    }

    private TrapException accessFault(int kind, long va) {
        return h.raise(kind == READ ? Trap.LOAD_ACCESS : kind == WRITE ? Trap.STORE_ACCESS : Trap.INSN_ACCESS, va);
    }

    /** Translates and checks one access of {@code size} bytes within a page; fills the TLB when it can. */
    long translate(long va, int size, int kind) {
        boolean fetch = kind == EXEC;
        int priv = fetch ? h.priv : dataPriv;
        boolean translated = fetch ? fetchTranslated : dataTranslated;
        long pa;
        boolean superpage = false;
        if (!translated) {
            pa = va;
        } else {
            long leaf = walk(va, kind, priv);
            pa = lastPa;
            superpage = lastLevel > 0;
            if (leaf == 0) throw pageFault(kind, va);
        }
        int pmpKind = kind == READ ? Pmp.R : kind == WRITE ? Pmp.W : Pmp.X;
        if (!h.pmp.allows(pa, size, priv, pmpKind)) throw accessFault(kind, va);
        fill(va, pa, kind, priv, superpage);
        return pa;
    }

    private void fill(long va, long pa, int kind, int priv, boolean superpage) {
        long paPage = pa & ~0xfffL;
        if (Long.compareUnsigned(paPage - ramBase, ramSize) >= 0) return; // only main RAM is cached
        int perms = h.pmp.pagePermissions(paPage, priv);
        if (perms < 0) return;
        long vpn = va >>> 12;
        int idx = kind == EXEC ? fetchIdx : dataIdx;
        int i = idx | (int) (vpn & TLB_MASK);
        long add = (paPage - ramBase) - (vpn << 12);
        if (tagR[i] != vpn && tagW[i] != vpn && tagX[i] != vpn) {
            tagR[i] = tagW[i] = tagX[i] = -1;
        } else if (addend[i] != add) {
            tagR[i] = tagW[i] = tagX[i] = -1;
        }
        addend[i] = add;
        if (superpage) cachedSuperpage = true;
        switch (kind) {
            case READ -> { if ((perms & Pmp.R) != 0) tagR[i] = vpn; }
            case EXEC -> { if ((perms & Pmp.X) != 0) tagX[i] = vpn; }
            default -> {
                if ((perms & Pmp.W) != 0) {
                    ram.dirtyLog().mark((paPage - ramBase) >>> RamBlock.PAGE_SHIFT);
                    tagW[i] = vpn;
                }
                if ((perms & Pmp.R) != 0) tagR[i] = vpn;
            }
        }
    }

    private long lastPa;
    private int lastLevel;

    /**
     * Walks the page table for {@code va}. Returns the leaf PTE (and sets lastPa/lastLevel), or 0
     * for a page fault; throws an access fault when a PTE cannot be read.
     */
    private long walk(long va, int kind, int priv) {
        int mode = (int) (h.satp >>> 60);
        int levels = mode - 5; // Sv39=8 -> 3, Sv48=9 -> 4, Sv57=10 -> 5
        int vaBits = 12 + 9 * levels;
        long top = va >> (vaBits - 1);
        if (top != 0 && top != -1) return 0;
        long a = (h.satp & PPN_MASK) << 12;
        long ms = h.mstatus;
        for (int level = levels - 1; level >= 0; level--) {
            long pteAddr = a + (((va >>> (12 + 9 * level)) & 511) << 3);
            if (!h.pmp.allows(pteAddr, 8, PRV_S, Pmp.R)) throw accessFault(kind, va);
            RamBlock b = h.bus.ramAt(pteAddr);
            if (b == null || pteAddr - b.base() + 8 > b.size()) throw accessFault(kind, va);
            long off = pteAddr - b.base();
            long pte = b.segment().get(LE64, off);
            if ((pte & PTE_V) == 0 || (pte & (PTE_R | PTE_W)) == PTE_W) return 0;
            if ((pte >>> 54) != 0) return 0; // reserved bits (no Svpbmt/Svnapot)
            long ppn = (pte >>> 10) & PPN_MASK;
            if ((pte & (PTE_R | PTE_X)) == 0) {
                if (level == 0) return 0;
                a = ppn << 12;
                continue;
            }
            // leaf
            if (priv == PRV_U) {
                if ((pte & PTE_U) == 0) return 0;
            } else if ((pte & PTE_U) != 0) {
                if (kind == EXEC || (ms & MSTATUS_SUM) == 0) return 0;
            }
            boolean ok = switch (kind) {
                case EXEC -> (pte & PTE_X) != 0;
                case READ -> (pte & PTE_R) != 0 || ((ms & MSTATUS_MXR) != 0 && (pte & PTE_X) != 0);
                default -> (pte & PTE_W) != 0;
            };
            if (!ok) return 0;
            long lowMask = (1L << (9 * level)) - 1;
            if ((ppn & lowMask) != 0) return 0; // misaligned superpage
            long want = pte | PTE_A | (kind == WRITE ? PTE_D : 0);
            if (want != pte) {
                if (b.readOnly()) throw accessFault(kind, va);
                if (!PTE_CAS.compareAndSet(b.segment(), off, pte, want)) {
                    return walk(va, kind, priv); // the PTE changed under us: walk again
                }
                b.markDirty(off, 8);
            }
            long pageMask = (1L << (12 + 9 * level)) - 1;
            lastPa = ((ppn << 12) & ~pageMask) | (va & pageMask);
            lastLevel = level;
            return want;
        }
        return 0;
    }

    // ---- data access ----

    public long load8(long va) {
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (tagR[i] == vpn) return seg.get(RamBlock.U8, addend[i] + va) & 0xffL;
        return loadSlow(va, 1);
    }

    public long load16(long va) {
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (tagR[i] == vpn && (va & 0xfff) <= 0xffe) return seg.get(LE16, addend[i] + va) & 0xffffL;
        return loadSlow(va, 2);
    }

    public long load32(long va) {
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (tagR[i] == vpn && (va & 0xfff) <= 0xffc) return seg.get(LE32, addend[i] + va) & 0xffffffffL;
        return loadSlow(va, 4);
    }

    public long load64(long va) {
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (tagR[i] == vpn && (va & 0xfff) <= 0xff8) return seg.get(LE64, addend[i] + va);
        return loadSlow(va, 8);
    }

    public void store8(long va, long v) {
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (tagW[i] == vpn) { seg.set(RamBlock.U8, addend[i] + va, (byte) v); return; }
        storeSlow(va, 1, v);
    }

    public void store16(long va, long v) {
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (tagW[i] == vpn && (va & 0xfff) <= 0xffe) { seg.set(LE16, addend[i] + va, (short) v); return; }
        storeSlow(va, 2, v);
    }

    public void store32(long va, long v) {
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (tagW[i] == vpn && (va & 0xfff) <= 0xffc) { seg.set(LE32, addend[i] + va, (int) v); return; }
        storeSlow(va, 4, v);
    }

    public void store64(long va, long v) {
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (tagW[i] == vpn && (va & 0xfff) <= 0xff8) { seg.set(LE64, addend[i] + va, v); return; }
        storeSlow(va, 8, v);
    }

    private long loadSlow(long va, int size) {
        if ((va & 0xfff) + size > 0x1000) { // crosses a page: byte by byte, little-endian
            long v = 0;
            for (int k = 0; k < size; k++) v |= loadSlow(va + k, 1) << (8 * k);
            return v;
        }
        long pa = translate(va, size, READ);
        try {
            return h.bus.read(pa, size);
        } catch (BusFault e) {
            throw accessFault(READ, va);
        }
    }

    private void storeSlow(long va, int size, long v) {
        if ((va & 0xfff) + size > 0x1000) {
            // check both pages before writing anything, so a fault leaves memory untouched; a
            // fault on the second page reports its first byte, as loads (and QEMU) do
            translate(va, 1, WRITE);
            translate((va | 0xfff) + 1, 1, WRITE);
            for (int k = 0; k < size; k++) storeSlow(va + k, 1, v >>> (8 * k));
            return;
        }
        long pa = translate(va, size, WRITE);
        try {
            h.bus.write(pa, size, v);
        } catch (BusFault e) {
            throw accessFault(WRITE, va);
        }
    }

    /**
     * Resolves an aligned atomic access: the offset of {@code va} in the main RAM segment, or -1
     * when it lies elsewhere (then the caller falls back to a non-atomic bus access at
     * {@link #lastAtomicPa}). Marks the page dirty when the access writes.
     */
    long atomicOffset(long va, int size, boolean write) {
        if ((va & (size - 1)) != 0) throw h.raise(write ? Trap.STORE_MISALIGNED : Trap.LOAD_MISALIGNED, va);
        long vpn = va >>> 12;
        int i = dataIdx | (int) (vpn & TLB_MASK);
        if (write ? tagW[i] == vpn : tagR[i] == vpn) return addend[i] + va;
        long pa = translate(va, size, write ? WRITE : READ);
        lastAtomicPa = pa;
        if (Long.compareUnsigned(pa - ramBase, ramSize) < 0) {
            if (write) ram.markDirty(pa - ramBase, size);
            return pa - ramBase;
        }
        return -1;
    }

    long lastAtomicPa;

    long busRead(long pa, int size, int kind, long va) {
        try {
            return h.bus.read(pa, size);
        } catch (BusFault e) {
            throw accessFault(kind, va);
        }
    }

    void busWrite(long pa, int size, long v, long va) {
        try {
            h.bus.write(pa, size, v);
        } catch (BusFault e) {
            throw accessFault(WRITE, va);
        }
    }

    // ---- instruction fetch ----

    /**
     * Fetches the instruction at {@code pc}: a 16-bit parcel (zero-extended) when its low bits
     * are not 11, otherwise the 32-bit instruction (which may straddle two pages).
     */
    int fetch(long pc) {
        long vpn = pc >>> 12;
        if (vpn != fetchVpn) {
            if (!refillFetch(pc)) return fetchSlow(pc);
        }
        long off = fetchAddend + pc;
        int lo = seg.get(LE16, off) & 0xffff;
        if ((lo & 3) != 3) return lo;
        if ((pc & 0xfff) != 0xffe) return seg.get(LE32, off);
        return lo | (fetchParcel(pc + 2) << 16);
    }

    private boolean refillFetch(long pc) {
        long vpn = pc >>> 12;
        int i = fetchIdx | (int) (vpn & TLB_MASK);
        if (tagX[i] != vpn) {
            translate(pc, 2, EXEC);
            if (tagX[i] != vpn) return false;
        }
        fetchVpn = vpn;
        fetchAddend = addend[i];
        return true;
    }

    private int fetchSlow(long pc) {
        int lo = fetchParcel(pc);
        if ((lo & 3) != 3) return lo;
        return lo | (fetchParcel(pc + 2) << 16);
    }

    private int fetchParcel(long va) {
        long pa = translate(va, 2, EXEC);
        if (h.bus.ramAt(pa) == null) throw accessFault(EXEC, va); // no execution from device registers
        try {
            return (int) h.bus.read(pa, 2);
        } catch (BusFault e) {
            throw accessFault(EXEC, va);
        }
    }

    /** Physical address for a virtual one as the current data regime sees it, or -1 (debugger/monitor use). */
    public long debugTranslate(long va) {
        try {
            return translate(va, 1, READ);
        } catch (TrapException e) {
            return -1;
        }
    }
}
