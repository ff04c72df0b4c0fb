package dev.ferry.firmware;

import dev.ferry.cpu.Csrs;
import dev.ferry.cpu.Hart;
import dev.ferry.cpu.InterruptLines;
import dev.ferry.cpu.Trap;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * Ferry's built-in SBI firmware ({@code -bios default}): the Supervisor Binary Interface
 * implemented in Java, so no M-mode firmware image is needed. It sets each hart up as an SBI
 * firmware leaves it before jumping to the kernel, and then serves every trap that would enter
 * M-mode: SBI calls (base, legacy, TIME, IPI, RFENCE, HSM, SRST) and the M-level timer.
 */
public final class BuiltinSbi implements Hart.Firmware {
    public static final long EXT_BASE = 0x10, EXT_TIME = 0x54494D45L, EXT_IPI = 0x735049L, EXT_RFENCE = 0x52464E43L,
            EXT_HSM = 0x48534DL, EXT_SRST = 0x53525354L;
    public static final long SUCCESS = 0, ERR_FAILED = -1, ERR_NOT_SUPPORTED = -2, ERR_INVALID_PARAM = -3,
            ERR_ALREADY_AVAILABLE = -6, ERR_ALREADY_STARTED = -7, ERR_ALREADY_STOPPED = -8;
    /** SBI specification 1.0. */
    static final long SPEC_VERSION = 1L << 24;
    /** Implementation ID: not one of the registered ones; "Ferry" in a few ASCII letters. */
    public static final long IMPL_ID = 0x46657272L;
    static final int HSM_STARTED = 0, HSM_STOPPED = 1, HSM_START_PENDING = 2, HSM_SUSPENDED = 4;

    /** What the firmware asks of the board: power and reset. */
    public interface SystemControl {
        /** type: 0 shutdown, 1 cold reboot, 2 warm reboot; reason: 0 none, 1 system failure. */
        void systemReset(int type, int reason);
    }

    private final List<Hart> harts;
    private final SystemControl control;
    private final IntConsumer consoleOut;
    private final IntSupplier consoleIn;
    private final int[] hsm;
    /** hart_stop was called and finishes when the SBI call returns (touched only by that hart's thread). */
    private final boolean[] stopping;

    public BuiltinSbi(List<Hart> harts, SystemControl control, IntConsumer consoleOut, IntSupplier consoleIn) {
        this.harts = harts;
        this.control = control;
        this.consoleOut = consoleOut;
        this.consoleIn = consoleIn;
        this.hsm = new int[harts.size()];
        this.stopping = new boolean[harts.size()];
    }

    /**
     * Puts the boot hart into S-mode at the kernel's entry (a0 = hartid, a1 = device tree) and
     * holds the others stopped until the kernel starts them through HSM.
     */
    public void boot(int bootHart, long kernelEntry, long fdtAddress) {
        for (Hart h : harts) {
            h.setFirmware(this);
            configureMachineMode(h);
            boolean boot = h.hartId() == bootHart;
            hsm[h.hartId()] = boot ? HSM_STARTED : HSM_STOPPED;
            if (boot) enterSupervisor(h, kernelEntry, fdtAddress);
            h.setStopped(!boot);
        }
    }

    /** The M-mode set-up an SBI firmware performs: delegation, counters, Sstc, PMP. */
    static void configureMachineMode(Hart h) {
        long delegated = (1L << Trap.INSN_MISALIGNED) | (1L << Trap.INSN_ACCESS) | (1L << Trap.ILLEGAL)
                | (1L << Trap.BREAKPOINT) | (1L << Trap.LOAD_MISALIGNED) | (1L << Trap.LOAD_ACCESS)
                | (1L << Trap.STORE_MISALIGNED) | (1L << Trap.STORE_ACCESS) | (1L << Trap.ECALL_U)
                | (1L << Trap.INSN_PAGE) | (1L << Trap.LOAD_PAGE) | (1L << Trap.STORE_PAGE);
        h.writeCsr(Csrs.MEDELEG, delegated);
        h.writeCsr(Csrs.MIDELEG, (1L << Trap.IRQ_SSI) | (1L << Trap.IRQ_STI) | (1L << Trap.IRQ_SEI));
        h.writeCsr(Csrs.MCOUNTEREN, 0xffffffffL);
        h.writeCsr(Csrs.MENVCFG, 1L << 63); // Sstc: the kernel programs stimecmp itself
        h.writeCsr(Csrs.PMPADDR0, -1L); // one NAPOT entry covering everything, RWX for S and U
        h.writeCsr(Csrs.PMPCFG0, 0x1f);
        h.writeCsr(Csrs.MSTATUS, 3L << 13); // FS on (initial state dirty), as firmware leaves it
        h.writeCsr(Csrs.MIE, 0);
    }

    private static void enterSupervisor(Hart h, long entry, long a1) {
        h.writeCsr(Csrs.SATP, 0);
        h.writeCsr(Csrs.SIE, 0);
        h.x[10] = h.hartId();
        h.x[11] = a1;
        h.setPc(entry);
        h.enterPrivilege(Hart.PRV_S);
    }

    @Override
    public boolean handleTrap(Hart h, long cause, long tval) {
        if (cause == Trap.ECALL_S) {
            call(h);
            h.setPc(h.pc() + 4);
            if (stopping[h.hartId()]) {
                // Only now may another hart's hart_start set this hart's registers: stop first,
                // then publish the state that lets hart_start in.
                stopping[h.hartId()] = false;
                h.setStopped(true);
                synchronized (hsm) {
                    hsm[h.hartId()] = HSM_STOPPED;
                }
            }
            return true;
        }
        if (cause == (Trap.INTERRUPT_BIT | Trap.IRQ_MTI)) {
            // the SBI timer fired: pass it to S-mode and mask it until the next set_timer
            h.setMie(h.mie() & ~(1L << Trap.IRQ_MTI));
            h.setMipSoftware(h.mipSoftware() | (1L << InterruptLines.STIP));
            return true;
        }
        return false;
    }

    private void call(Hart h) {
        long[] x = h.x;
        long eid = x[17], fid = x[16];
        long a0 = x[10], a1 = x[11], a2 = x[12];
        if (eid <= 8) { // legacy extensions: result in a0 only
            x[10] = legacy(h, (int) eid, a0);
            return;
        }
        long err = SUCCESS, value = 0;
        if (eid == EXT_BASE) {
            switch ((int) fid) {
                case 0 -> value = SPEC_VERSION;
                case 1 -> value = IMPL_ID;
                case 2 -> value = 1;
                case 3 -> value = probe(a0) ? 1 : 0;
                case 4 -> value = h.readCsr(Csrs.MVENDORID);
                case 5 -> value = h.readCsr(Csrs.MARCHID);
                case 6 -> value = h.readCsr(Csrs.MIMPID);
                default -> err = ERR_NOT_SUPPORTED;
            }
        } else if (eid == EXT_TIME && fid == 0) {
            setTimer(h, a0);
        } else if (eid == EXT_IPI && fid == 0) {
            err = forHarts(a0, a1, t -> t.post(Hart.REQ_SUPERVISOR_IPI));
        } else if (eid == EXT_RFENCE) {
            if (fid <= 2) err = remoteFence(h, a0, a1);
            else err = ERR_NOT_SUPPORTED; // hypervisor fences: no H extension
        } else if (eid == EXT_HSM) {
            long[] r = hsm(h, (int) fid, a0, a1, a2);
            err = r[0];
            value = r[1];
        } else if (eid == EXT_SRST && fid == 0) {
            if (a0 > 2 || (a1 > 1 && a1 < 0xE0000000L)) {
                err = ERR_INVALID_PARAM;
            } else {
                control.systemReset((int) a0, (int) a1);
            }
        } else {
            err = ERR_NOT_SUPPORTED;
        }
        x[10] = err;
        x[11] = value;
    }

    private static boolean probe(long eid) {
        return eid == EXT_BASE || eid == EXT_TIME || eid == EXT_IPI || eid == EXT_RFENCE || eid == EXT_HSM
                || eid == EXT_SRST || (eid >= 0 && eid <= 8);
    }

    private static void setTimer(Hart h, long when) {
        h.setMtimecmp(when);
        h.setMipSoftware(h.mipSoftware() & ~(1L << InterruptLines.STIP));
        h.setMie(h.mie() | (1L << Trap.IRQ_MTI));
    }

    private long legacy(Hart h, int eid, long a0) {
        switch (eid) {
            case 0 -> { setTimer(h, a0); return 0; }
            case 1 -> { consoleOut.accept((int) a0 & 0xff); return 0; }
            case 2 -> { return consoleIn.getAsInt(); }
            case 3 -> { h.setMipSoftware(h.mipSoftware() & ~(1L << InterruptLines.SSIP)); return 0; }
            case 4 -> { return forHarts(legacyMask(h, a0), 0, t -> t.post(Hart.REQ_SUPERVISOR_IPI)); }
            case 5, 6, 7 -> { return remoteFence(h, legacyMask(h, a0), 0); }
            case 8 -> { control.systemReset(0, 0); return 0; }
            default -> { return ERR_NOT_SUPPORTED; }
        }
    }

    /** Legacy calls pass a pointer to the hart mask (0 means all harts). */
    private long legacyMask(Hart h, long ptr) {
        if (ptr == 0) return (1L << harts.size()) - 1;
        return h.mmu().load64(ptr);
    }

    private long forHarts(long mask, long base, java.util.function.Consumer<Hart> action) {
        if (base == -1) {
            for (Hart t : harts) if (hsm[t.hartId()] == HSM_STARTED || hsm[t.hartId()] == HSM_SUSPENDED) action.accept(t);
            return SUCCESS;
        }
        for (int i = 0; i < 64; i++) {
            if (((mask >>> i) & 1) == 0) continue;
            long id = base + i;
            if (id < 0 || id >= harts.size()) return ERR_INVALID_PARAM;
        }
        for (int i = 0; i < 64; i++) {
            if (((mask >>> i) & 1) == 0) continue;
            Hart t = harts.get((int) (base + i));
            if (hsm[t.hartId()] != HSM_STOPPED) action.accept(t);
        }
        return SUCCESS;
    }

    /**
     * Flushes the target harts' TLBs and waits until each has done it (as SBI requires). While
     * it waits the calling hart serves the requests posted to it: another hart may be waiting in
     * this same call for it to flush.
     */
    private long remoteFence(Hart self, long mask, long base) {
        java.util.List<Hart> waitFor = new java.util.ArrayList<>();
        long err = forHarts(mask, base, t -> {
            if (t == self) self.mmu().flushAll();
            else {
                t.post(Hart.REQ_FLUSH_TLB);
                waitFor.add(t);
            }
        });
        for (Hart t : waitFor) {
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (t.hasPendingRequests() && !t.isStopped() && System.nanoTime() < deadline) {
                self.serveRequests();
                Thread.onSpinWait();
            }
        }
        return err;
    }

    private long[] hsm(Hart h, int fid, long a0, long a1, long a2) {
        switch (fid) {
            case 0 -> { // hart_start(hartid, start_addr, opaque)
                if (a0 < 0 || a0 >= harts.size()) return new long[] {ERR_INVALID_PARAM, 0};
                Hart t = harts.get((int) a0);
                synchronized (hsm) {
                    if (hsm[(int) a0] != HSM_STOPPED) return new long[] {ERR_ALREADY_AVAILABLE, 0};
                    hsm[(int) a0] = HSM_STARTED;
                }
                configureMachineMode(t);
                enterSupervisor(t, a1, a2);
                t.setStopped(false);
                return new long[] {SUCCESS, 0};
            }
            case 1 -> { // hart_stop: takes effect once the call has written its results (see handleTrap)
                stopping[h.hartId()] = true;
                return new long[] {SUCCESS, 0};
            }
            case 2 -> {
                if (a0 < 0 || a0 >= harts.size()) return new long[] {ERR_INVALID_PARAM, 0};
                return new long[] {SUCCESS, hsm[(int) a0]};
            }
            case 3 -> { // hart_suspend(type, resume_addr, opaque)
                if (a0 == 0) { // default retentive suspend: behaves as wfi
                    return new long[] {SUCCESS, 0};
                }
                if (a0 == 0x80000000L) { // default non-retentive: resume at resume_addr in S-mode
                    enterSupervisor(h, a1 - 4, a2); // the ecall path adds 4
                    return new long[] {h.hartId(), a2}; // lands in a0/a1 as the resume protocol wants
                }
                return new long[] {ERR_INVALID_PARAM, 0};
            }
            default -> { return new long[] {ERR_NOT_SUPPORTED, 0}; }
        }
    }

    /** The harts' HSM states, the live array (the machine's state description loads into it). */
    public int[] hsmStates() {
        return hsm;
    }

    /** Checks loaded HSM states. */
    public void validateHsmStates() throws IllegalStateException {
        for (int s : hsm)
            if (s != HSM_STARTED && s != HSM_STOPPED && s != HSM_START_PENDING && s != HSM_SUSPENDED)
                throw new IllegalStateException("invalid HSM state " + s);
    }

    /** HSM state of a hart (for the state description). */
    public int hsmState(int hart) {
        return hsm[hart];
    }

    public void setHsmState(int hart, int state) {
        hsm[hart] = state;
    }
}
