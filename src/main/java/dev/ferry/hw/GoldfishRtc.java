package dev.ferry.hw;

import dev.ferry.memory.MmioHandler;
import dev.ferry.migration.vmstate.VMStateDescription;
import dev.ferry.migration.vmstate.VMStateException;
import dev.ferry.migration.vmstate.VMStateReader;
import dev.ferry.migration.vmstate.VMStateWriter;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Google's Goldfish RTC (the virt board's {@code rtc@101000}): a 64-bit nanosecond count since
 * the Unix epoch and one alarm. Guest time is the host wall clock plus an offset; writing
 * TIME_LOW/TIME_HIGH moves the offset (as QEMU's device does). Reading TIME_LOW latches the high
 * half, which TIME_HIGH then returns. The alarm interrupt is level-triggered: it stays raised
 * until CLEAR_INTERRUPT, and reaches the interrupt line only while IRQ_ENABLED.
 * Registers are 32 bits wide; other access sizes are ignored.
 */
public final class GoldfishRtc implements MmioHandler {
    public static final long BASE = 0x10_1000L;
    public static final long SIZE = 0x1000;
    public static final int IRQ = 11;

    public static final int TIME_LOW = 0x00, TIME_HIGH = 0x04, ALARM_LOW = 0x08, ALARM_HIGH = 0x0c,
            IRQ_ENABLED = 0x10, CLEAR_ALARM = 0x14, ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c;

    private static final System.Logger LOG = System.getLogger(GoldfishRtc.class.getName());

    /** Host wall clock in ns since the epoch. */
    public static final LongSupplier HOST_CLOCK = () -> {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };

    /**
     * The RTC's state, as QEMU's {@code goldfish_rtc} (version 2): the guest's time at the moment
     * of saving (so, as in QEMU, the restored clock continues from there rather than jumping over
     * the time the machine was away), the alarm, whether it is armed, the interrupt's pending and
     * enabled bits and the latched TIME_HIGH. Loading re-arms a running alarm (firing at once if
     * its time has passed) and drives the interrupt line.
     */
    public static final VMStateDescription<GoldfishRtc> VMSTATE = VMStateDescription.<GoldfishRtc>builder("goldfish_rtc")
            .version(2).minimumVersion(0)
            .uint64("tick_offset_vmstate", r -> r.savedTime, (r, v) -> r.savedTime = v)
            .uint64("alarm_next", r -> r.alarmNext, (r, v) -> r.alarmNext = v)
            .uint32("alarm_running", r -> r.alarmRunning ? 1 : 0, (r, v) -> r.alarmRunning = v != 0)
            .uint32("irq_pending", r -> r.irqPending ? 1 : 0, (r, v) -> r.irqPending = v != 0)
            .uint32("irq_enabled", r -> r.irqEnabled ? 1 : 0, (r, v) -> r.irqEnabled = v != 0)
            .uint32("time_high", r -> r.timeHigh, (r, v) -> r.timeHigh = v).since(2)
            .preSave(r -> r.savedTime = r.now())
            .postLoad((r, v) -> r.afterLoad())
            .build();

    private final IrqLine irq;
    private final ScheduledExecutorService timers;
    private final LongSupplier hostNanos;

    // state (guarded by this)
    /** Guest time minus host time, in ns. */
    private long tickOffset;
    private long alarmNext;
    private boolean alarmRunning;
    private boolean irqPending;
    private boolean irqEnabled;
    private int timeHigh;
    /** The guest time in transit: set before saving, turned back into an offset after loading. */
    private long savedTime;

    private ScheduledFuture<?> alarmTask;
    private long alarmGeneration;

    /** An RTC showing the host's time, whole seconds as QEMU starts it ({@code -rtc base=utc}). */
    public GoldfishRtc(IrqLine irq) {
        this(irq, DeviceTimers.shared(), HOST_CLOCK, 0);
    }

    /**
     * @param hostNanos the host clock (ns since the epoch)
     * @param baseOffsetNanos where the guest's clock starts relative to the host's
     *        ({@code -rtc base=DATE} gives DATE minus now)
     */
    public GoldfishRtc(IrqLine irq, ScheduledExecutorService timers, LongSupplier hostNanos, long baseOffsetNanos) {
        this.irq = irq;
        this.timers = timers;
        this.hostNanos = hostNanos;
        long host = hostNanos.getAsLong();
        // QEMU starts the RTC at a whole second
        long start = Math.floorDiv(host + baseOffsetNanos, 1_000_000_000L) * 1_000_000_000L;
        this.tickOffset = start - host;
    }

    /** Writes this RTC's section body (see {@link #VMSTATE}). */
    public synchronized void saveState(VMStateWriter out) throws VMStateException {
        VMSTATE.save(this, out);
    }

    /** Loads a section body saved at {@code versionId}; on failure nothing changes. */
    public synchronized void loadState(VMStateReader in, int versionId) throws VMStateException {
        VMSTATE.load(this, in, versionId);
    }

    private void afterLoad() {
        tickOffset = savedTime - hostNanos.getAsLong();
        boolean running = alarmRunning;
        clearAlarm();
        if (running) setAlarm();
        update();
    }

    /** The guest's current time in ns since the epoch. */
    public synchronized long now() {
        return hostNanos.getAsLong() + tickOffset;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (size != 4 || (offset & 3) != 0) return bad("read", offset, size);
        switch ((int) offset) {
            case TIME_LOW -> {
                long t = now();
                timeHigh = (int) (t >>> 32);
                return t & 0xffff_ffffL;
            }
            case TIME_HIGH -> {
                return timeHigh & 0xffff_ffffL;
            }
            case ALARM_LOW -> {
                return alarmNext & 0xffff_ffffL;
            }
            case ALARM_HIGH -> {
                return alarmNext >>> 32;
            }
            case IRQ_ENABLED -> {
                return irqEnabled ? 1 : 0;
            }
            case ALARM_STATUS -> {
                return alarmRunning ? 1 : 0;
            }
            default -> {
                return bad("read", offset, size);
            }
        }
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (size != 4 || (offset & 3) != 0) {
            bad("write", offset, size);
            return;
        }
        long v = value & 0xffff_ffffL;
        switch ((int) offset) {
            case TIME_LOW -> {
                long cur = now();
                tickOffset += ((cur & 0xffff_ffff_0000_0000L) | v) - cur;
            }
            case TIME_HIGH -> {
                long cur = now();
                tickOffset += ((cur & 0xffff_ffffL) | (v << 32)) - cur;
            }
            case ALARM_LOW -> {
                alarmNext = (alarmNext & 0xffff_ffff_0000_0000L) | v; // writing the low half arms the alarm
                setAlarm();
            }
            case ALARM_HIGH -> alarmNext = (alarmNext & 0xffff_ffffL) | (v << 32);
            case IRQ_ENABLED -> {
                irqEnabled = (v & 1) != 0;
                update();
            }
            case CLEAR_ALARM -> clearAlarm();
            case CLEAR_INTERRUPT -> {
                irqPending = false;
                update();
            }
            default -> bad("write", offset, size);
        }
    }

    private long bad(String what, long offset, int size) {
        LOG.log(Level.DEBUG, () -> String.format("goldfish RTC: invalid %s of %d bytes at +0x%x", what, size, offset));
        return 0;
    }

    private void update() {
        irq.set(irqPending && irqEnabled);
    }

    private void setAlarm() {
        clearAlarm();
        long delay = alarmNext - now();
        if (delay <= 0) {
            irqPending = true;
            update();
            return;
        }
        alarmRunning = true;
        long gen = alarmGeneration;
        alarmTask = timers.schedule(() -> alarmFired(gen), delay, TimeUnit.NANOSECONDS);
    }

    private void clearAlarm() {
        alarmGeneration++;
        if (alarmTask != null) {
            alarmTask.cancel(false);
            alarmTask = null;
        }
        alarmRunning = false;
    }

    private synchronized void alarmFired(long gen) {
        if (gen != alarmGeneration || !alarmRunning) return;
        long delay = alarmNext - now();
        if (delay > 0) { // the guest clock was moved back, or the host clock jumped: wait again
            alarmTask = timers.schedule(() -> alarmFired(gen), delay, TimeUnit.NANOSECONDS);
            return;
        }
        alarmTask = null;
        alarmRunning = false;
        irqPending = true;
        update();
    }

    /** Machine reset: alarm off, interrupt cleared and disabled; the time keeps running. */
    public synchronized void reset() {
        clearAlarm();
        alarmNext = 0;
        irqPending = false;
        irqEnabled = false;
        timeHigh = 0;
        update();
    }

    // inspection
    public synchronized boolean irqLevel() {
        return irqPending && irqEnabled;
    }

    public synchronized boolean alarmRunning() {
        return alarmRunning;
    }
}
