package dev.ferry.cpu;

import dev.ferry.memory.AddressSpace;
import dev.ferry.memory.RamBlock;
import dev.ferry.time.GuestClock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One RISC-V RV64GC hart: its architectural state in plain fields, trap and interrupt entry,
 * and the run loop. Decoding and execution live in {@link Interpreter}, address translation
 * and the software TLB in {@link Mmu}, CSR semantics in {@link Csrs}. A future translated-code
 * engine shares these fields and the {@link Mmu} access paths.
 *
 * <p>Threading: a hart runs on one thread (its vCPU thread or a test's). Devices on other
 * threads only touch {@link #setInterruptLine}, {@link #setMtimecmp} and the request flags.
 */
public final class Hart implements InterruptLines {
    public static final int PRV_U = 0, PRV_S = 1, PRV_M = 3;

    // mstatus bits
    static final long MSTATUS_SIE = 1L << 1, MSTATUS_MIE = 1L << 3, MSTATUS_SPIE = 1L << 5, MSTATUS_UBE = 1L << 6,
            MSTATUS_MPIE = 1L << 7, MSTATUS_SPP = 1L << 8, MSTATUS_MPP = 3L << 11, MSTATUS_FS = 3L << 13,
            MSTATUS_XS = 3L << 15, MSTATUS_MPRV = 1L << 17, MSTATUS_SUM = 1L << 18, MSTATUS_MXR = 1L << 19,
            MSTATUS_TVM = 1L << 20, MSTATUS_TW = 1L << 21, MSTATUS_TSR = 1L << 22, MSTATUS_UXL = 3L << 32,
            MSTATUS_SXL = 3L << 34, MSTATUS_SD = 1L << 63;
    static final int MPP_SHIFT = 11;
    static final long FS_OFF = 0, FS_DIRTY = 3L << 13;

    /** misa: RV64 with A, C, D, F, I, M, S, U. */
    public static final long MISA = (2L << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12)
            | (1 << 18) | (1 << 20);

    // ---- architectural state (the state description lists every one of these) ----
    public final long[] x = new long[32];
    public long pc;
    public final long[] f = new long[32];
    /** fflags: the accrued exception flags, which the fpu operations OR into. */
    public final dev.ferry.cpu.fpu.FpFlags fpFlags = new dev.ferry.cpu.fpu.FpFlags();
    public int frm;
    public int priv = PRV_M;
    long mstatus = (2L << 32) | (2L << 34); // UXL = SXL = 64-bit
    long medeleg, mideleg, mie;
    /** Software-writable pending bits (SSIP, STIP without Sstc, SEIP's software part). */
    long mipSw;
    long mtvec, mscratch, mepc, mcause, mtval;
    long stvec, sscratch, sepc, scause, stval, satp;
    long mcounteren, scounteren, mcountinhibit, menvcfg, senvcfg;
    long stimecmp = -1;
    volatile long mtimecmp = -1;
    long instret;
    long cycleOffset;
    long instretOffset;
    final Pmp pmp = new Pmp();
    /** LR reservation: virtual address and the value it loaded (SC compares it, as QEMU does). */
    long resAddr = -1;
    long resValue;
    boolean wfi;
    /** The instruction being executed, as fetched (16 or 32 bits), for illegal-instruction tval. */
    int insnBits;

    // ---- wiring ----
    final int hartId;
    final AddressSpace bus;
    final GuestClock clock;
    final Mmu mmu;
    final TrapException trap = new TrapException();
    /** Lines driven by devices: MSIP, MEIP, SEIP. */
    private final AtomicInteger hwLines = new AtomicInteger();
    /** MTIP / STIP(Sstc) as last computed from the clock. */
    long timerPending;
    private volatile Thread runner;
    /** Set by other threads to make the run loop return promptly (pause, TLB shootdown, ...). */
    volatile boolean exitRequest;
    /** Countdown of the current execution slice; trap/CSR code zeroes it to force a re-check. */
    int sliceLeft;
    /** Firmware implemented by the emulator (the built-in SBI): handles traps that would enter M-mode. */
    Firmware firmware;
    /** Requests from other harts or the firmware, served on this hart's thread: see REQ_*. */
    private final AtomicInteger requests = new AtomicInteger();
    public static final int REQ_SUPERVISOR_IPI = 1, REQ_FLUSH_TLB = 2, REQ_THROTTLE = 4;
    /** CPU throttling (auto-converge): how long a REQ_THROTTLE sleeps, and until when the current one does. */
    private volatile long throttleSleepNanos, throttleUntil;
    /** Held (not running) until started: secondary harts under the built-in SBI, hart_stop. */
    volatile boolean stopped;

    public Hart(int hartId, AddressSpace bus, GuestClock clock, RamBlock mainRam) {
        this.hartId = hartId;
        this.bus = bus;
        this.clock = clock;
        this.mmu = new Mmu(this, mainRam);
        reset(0x1000);
    }

    /** Power-on/reset state: M-mode at the reset vector, as QEMU's virt board resets. */
    public void reset(long resetVector) {
        java.util.Arrays.fill(x, 0);
        java.util.Arrays.fill(f, 0);
        pc = resetVector;
        fpFlags.flags = 0;
        frm = 0;
        priv = PRV_M;
        mstatus = (2L << 32) | (2L << 34);
        medeleg = mideleg = mie = mipSw = 0;
        mtvec = mscratch = mepc = mcause = mtval = 0;
        stvec = sscratch = sepc = scause = stval = satp = 0;
        mcounteren = scounteren = mcountinhibit = menvcfg = senvcfg = 0;
        stimecmp = -1;
        mtimecmp = -1;
        instret = cycleOffset = instretOffset = 0;
        pmp.reset();
        resAddr = -1;
        wfi = false;
        timerPending = 0;
        mmu.flushAll();
    }

    public int hartId() {
        return hartId;
    }

    public void setFirmware(Firmware fw) {
        this.firmware = fw;
    }

    public boolean isStopped() {
        return stopped;
    }

    public void setStopped(boolean s) {
        stopped = s;
        if (!s) kick();
    }

    /** Posts a request (REQ_*) for this hart to serve on its own thread, and wakes it. */
    public void post(int request) {
        requests.getAndUpdate(r -> r | request);
        kick();
    }

    /** True while a posted request has not been served yet (a throttle's sleep is not one another hart waits for). */
    public boolean hasPendingRequests() {
        return (requests.get() & ~REQ_THROTTLE) != 0;
    }

    /**
     * Serves the requests posted to this hart (on its own thread, at an instruction boundary).
     * Also called by the firmware while the hart waits for other harts, so that two harts
     * waiting on each other both make progress.
     */
    public void serveRequests() {
        int r = requests.getAndSet(0);
        if (r == 0) return;
        if ((r & REQ_SUPERVISOR_IPI) != 0) mipSw |= 1L << SSIP;
        if ((r & REQ_FLUSH_TLB) != 0) mmu.flushAll();
        if ((r & REQ_THROTTLE) != 0) throttleSleep();
    }

    /**
     * Throttles this hart (QEMU's cpu_throttle): it sleeps {@code sleepNanos} at its next
     * instruction boundary. The throttle's timer calls this once per time slice.
     */
    public void throttle(long sleepNanos) {
        throttleSleepNanos = sleepNanos;
        post(REQ_THROTTLE);
    }

    /** Ends throttling: a sleep under way ends now, and a posted one sleeps no more. */
    public void endThrottle() {
        throttleSleepNanos = 0;
        throttleUntil = System.nanoTime();
        Thread t = runner;
        if (t != null) LockSupport.unpark(t);
    }

    private void throttleSleep() {
        long now = System.nanoTime();
        if (throttleUntil - now <= 0) throttleUntil = now + throttleSleepNanos;
        while (true) {
            // A dirty-log sync waiting for this hart need not wait for the sleep: it writes nothing meanwhile.
            mmu.checkDirtyEpoch();
            long left = throttleUntil - System.nanoTime();
            if (left <= 0) return;
            if (stopped || exitRequest) {
                // let the caller see the stop or pause; the rest of the sleep is served when it runs again
                requests.getAndUpdate(r -> r | REQ_THROTTLE);
                return;
            }
            LockSupport.parkNanos(this, left);
        }
    }

    public AddressSpace bus() {
        return bus;
    }

    public GuestClock clock() {
        return clock;
    }

    public Mmu mmu() {
        return mmu;
    }

    public int privilege() {
        return priv;
    }

    public long instructionsRetired() {
        return instret;
    }

    // ---- interrupt lines (any thread) ----

    @Override
    public void setInterruptLine(int mipBit, boolean level) {
        int bit = 1 << mipBit;
        int old, nw;
        do {
            old = hwLines.get();
            nw = level ? old | bit : old & ~bit;
        } while (old != nw && !hwLines.compareAndSet(old, nw));
        if (level) kick();
    }

    @Override
    public long mtimecmp() {
        return mtimecmp;
    }

    @Override
    public void setMtimecmp(long value) {
        mtimecmp = value;
        kick();
    }

    /** Wakes the hart from wfi and makes a running hart re-check its interrupts soon. */
    public void kick() {
        exitRequest = true;
        Thread t = runner;
        if (t != null) LockSupport.unpark(t);
    }

    /** The effective mip register. */
    long mip() {
        return mipSw | hwLines.get() | timerPending;
    }

    boolean sstcEnabled() {
        return (menvcfg & Csrs.MENVCFG_STCE) != 0;
    }

    /** Recomputes the timer-driven pending bits from the clock. */
    void updateTimers() {
        long now = clock.now();
        long t = 0;
        if (Long.compareUnsigned(now, mtimecmp) >= 0) t |= 1L << MTIP;
        if (sstcEnabled() && Long.compareUnsigned(now, stimecmp) >= 0) t |= 1L << STIP;
        timerPending = t;
    }

    /** Nanoseconds of host time until the next timer this hart waits for (Long.MAX_VALUE: none). */
    long nanosToNextTimer() {
        long n = nanosUntil(mtimecmp);
        if (sstcEnabled()) n = Math.min(n, nanosUntil(stimecmp));
        return n;
    }

    /**
     * Host nanoseconds until the clock reaches a comparator, compared unsigned as the timer
     * interrupts are: a value more than 2^63 ticks ahead (such as the reset value, all ones)
     * is never reached rather than already past.
     */
    private long nanosUntil(long cmp) {
        long now = clock.now();
        if (Long.compareUnsigned(now, cmp) >= 0) return 0;
        if (cmp - now < 0) return Long.MAX_VALUE;
        return clock.nanosUntil(cmp);
    }

    /** The interrupt to take now, as a cause number, or -1. */
    int pendingInterrupt() {
        long pending = mip() & mie;
        if (pending == 0) return -1;
        long m = pending & ~mideleg;
        boolean mEnabled = priv < PRV_M || (mstatus & MSTATUS_MIE) != 0;
        if (m != 0 && mEnabled) return highestPriority(m);
        long s = pending & mideleg;
        boolean sEnabled = priv < PRV_S || (priv == PRV_S && (mstatus & MSTATUS_SIE) != 0);
        if (s != 0 && sEnabled) return highestPriority(s);
        return -1;
    }

    private static int highestPriority(long bits) {
        // MEI > MSI > MTI > SEI > SSI > STI
        final int[] order = {Trap.IRQ_MEI, Trap.IRQ_MSI, Trap.IRQ_MTI, Trap.IRQ_SEI, Trap.IRQ_SSI, Trap.IRQ_STI};
        for (int c : order) if ((bits & (1L << c)) != 0) return c;
        return -1;
    }

    // ---- traps ----

    TrapException raise(int cause, long tval) {
        return trap.set(cause, tval);
    }

    /** An illegal-instruction trap whose tval holds the instruction's bits, as QEMU 7.2 reports them. */
    TrapException illegalInstruction() {
        return trap.set(Trap.ILLEGAL, insnBits & ((insnBits & 3) == 3 ? 0xffffffffL : 0xffffL));
    }

    /** Enters the trap for an exception (cause >= 0) or interrupt, at the current pc. */
    void takeTrap(long cause, long tval) {
        boolean irq = cause < 0;
        int code = (int) (cause & 63);
        long deleg = irq ? mideleg : medeleg;
        if (TraceLog.interrupts != null) TraceLog.trap(this, cause, tval);
        boolean toS = priv <= PRV_S && ((deleg >>> code) & 1) != 0;
        if (!toS && firmware != null && priv <= PRV_S && firmware.handleTrap(this, cause, tval)) {
            sliceLeft = 0;
            return; // handled by the emulator's firmware, which has set pc and registers
        }
        resAddr = -1;
        if (toS) {
            scause = cause;
            sepc = pc;
            stval = tval;
            long s = mstatus;
            s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) != 0 ? MSTATUS_SPIE : 0);
            s &= ~MSTATUS_SIE;
            s = (s & ~MSTATUS_SPP) | (priv == PRV_S ? MSTATUS_SPP : 0);
            mstatus = s;
            pc = trapVector(stvec, irq, code);
            setPrivilege(PRV_S);
        } else {
            mcause = cause;
            mepc = pc;
            mtval = tval;
            long s = mstatus;
            s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) != 0 ? MSTATUS_MPIE : 0);
            s &= ~MSTATUS_MIE;
            s = (s & ~MSTATUS_MPP) | ((long) priv << MPP_SHIFT);
            mstatus = s;
            pc = trapVector(mtvec, irq, code);
            setPrivilege(PRV_M);
        }
        wfi = false;
        sliceLeft = 0;
    }

    private static long trapVector(long tvec, boolean irq, int code) {
        long base = tvec & ~3L;
        return (irq && (tvec & 3) == 1) ? base + 4L * code : base;
    }

    void mret() {
        if (priv < PRV_M) throw illegalInstruction();
        long s = mstatus;
        int mpp = (int) ((s & MSTATUS_MPP) >>> MPP_SHIFT);
        s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) != 0 ? MSTATUS_MIE : 0);
        s |= MSTATUS_MPIE;
        s &= ~MSTATUS_MPP; // MPP becomes U, the least-privileged mode
        if (mpp != PRV_M) s &= ~MSTATUS_MPRV;
        mstatus = s;
        pc = mepc;
        resAddr = -1;
        setPrivilege(mpp);
        sliceLeft = 0;
    }

    void sret() {
        if (priv < PRV_S || (priv == PRV_S && (mstatus & MSTATUS_TSR) != 0)) throw illegalInstruction();
        long s = mstatus;
        int spp = (s & MSTATUS_SPP) != 0 ? PRV_S : PRV_U;
        s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) != 0 ? MSTATUS_SIE : 0);
        s |= MSTATUS_SPIE;
        s &= ~MSTATUS_SPP;
        s &= ~MSTATUS_MPRV; // the new mode is below M
        mstatus = s;
        pc = sepc;
        resAddr = -1;
        setPrivilege(spp);
        sliceLeft = 0;
    }

    /** Switches privilege outside of trap flow (firmware entering the kernel). */
    public void enterPrivilege(int p) {
        setPrivilege(p);
        sliceLeft = 0;
    }

    void setPrivilege(int p) {
        priv = p;
        mmu.modeChanged();
    }

    /** Executes wfi: traps per TW, otherwise waits (returns to the run loop, which parks). */
    void wfi(int insn) {
        if (priv == PRV_U || (priv < PRV_M && (mstatus & MSTATUS_TW) != 0)) throw raise(Trap.ILLEGAL, insn & 0xffffffffL);
        updateTimers();
        if ((mip() & mie) == 0) {
            wfi = true;
            sliceLeft = 0;
        }
    }

    // ---- running ----

    /** Outcome of {@link #run}. */
    public enum Exit { BUDGET, WAITING, REQUESTED, STOPPED }

    /**
     * Executes up to {@code budget} instructions, taking interrupts as they become pending.
     * Returns early when the hart waits for an interrupt (wfi, nothing pending) or when
     * another thread requested an exit.
     */
    public Exit run(long budget) {
        runner = Thread.currentThread();
        try {
            while (budget > 0) {
                exitRequest = false;
                if (stopped) return Exit.STOPPED;
                serveRequests();
                mmu.checkDirtyEpoch();
                updateTimers();
                int irq = pendingInterrupt();
                if (irq >= 0) {
                    takeTrap(Trap.INTERRUPT_BIT | irq, 0);
                } else if (wfi) {
                    if ((mip() & mie) == 0) return Exit.WAITING;
                    wfi = false; // pending and enabled in mie ends the wait, even when globally disabled
                }
                int slice = (int) Math.min(budget, 4096);
                int done = Interpreter.execute(this, slice);
                budget -= done;
                if (exitRequest) return Exit.REQUESTED;
            }
            return Exit.BUDGET;
        } finally {
            runner = null;
        }
    }

    /**
     * Parks the calling thread until an interrupt may be pending or {@code maxNanos} pass.
     * Used by the vCPU loop when {@link #run} returned {@link Exit#WAITING}: no busy spinning.
     */
    public void waitForInterrupt(long maxNanos) {
        runner = Thread.currentThread();
        try {
            exitRequest = false;
            serveRequests();
            mmu.checkDirtyEpoch();
            updateTimers();
            if ((mip() & mie) != 0) {
                wfi = false;
                return;
            }
            long n = Math.min(maxNanos, nanosToNextTimer());
            if (n > 0 && !exitRequest && requests.get() == 0) LockSupport.parkNanos(this, n);
            serveRequests();
            updateTimers();
            if ((mip() & mie) != 0) wfi = false;
        } finally {
            runner = null;
        }
    }

    /** Parks the calling (vCPU) thread while the hart is held stopped, at most {@code maxNanos}. */
    public void parkWhileStopped(long maxNanos) {
        runner = Thread.currentThread();
        try {
            exitRequest = false;
            if (stopped && !exitRequest) LockSupport.parkNanos(this, maxNanos);
        } finally {
            runner = null;
        }
    }

    public boolean isWaitingForInterrupt() {
        return wfi;
    }

    /** Reads a CSR as the hart would in M-mode (monitor, tests). */
    public long readCsr(int csr) {
        int saved = priv;
        priv = PRV_M;
        try {
            return Csrs.read(this, csr, false);
        } finally {
            priv = saved;
        }
    }

    /** Writes a CSR as the hart would in M-mode (boot code, tests). */
    public void writeCsr(int csr, long value) {
        int saved = priv;
        priv = PRV_M;
        try {
            Csrs.write(this, csr, value);
        } finally {
            priv = saved;
            mmu.modeChanged();
        }
    }

    public void setPc(long pc) {
        this.pc = pc;
    }

    public long pc() {
        return pc;
    }

    /**
     * Machine-mode firmware implemented by the emulator. It sees every trap that would enter
     * M-mode from S or U (SBI calls, M-level timer and software interrupts) and returns true
     * when it handled one (having set pc and registers itself).
     */
    @FunctionalInterface
    public interface Firmware {
        boolean handleTrap(Hart hart, long cause, long tval);
    }

    // ---- accessors for firmware and devices outside this package ----

    public long mipSoftware() { return mipSw; }
    public void setMipSoftware(long v) { mipSw = v; }
    public long mie() { return mie; }
    public void setMie(long v) { mie = v; }
    public long stimecmpValue() { return stimecmp; }
}
