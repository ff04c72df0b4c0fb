package dev.ferry.hw;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import dev.ferry.memory.MmioHandler;
import dev.ferry.migration.vmstate.VMStateDescription;
import dev.ferry.migration.vmstate.VMStateException;
import dev.ferry.migration.vmstate.VMStateReader;
import dev.ferry.migration.vmstate.VMStateWriter;
import java.lang.System.Logger.Level;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An NS16550A UART (the virt board's {@code serial@10000000}, register shift 0).
 *
 * <p>Behaves as the 16550 datasheet and QEMU's serial device do: a divisor latch behind LCR.DLAB;
 * a 16-byte receive FIFO with the FCR trigger level and the character-timeout interrupt (4
 * character times after the last input with data below the trigger level); interrupt
 * identification by priority (line status, receive timeout, received data, THR empty, modem
 * status). The THR-empty interrupt is cleared by reading IIR while it is the reported source or by
 * writing THR, and re-asserted when the transmitter empties again, when IER.ETBEI is turned on
 * while THR is empty, or when the transmit FIFO is reset. Transmission is immediate: a byte
 * written to THR is handed to the backend at once and THR is empty again when the write returns.
 * Loopback (MCR bit 4) feeds transmitted bytes back to the receiver and holds host input.
 *
 * <p>Input arrives from the {@link CharBackend} under flow control ({@link #canReceive()}), so no
 * host input is lost while the FIFO is full.
 */
public final class Uart16550 implements MmioHandler, CharFrontend {
    public static final long BASE = 0x1000_0000L;
    public static final long SIZE = 0x100;
    public static final int IRQ = 10;
    /** The rate QEMU's virt board gives its UART: divisor 1 means this many bits per second. */
    public static final int BAUD_BASE = 399_193;
    public static final int FIFO_SIZE = 16;

    // register bits
    static final int IER_RDI = 0x01, IER_THRI = 0x02, IER_RLSI = 0x04, IER_MSI = 0x08;
    static final int IIR_NO_INT = 0x01, IIR_MSI = 0x00, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_RLSI = 0x06,
            IIR_CTI = 0x0c, IIR_ID = 0x0f, IIR_FIFO = 0xc0;
    static final int FCR_FE = 0x01, FCR_RFR = 0x02, FCR_XFR = 0x04, FCR_DMS = 0x08, FCR_ITL = 0xc0;
    static final int LCR_DLAB = 0x80;
    static final int MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
    static final int LSR_DR = 0x01, LSR_OE = 0x02, LSR_PE = 0x04, LSR_FE = 0x08, LSR_BI = 0x10, LSR_THRE = 0x20,
            LSR_TEMT = 0x40, LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI;
    static final int MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08, MSR_ANY_DELTA = 0x0f,
            MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;

    private static final System.Logger LOG = System.getLogger(Uart16550.class.getName());

    /** The receive FIFO (QEMU's Fifo8 layout: the buffer, the head index, the count). */
    static final VMStateDescription<Uart16550> FIFO8 = VMStateDescription.<Uart16550>builder("Fifo8")
            .version(1).minimumVersion(1)
            .buffer("data", u -> u.fifo)
            .uint32("head", u -> u.fifoHead, (u, v) -> u.fifoHead = v)
            .uint32("num", u -> u.fifoCount, (u, v) -> u.fifoCount = v)
            .build();

    static final VMStateDescription<Uart16550> RECV_FIFO = VMStateDescription.<Uart16550>builder("serial/recv_fifo")
            .version(1).minimumVersion(1)
            .struct("recv_fifo", FIFO8, u -> u)
            .build();

    /** THR-empty interrupt condition, sent when IIR alone does not tell it (QEMU's rule). */
    static final VMStateDescription<Uart16550> THR_IPENDING = VMStateDescription.<Uart16550>builder("serial/thr_ipending")
            .version(1).minimumVersion(1)
            .int32("thr_ipending", u -> u.thrIpending ? 1 : 0, (u, v) -> {
                u.thrIpending = v != 0;
                u.thrIpendingLoaded = true;
            })
            .build();

    static final VMStateDescription<Uart16550> TIMEOUT_IPENDING = VMStateDescription.<Uart16550>builder("serial/timeout_ipending")
            .version(1).minimumVersion(1)
            .int32("timeout_ipending", u -> u.timeoutIpending ? 1 : 0, (u, v) -> u.timeoutIpending = v != 0)
            .build();

    /**
     * The UART's state, laid out as QEMU's {@code serial} description: the registers (FCR as
     * {@code fcr_vmstate}), then subsections for the receive FIFO contents, a THR-empty
     * condition that IIR does not show, and a pending character timeout. Loading validates the
     * FIFO indices, recomputes IIR and drives the interrupt line, re-arms the character timeout
     * while data waits, and lets held-back host input flow again.
     */
    public static final VMStateDescription<Uart16550> VMSTATE = VMStateDescription.<Uart16550>builder("serial")
            .version(3).minimumVersion(3)
            .uint16("divider", u -> u.divider, (u, v) -> u.divider = v)
            .uint8("rbr", u -> u.rbr, (u, v) -> u.rbr = v)
            .uint8("ier", u -> u.ier, (u, v) -> u.ier = v)
            .uint8("iir", u -> u.iir, (u, v) -> u.iir = v)
            .uint8("lcr", u -> u.lcr, (u, v) -> u.lcr = v)
            .uint8("mcr", u -> u.mcr, (u, v) -> u.mcr = v)
            .uint8("lsr", u -> u.lsr, (u, v) -> u.lsr = v)
            .uint8("msr", u -> u.msr, (u, v) -> u.msr = v)
            .uint8("scr", u -> u.scr, (u, v) -> u.scr = v)
            .uint8("fcr_vmstate", u -> u.fcr, (u, v) -> u.fcr = v)
            .subsection(THR_IPENDING, u -> (u.ier & IER_THRI) != 0 && u.thrIpending != ((u.iir & IIR_ID) == IIR_THRI))
            .subsection(RECV_FIFO, u -> u.fifoCount > 0)
            .subsection(TIMEOUT_IPENDING, u -> u.timeoutIpending)
            .preLoad(u -> {
                u.thrIpendingLoaded = false;
                u.fifoHead = u.fifoCount = 0;
                u.timeoutIpending = false;
            })
            .postLoad((u, v) -> u.afterLoad())
            .build();

    private final CharBackend backend;
    private final IrqLine irq;
    private final ScheduledExecutorService timers;

    // registers (guarded by this)
    private int rbr, ier, iir, lcr, mcr, lsr, msr, scr, fcr;
    private int divider;
    /** Receive FIFO: {@code fifoCount} bytes starting at {@code fifoHead}. */
    private final byte[] fifo = new byte[FIFO_SIZE];
    private int fifoHead, fifoCount;
    /** THR-empty interrupt condition (cleared by an IIR read that reports it, or a THR write). */
    private boolean thrIpending;
    /** Character-timeout interrupt condition. */
    private boolean timeoutIpending;
    /** During a load: whether the thr_ipending subsection was present. */
    private boolean thrIpendingLoaded;

    // derived / runtime
    private int recvTriggerLevel = 1;
    private long charTimeNanos;
    private ScheduledFuture<?> timeoutTask;
    private long timeoutGeneration;

    public Uart16550(CharBackend backend, IrqLine irq) {
        this(backend, irq, DeviceTimers.shared());
    }

    public Uart16550(CharBackend backend, IrqLine irq, ScheduledExecutorService timers) {
        this.backend = backend;
        this.irq = irq;
        this.timers = timers;
        reset();
        backend.attach(this);
    }

    public CharBackend backend() {
        return backend;
    }

    /** Power-on / system reset state (QEMU's): 9600 8N1, OUT2 set, THR empty, FIFOs off. */
    public void reset() {
        synchronized (this) {
            rbr = 0;
            ier = 0;
            iir = IIR_NO_INT;
            lcr = 0;
            mcr = MCR_OUT2;
            lsr = LSR_TEMT | LSR_THRE;
            msr = MSR_DCD | MSR_DSR | MSR_CTS;
            scr = 0;
            fcr = 0;
            divider = 0x0c;
            fifoHead = fifoCount = 0;
            thrIpending = false;
            cancelTimeout();
            timeoutIpending = false;
            recvTriggerLevel = 1;
            updateParameters();
            irq.set(false);
        }
        backend.acceptInput();
    }

    // ---------------------------------------------------------------- migration

    /** Writes this UART's section body (see {@link #VMSTATE}). */
    public synchronized void saveState(VMStateWriter out) throws VMStateException {
        VMSTATE.save(this, out);
    }

    /** Loads a section body saved at {@code versionId}; on failure nothing changes. */
    public void loadState(VMStateReader in, int versionId) throws VMStateException {
        synchronized (this) {
            cancelTimeout();
            VMSTATE.load(this, in, versionId);
        }
        backend.acceptInput();
    }

    private void afterLoad() throws VMStateException {
        if (fifoHead < 0 || fifoHead >= FIFO_SIZE || fifoCount < 0 || fifoCount > FIFO_SIZE)
            throw new VMStateException("receive FIFO head " + fifoHead + " / count " + fifoCount + " out of range");
        if (divider < 0 || divider > 0xffff) throw new VMStateException("divider out of range");
        if (!thrIpendingLoaded) thrIpending = (iir & IIR_ID) == IIR_THRI;
        fcr &= FCR_FE | FCR_DMS | FCR_ITL;
        mcr &= 0x1f;
        ier &= 0x0f;
        recvTriggerLevel = triggerLevel(fcr);
        updateParameters();
        cancelTimeout();
        if (fifoCount > 0 && !timeoutIpending) armTimeout();
        updateIrq();
    }

    // ---------------------------------------------------------------- MMIO

    @Override
    public long read(long offset, int size) {
        boolean room = false;
        int v;
        synchronized (this) {
            if (offset < 0 || offset >= 8) {
                LOG.log(Level.DEBUG, () -> String.format("UART: read beyond the registers at +0x%x", offset));
                return 0;
            }
            switch ((int) offset) {
                case 0 -> {
                    if ((lcr & LCR_DLAB) != 0) {
                        v = divider & 0xff;
                    } else {
                        v = readRbr();
                        room = (mcr & MCR_LOOP) == 0;
                    }
                }
                case 1 -> v = (lcr & LCR_DLAB) != 0 ? divider >>> 8 : ier;
                case 2 -> {
                    v = iir;
                    if ((v & IIR_ID) == IIR_THRI) {
                        thrIpending = false;
                        updateIrq();
                    }
                }
                case 3 -> v = lcr;
                case 4 -> v = mcr;
                case 5 -> {
                    v = lsr;
                    if ((lsr & (LSR_BI | LSR_OE)) != 0) { // reading LSR clears break and overrun
                        lsr &= ~(LSR_BI | LSR_OE);
                        updateIrq();
                    }
                }
                case 6 -> {
                    if ((mcr & MCR_LOOP) != 0) { // modem outputs wired to the inputs
                        v = ((mcr & (MCR_OUT1 | MCR_OUT2)) << 4) | ((mcr & MCR_RTS) << 3) | ((mcr & MCR_DTR) << 5);
                    } else {
                        v = msr;
                        if ((msr & MSR_ANY_DELTA) != 0) {
                            msr &= 0xf0;
                            updateIrq();
                        }
                    }
                }
                default -> v = scr;
            }
        }
        if (room) backend.acceptInput();
        return v;
    }

    private int readRbr() {
        int v;
        if ((fcr & FCR_FE) != 0) {
            if (fifoCount == 0) {
                v = 0;
            } else {
                v = fifo[fifoHead] & 0xff;
                fifoHead = (fifoHead + 1) % FIFO_SIZE;
                fifoCount--;
            }
            if (fifoCount == 0) {
                lsr &= ~(LSR_DR | LSR_BI);
                cancelTimeout();
            } else {
                armTimeout();
            }
            timeoutIpending = false;
        } else {
            v = rbr;
            lsr &= ~(LSR_DR | LSR_BI);
        }
        updateIrq();
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        boolean room = false;
        synchronized (this) {
            if (offset < 0 || offset >= 8) {
                LOG.log(Level.DEBUG, () -> String.format("UART: write beyond the registers at +0x%x", offset));
                return;
            }
            int v = (int) value & 0xff;
            switch ((int) offset) {
                case 0 -> {
                    if ((lcr & LCR_DLAB) != 0) {
                        divider = (divider & 0xff00) | v;
                        updateParameters();
                    } else {
                        transmit(v);
                    }
                }
                case 1 -> {
                    if ((lcr & LCR_DLAB) != 0) {
                        divider = (divider & 0x00ff) | (v << 8);
                        updateParameters();
                    } else {
                        int changed = (ier ^ v) & 0x0f;
                        ier = v & 0x0f;
                        // Enabling ETBEI while THR is empty raises the THR-empty interrupt even if an
                        // IIR read had cleared it (as on real parts and QEMU; some drivers rely on it).
                        if ((changed & IER_THRI) != 0) thrIpending = (ier & IER_THRI) != 0 && (lsr & LSR_THRE) != 0;
                        if (changed != 0) updateIrq();
                    }
                }
                case 2 -> room = writeFcr(v);
                case 3 -> {
                    lcr = v;
                    updateParameters();
                }
                case 4 -> {
                    boolean wasLoop = (mcr & MCR_LOOP) != 0;
                    mcr = v & 0x1f;
                    room = wasLoop && (mcr & MCR_LOOP) == 0;
                }
                case 5, 6 -> LOG.log(Level.DEBUG, "UART: write to read-only LSR/MSR ignored");
                default -> scr = v;
            }
        }
        if (room) backend.acceptInput();
    }

    private boolean writeFcr(int v) {
        boolean room = false;
        if (((v ^ fcr) & FCR_FE) != 0) v |= FCR_RFR | FCR_XFR; // enabling or disabling the FIFOs clears them
        if ((v & FCR_RFR) != 0) {
            lsr &= ~(LSR_DR | LSR_BI);
            cancelTimeout();
            timeoutIpending = false;
            fifoHead = fifoCount = 0;
            room = true;
        }
        if ((v & FCR_XFR) != 0) { // the transmit FIFO is always empty here: transmission is immediate
            lsr |= LSR_THRE;
            thrIpending = true;
        }
        fcr = v & (FCR_FE | FCR_DMS | FCR_ITL);
        recvTriggerLevel = triggerLevel(fcr);
        updateIrq();
        return room;
    }

    private static int triggerLevel(int fcr) {
        return switch (fcr >>> 6) {
            case 0 -> 1;
            case 1 -> 4;
            case 2 -> 8;
            default -> 14;
        };
    }

    private void transmit(int b) {
        thrIpending = false;
        lsr &= ~(LSR_THRE | LSR_TEMT);
        updateIrq();
        if ((mcr & MCR_LOOP) != 0) {
            receiveByte(b);
        } else {
            backend.write(b);
        }
        lsr |= LSR_THRE | LSR_TEMT;
        thrIpending = true;
        updateIrq();
    }

    // ---------------------------------------------------------------- input (CharFrontend)

    /**
     * How many bytes the receiver takes now. With the FIFO on, up to the trigger level (then one
     * at a time while there is room), so that the guest sees its trigger level honoured; 0 while
     * the FIFO is full, in loopback, or (FIFO off) while RBR holds an unread byte.
     */
    @Override
    public synchronized int canReceive() {
        if ((mcr & MCR_LOOP) != 0) return 0;
        if ((fcr & FCR_FE) != 0) {
            if (fifoCount >= FIFO_SIZE) return 0;
            return fifoCount < recvTriggerLevel ? recvTriggerLevel - fifoCount : 1;
        }
        return (lsr & LSR_DR) == 0 ? 1 : 0;
    }

    @Override
    public synchronized void receive(byte[] buf, int off, int len) {
        for (int i = 0; i < len; i++) receiveByte(buf[off + i] & 0xff);
    }

    private void receiveByte(int b) {
        if ((fcr & FCR_FE) != 0) {
            pushFifo(b);
            lsr |= LSR_DR;
            armTimeout();
        } else {
            if ((lsr & LSR_DR) != 0) lsr |= LSR_OE;
            rbr = b;
            lsr |= LSR_DR;
        }
        updateIrq();
    }

    private void pushFifo(int b) {
        if (fifoCount == FIFO_SIZE) { // only reachable by a frontend ignoring canReceive, or loopback
            lsr |= LSR_OE;
            return;
        }
        fifo[(fifoHead + fifoCount) % FIFO_SIZE] = (byte) b;
        fifoCount++;
    }

    /** A break condition: a NUL character with BI set (the line-status interrupt). */
    @Override
    public synchronized void receiveBreak() {
        rbr = 0;
        if ((fcr & FCR_FE) != 0) pushFifo(0);
        lsr |= LSR_BI | LSR_DR;
        updateIrq();
    }

    // ---------------------------------------------------------------- interrupts and timing

    private void updateIrq() {
        int id = IIR_NO_INT;
        if ((ier & IER_RLSI) != 0 && (lsr & LSR_ERRORS) != 0) {
            id = IIR_RLSI;
        } else if ((ier & IER_RDI) != 0 && timeoutIpending) {
            id = IIR_CTI;
        } else if ((ier & IER_RDI) != 0 && (lsr & LSR_DR) != 0
                && ((fcr & FCR_FE) == 0 || fifoCount >= recvTriggerLevel)) {
            id = IIR_RDI;
        } else if ((ier & IER_THRI) != 0 && thrIpending) {
            id = IIR_THRI;
        } else if ((ier & IER_MSI) != 0 && (msr & MSR_ANY_DELTA) != 0) {
            id = IIR_MSI;
        }
        iir = id | ((fcr & FCR_FE) != 0 ? IIR_FIFO : 0);
        irq.set(id != IIR_NO_INT);
    }

    /** Character time from the divisor and frame format (start + data + parity + stop bits). */
    private void updateParameters() {
        if (divider == 0 || divider > BAUD_BASE) return; // QEMU keeps the previous speed
        int frame = 1 + 5 + (lcr & 3) + ((lcr & 0x08) != 0 ? 1 : 0) + ((lcr & 0x04) != 0 ? 2 : 1);
        double speed = (double) BAUD_BASE / divider;
        charTimeNanos = (long) (1e9 / speed) * frame;
    }

    private void armTimeout() {
        cancelTimeout();
        long gen = ++timeoutGeneration;
        timeoutTask = timers.schedule(() -> timeoutFired(gen), 4 * charTimeNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelTimeout() {
        timeoutGeneration++;
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
    }

    private synchronized void timeoutFired(long gen) {
        if (gen != timeoutGeneration) return;
        timeoutTask = null;
        if (fifoCount > 0) {
            timeoutIpending = true;
            updateIrq();
        }
    }

    /** Drives the interrupt line to the current state (after a restore). */
    public synchronized void resyncIrq() {
        updateIrq();
    }

    // ---------------------------------------------------------------- inspection (monitor, tests)

    public synchronized int fifoCount() {
        return fifoCount;
    }

    public synchronized int divisor() {
        return divider;
    }

    public synchronized boolean irqLevel() {
        return (iir & IIR_NO_INT) == 0;
    }
}
