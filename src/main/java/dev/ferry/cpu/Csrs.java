package dev.ferry.cpu;

import static dev.ferry.cpu.Hart.*;

/**
 * Control and status registers: numbers, access rules (privilege, read-only, counter enables,
 * FS, TVM, Sstc) and the WARL behaviour of each register. An access that is not allowed throws
 * the hart's illegal-instruction trap.
 */
public final class Csrs {
    private Csrs() {}

    public static final int FFLAGS = 0x001, FRM = 0x002, FCSR = 0x003;
    public static final int CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02, HPMCOUNTER3 = 0xc03, HPMCOUNTER31 = 0xc1f;
    public static final int SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105, SCOUNTEREN = 0x106, SENVCFG = 0x10a,
            SSCRATCH = 0x140, SEPC = 0x141, SCAUSE = 0x142, STVAL = 0x143, SIP = 0x144, STIMECMP = 0x14d, SATP = 0x180;
    public static final int MSTATUS = 0x300, MISA = 0x301, MEDELEG = 0x302, MIDELEG = 0x303, MIE = 0x304,
            MTVEC = 0x305, MCOUNTEREN = 0x306, MENVCFG = 0x30a, MCOUNTINHIBIT = 0x320, MHPMEVENT3 = 0x323,
            MHPMEVENT31 = 0x33f, MSCRATCH = 0x340, MEPC = 0x341, MCAUSE = 0x342, MTVAL = 0x343, MIP = 0x344,
            PMPCFG0 = 0x3a0, PMPCFG2 = 0x3a2, PMPADDR0 = 0x3b0, PMPADDR15 = 0x3bf,
            MCYCLE = 0xb00, MINSTRET = 0xb02, MHPMCOUNTER3 = 0xb03, MHPMCOUNTER31 = 0xb1f,
            MVENDORID = 0xf11, MARCHID = 0xf12, MIMPID = 0xf13, MHARTID = 0xf14, MCONFIGPTR = 0xf15;

    static final long MENVCFG_FIOM = 1, MENVCFG_STCE = 1L << 63;
    /** marchid and mimpid of QEMU's generic CPUs: its version, here 7.2.0 (major << 16 | minor << 8 | micro). */
    static final long QEMU_ARCH_IMP_ID = (7 << 16) | (2 << 8);
    static final long MSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP
            | MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW
            | MSTATUS_TSR;
    static final long SSTATUS_VISIBLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_FS
            | MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD;
    static final long SSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM
            | MSTATUS_MXR;
    static final long S_INTERRUPTS = (1L << Trap.IRQ_SSI) | (1L << Trap.IRQ_STI) | (1L << Trap.IRQ_SEI);
    static final long ALL_INTERRUPTS = S_INTERRUPTS | (1L << Trap.IRQ_MSI) | (1L << Trap.IRQ_MTI) | (1L << Trap.IRQ_MEI);
    /** Exceptions M-mode may delegate: all defined ones but environment calls from M-mode. */
    static final long DELEGABLE_EXCEPTIONS = 0b1011_0011_1111_1111L;

    private static TrapException illegal(Hart h) {
        return h.illegalInstruction();
    }

    /** Privilege and existence checks common to reads and writes. */
    private static void checkAccess(Hart h, int csr, boolean write) {
        int minPriv = (csr >>> 8) & 3;
        if (h.priv < minPriv) throw illegal(h);
        if (write && (csr >>> 10) == 3) throw illegal(h);
    }

    /**
     * Counter access from below M. QEMU 7.2 checks mcounteren for S-mode only and lets U-mode
     * read every counter whatever mcounteren and scounteren say; Linux 6.1 relies on that (it
     * leaves scounteren at 0 and its vDSO reads {@code time} from user space), so Ferry does
     * the same.
     */
    private static void checkCounter(Hart h, int index) {
        if (h.priv == PRV_S && ((h.mcounteren >>> index) & 1) == 0) throw illegal(h);
    }

    private static void checkFs(Hart h) {
        if ((h.mstatus & MSTATUS_FS) == FS_OFF) throw illegal(h);
    }

    static long mstatusWithSd(long s) {
        return ((s & MSTATUS_FS) == MSTATUS_FS || (s & MSTATUS_XS) == MSTATUS_XS) ? s | MSTATUS_SD : s & ~MSTATUS_SD;
    }

    static long cycleValue(Hart h) {
        return (h.mcountinhibit & 1) != 0 ? h.cycleOffset : h.instret - h.cycleOffset;
    }

    static long instretValue(Hart h) {
        return (h.mcountinhibit & 4) != 0 ? h.instretOffset : h.instret - h.instretOffset;
    }

    /**
     * Reads a CSR. {@code forWrite} is set for the read half of a read-modify-write, where
     * mip's SEIP must come from the software-writable bit alone.
     */
    static long read(Hart h, int csr, boolean forWrite) {
        checkAccess(h, csr, false);
        switch (csr) {
            case FFLAGS: checkFs(h); return h.fpFlags.flags;
            case FRM: checkFs(h); return h.frm;
            case FCSR: checkFs(h); return (h.frm << 5) | h.fpFlags.flags;
            case CYCLE: checkCounter(h, 0); return cycleValue(h);
            case TIME: checkCounter(h, 1); return h.clock.now();
            case INSTRET: checkCounter(h, 2); return instretValue(h);
            case SSTATUS: return mstatusWithSd(h.mstatus) & SSTATUS_VISIBLE;
            case SIE: return h.mie & h.mideleg;
            case STVEC: return h.stvec;
            case SCOUNTEREN: return h.scounteren;
            case SENVCFG: return h.senvcfg;
            case SSCRATCH: return h.sscratch;
            case SEPC: return h.sepc;
            case SCAUSE: return h.scause;
            case STVAL: return h.stval;
            case SIP: return (forWrite ? h.mipSw : h.mip()) & h.mideleg & S_INTERRUPTS;
            case STIMECMP: checkSstc(h); return h.stimecmp;
            case SATP:
                if (h.priv == PRV_S && (h.mstatus & MSTATUS_TVM) != 0) throw illegal(h);
                return h.satp;
            case MSTATUS: return mstatusWithSd(h.mstatus);
            case MISA: return Hart.MISA;
            case MEDELEG: return h.medeleg;
            case MIDELEG: return h.mideleg;
            case MIE: return h.mie;
            case MTVEC: return h.mtvec;
            case MCOUNTEREN: return h.mcounteren;
            case MENVCFG: return h.menvcfg;
            case MCOUNTINHIBIT: return h.mcountinhibit;
            case MSCRATCH: return h.mscratch;
            case MEPC: return h.mepc;
            case MCAUSE: return h.mcause;
            case MTVAL: return h.mtval;
            case MIP: return forWrite ? h.mipSw | (h.mip() & ~(1L << Trap.IRQ_SEI)) : h.mip();
            case PMPCFG0: return h.pmp.readCfg(0);
            case PMPCFG2: return h.pmp.readCfg(1);
            case MCYCLE: return cycleValue(h);
            case MINSTRET: return instretValue(h);
            case MVENDORID, MCONFIGPTR: return 0;
            case MARCHID, MIMPID: return QEMU_ARCH_IMP_ID;
            case MHARTID: return h.hartId;
            default:
                if (csr >= PMPADDR0 && csr <= PMPADDR15) return h.pmp.addr[csr - PMPADDR0];
                if (csr >= HPMCOUNTER3 && csr <= HPMCOUNTER31) { checkCounter(h, csr - CYCLE); return 0; }
                if (csr >= MHPMCOUNTER3 && csr <= MHPMCOUNTER31) return 0;
                if (csr >= MHPMEVENT3 && csr <= MHPMEVENT31) return 0;
                throw illegal(h);
        }
    }

    private static void checkSstc(Hart h) {
        if (h.priv == PRV_M) return;
        if (((h.mcounteren >>> 1) & 1) == 0 || (h.menvcfg & MENVCFG_STCE) == 0) throw illegal(h);
    }

    static void write(Hart h, int csr, long v) {
        checkAccess(h, csr, true);
        switch (csr) {
            case FFLAGS -> { checkFs(h); h.fpFlags.flags = (int) (v & 0x1f); dirtyFs(h); }
            case FRM -> { checkFs(h); h.frm = (int) (v & 7); dirtyFs(h); }
            case FCSR -> { checkFs(h); h.fpFlags.flags = (int) (v & 0x1f); h.frm = (int) ((v >>> 5) & 7); dirtyFs(h); }
            case SSTATUS -> writeMstatus(h, (h.mstatus & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE));
            case SIE -> h.mie = (h.mie & ~h.mideleg) | (v & h.mideleg & S_INTERRUPTS);
            case STVEC -> { if ((v & 3) < 2) h.stvec = v; }
            case SCOUNTEREN -> h.scounteren = v & 0xffffffffL;
            case SENVCFG -> h.senvcfg = v & MENVCFG_FIOM;
            case SSCRATCH -> h.sscratch = v;
            case SEPC -> h.sepc = v & ~1L;
            case SCAUSE -> h.scause = v;
            case STVAL -> h.stval = v;
            case SIP -> {
                long mask = h.mideleg & (1L << Trap.IRQ_SSI);
                h.mipSw = (h.mipSw & ~mask) | (v & mask);
            }
            case STIMECMP -> { checkSstc(h); h.stimecmp = v; h.updateTimers(); }
            case SATP -> {
                if (h.priv == PRV_S && (h.mstatus & MSTATUS_TVM) != 0) throw illegal(h);
                int mode = (int) (v >>> 60);
                if (mode != 0 && mode != 8 && mode != 9 && mode != 10) return; // unsupported: satp unchanged
                h.satp = v;
                h.mmu.flushAll();
            }
            case MSTATUS -> writeMstatus(h, (h.mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE));
            case MISA -> { } // WARL: the extensions are fixed
            case MEDELEG -> h.medeleg = v & DELEGABLE_EXCEPTIONS;
            case MIDELEG -> h.mideleg = v & S_INTERRUPTS;
            case MIE -> h.mie = v & ALL_INTERRUPTS;
            case MTVEC -> { if ((v & 3) < 2) h.mtvec = v; }
            case MCOUNTEREN -> h.mcounteren = v & 0xffffffffL;
            case MENVCFG -> { h.menvcfg = v & (MENVCFG_FIOM | MENVCFG_STCE); h.updateTimers(); }
            case MCOUNTINHIBIT -> writeCountInhibit(h, v & 0xfffffffdL);
            case MSCRATCH -> h.mscratch = v;
            case MEPC -> h.mepc = v & ~1L;
            case MCAUSE -> h.mcause = v;
            case MTVAL -> h.mtval = v;
            case MIP -> {
                long mask = (1L << Trap.IRQ_SSI) | (1L << Trap.IRQ_SEI) | (h.sstcEnabled() ? 0 : 1L << Trap.IRQ_STI);
                h.mipSw = (h.mipSw & ~mask) | (v & mask);
            }
            case PMPCFG0 -> { h.pmp.writeCfg(0, v); h.mmu.flushAll(); }
            case PMPCFG2 -> { h.pmp.writeCfg(1, v); h.mmu.flushAll(); }
            case MCYCLE -> h.cycleOffset = (h.mcountinhibit & 1) != 0 ? v : h.instret - v;
            case MINSTRET -> h.instretOffset = (h.mcountinhibit & 4) != 0 ? v : h.instret - v;
            default -> {
                if (csr >= PMPADDR0 && csr <= PMPADDR15) {
                    h.pmp.writeAddr(csr - PMPADDR0, v);
                    h.mmu.flushAll();
                } else if ((csr >= MHPMCOUNTER3 && csr <= MHPMCOUNTER31) || (csr >= MHPMEVENT3 && csr <= MHPMEVENT31)) {
                    // hardware performance counters are hard-wired to zero
                } else {
                    throw illegal(h);
                }
            }
        }
        h.sliceLeft = 0; // enables or pending bits may have changed: re-check interrupts now
    }

    /**
     * Called after a CSR instruction wrote {@code csr}. The instruction that writes minstret
     * (or mcycle, which counts alongside it) does not also count itself: the next instruction
     * reads exactly the value written.
     */
    static void writtenByInstruction(Hart h, int csr) {
        if (csr == MINSTRET && (h.mcountinhibit & 4) == 0) h.instretOffset++;
        else if (csr == MCYCLE && (h.mcountinhibit & 1) == 0) h.cycleOffset++;
    }

    private static void dirtyFs(Hart h) {
        h.mstatus |= FS_DIRTY;
    }

    private static void writeMstatus(Hart h, long nv) {
        if (((nv & MSTATUS_MPP) >>> MPP_SHIFT) == 2) nv = (nv & ~MSTATUS_MPP) | (h.mstatus & MSTATUS_MPP); // WARL
        long changed = nv ^ h.mstatus;
        h.mstatus = nv;
        if ((changed & MSTATUS_MXR) != 0) h.mmu.flushAll();
        else if ((changed & (MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM)) != 0) h.mmu.modeChanged();
    }

    /** Switching a counter's inhibit bit freezes or resumes it at its current value. */
    private static void writeCountInhibit(Hart h, long v) {
        long changed = v ^ h.mcountinhibit;
        if ((changed & 1) != 0) {
            long cur = cycleValue(h);
            h.cycleOffset = (v & 1) != 0 ? cur : h.instret - cur;
        }
        if ((changed & 4) != 0) {
            long cur = instretValue(h);
            h.instretOffset = (v & 4) != 0 ? cur : h.instret - cur;
        }
        h.mcountinhibit = v;
    }
}
