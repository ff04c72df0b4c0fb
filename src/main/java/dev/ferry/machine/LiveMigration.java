package dev.ferry.machine;

import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import dev.ferry.migration.MigrationOutput;
import dev.ferry.migration.MigrationStream;
import dev.ferry.migration.RamSection;
import dev.ferry.migration.ReturnPath;
import dev.ferry.migration.SaveStateEntry;
import dev.ferry.migration.SaveStateRegistry;
import dev.ferry.migration.vmstate.VMStateException;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Precopy live migration, as QEMU's: send all RAM while the guest runs, keep resending what it
 * dirties, and when what is left fits in the downtime limit at the measured bandwidth, stop the
 * vCPUs, send the rest and the devices, and finish. Runs on its own thread; the guest's vCPUs
 * only stop for the final stage. Any failure or a cancel leaves the source running.
 *
 * <p>It never switches over while what is left does not fit in the downtime limit: on a link
 * too slow it keeps iterating, until a parameter changed meanwhile (read at every step) or
 * auto-converge's throttle ({@link CpuThrottle}, ended with the migration) lets it finish.
 * With xbzrle the RAM section sends deltas ({@link RamSection#enableXbzrle}).
 */
public final class LiveMigration {
    /** QEMU's names and defaults. */
    public static final class Parameters {
        public volatile long maxBandwidth = 128L << 20; // bytes per second
        public volatile long downtimeLimitMs = 300;

        // ---- the capabilities the migration acts on (QEMU's migrate-set-capabilities names) ----

        /**
         * {@code return-path}: on a channel that can answer (tcp:, unix:), ask the destination
         * for its verdict (OPEN_RETURN_PATH) and only report success once it runs. Ferry's
         * default is on; QEMU's is off. Off: the source sends no OPEN_RETURN_PATH and is done
         * once the stream is written.
         */
        public volatile boolean returnPath = true;
        /** {@code pause-before-switchover}: with the vCPUs stopped, wait in pre-switchover for migrate-continue. */
        public volatile boolean pauseBeforeSwitchover;
        /** {@code xbzrle}: from the second round on, send changed pages as deltas against a cache of sent pages. */
        public volatile boolean xbzrle;
        /** {@code auto-converge}: throttle the vCPUs while they dirty memory faster than it is sent. */
        public volatile boolean autoConverge;

        // ---- the parameters those act on; a running migration reads them as they change ----
        public volatile long xbzrleCacheSize = 64L << 20;
        public volatile int throttleTriggerThreshold = 50, cpuThrottleInitial = 20, cpuThrottleIncrement = 10,
                maxCpuThrottle = 99;
        public volatile boolean cpuThrottleTailslow;
    }

    public enum Status {
        NONE("none"), SETUP("setup"), ACTIVE("active"), PRE_SWITCHOVER("pre-switchover"), DEVICE("device"),
        COMPLETED("completed"),
        FAILED("failed"), CANCELLING("cancelling"), CANCELLED("cancelled");

        public final String qemuName;

        Status(String n) {
            qemuName = n;
        }
    }

    /** What query-migrate reports. */
    public static final class Stats {
        public volatile Status status = Status.NONE;
        public volatile long startNanos, setupMillis, totalMillis, downtimeMillis, expectedDowntimeMillis;
        public volatile long transferred, remaining, total, duplicate, normal, dirtySyncCount, passes;
        public volatile double mbps;
        public volatile long dirtyPagesRate;
        public volatile long precopyBytes, downtimeBytes;
        public volatile String error;
        /** query-migrate's xbzrle-cache (reported while the xbzrle capability is on). */
        public volatile long xbzrleBytes, xbzrlePages, xbzrleCacheMiss, xbzrleOverflow;
        public volatile double xbzrleCacheMissRate, xbzrleEncodingRate;
        /** The vCPU throttle (auto-converge), 0 when not throttling. */
        public volatile int cpuThrottlePercentage;
    }

    private static final long WINDOW_NANOS = 100_000_000L; // QEMU's rate-limit window
    /** The shortest period over which the dirty rate is compared with the transfer rate (QEMU: a second). */
    private static final long PERIOD_NANOS = 1_000_000_000L;

    private final VirtMachine machine;
    private final String uri;
    private final Parameters params;
    public final Stats stats = new Stats();
    private volatile boolean cancelled;
    private final Consumer<Status> onStatus;
    private volatile java.util.function.LongConsumer onPass = n -> { };
    private long passesReported;
    private final Object switchover = new Object();
    private boolean continued;
    /** The disks were handed over (inactivated) at the switchover. */
    private boolean drivesInactive;
    /** Why a failed migration could not take the disks back, or null. */
    private String reactivationError;
    private CpuThrottle throttle;
    // auto-converge's and the rates' current period (QEMU's migration_bitmap_sync bookkeeping)
    private long periodStart, periodDirtyPages, periodStartBytes, periodStartPages, periodStartMisses,
            periodStartXbzrlePages, periodStartXbzrleBytes;
    private int dirtyRateHigh;

    public LiveMigration(VirtMachine machine, String uri, Parameters params, Consumer<Status> onStatus) {
        this.machine = machine;
        this.uri = uri;
        this.params = params;
        this.onStatus = onStatus == null ? s -> { } : onStatus;
    }

    /** Called with the dirty-sync count after each dirty-bitmap sync (QEMU's MIGRATION_PASS); the setup's is pass 1. */
    public void onPass(java.util.function.LongConsumer l) {
        onPass = l == null ? n -> { } : l;
    }

    public void cancel() {
        synchronized (this) {
            cancelled = true;
            Status s = stats.status;
            if (s == Status.ACTIVE || s == Status.SETUP || s == Status.PRE_SWITCHOVER || s == Status.DEVICE) setStatus(Status.CANCELLING);
        }
        synchronized (switchover) {
            switchover.notifyAll();
        }
    }

    /**
     * migrate-continue: lets a migration paused in pre-switchover (pause-before-switchover)
     * finish. Returns false when it is not waiting there.
     */
    public boolean continueSwitchover() {
        synchronized (switchover) {
            if (stats.status != Status.PRE_SWITCHOVER) return false;
            continued = true;
            switchover.notifyAll();
            return true;
        }
    }

    /** Reports the passes (dirty syncs) done so far: the setup's counts as the first, as QEMU counts it. */
    private void reportPasses(RamSection ram) {
        long n = ram.syncCount + 1;
        stats.dirtySyncCount = n;
        while (passesReported < n) onPass.accept(++passesReported);
    }

    private void setStatus(Status s) {
        stats.status = s;
        onStatus.accept(s);
    }

    /**
     * Moves on to the next stage unless a cancel came first (then the cancelling status must
     * stay, and the run unwinds to cancelled).
     */
    private void advance(Status s) {
        synchronized (this) {
            if (!cancelled) {
                setStatus(s);
                return;
            }
        }
        throw new CancelledException();
    }

    /** Runs the whole migration on the calling thread; returns normally when it completed. */
    public void run() throws MigrationException {
        stats.startNanos = System.nanoTime();
        setStatus(Status.SETUP);
        SaveStateRegistry reg = machine.stateRegistry();
        if (!reg.blockers().isEmpty()) fail(reg.blockers().get(0), null);
        List<SaveStateEntry> entries = reg.entries();
        RamSection ram = (RamSection) reg.find("ram", 0).live();
        boolean wasRunning = machine.isRunning();
        RunState before = machine.state();
        Channels.Channel ch;
        try {
            ch = Channels.connect(uri);
        } catch (MigrationException e) {
            fail(e.getMessage(), null);
            return;
        }
        MigrationOutput out = new MigrationOutput(ch.out());
        ReturnPath.Listener rp = ch.in() != null && params.returnPath ? new ReturnPath.Listener(ch.in()) : null;
        boolean stopped = false;
        drivesInactive = false;
        throttle = new CpuThrottle(machine.harts);
        try {
            MigrationStream.writeHeader(out, MachineMigration.MACHINE_TYPE);
            if (rp != null) ReturnPath.writeOpenCommand(out);
            ram.enableXbzrle(params.xbzrle ? params.xbzrleCacheSize : 0);
            MigrationStream.saveSetup(out, entries);
            startPeriod(ram, out);
            reportPasses(ram);
            stats.total = ram.totalBytes();
            stats.setupMillis = (System.nanoTime() - stats.startNanos) / 1_000_000;
            advance(Status.ACTIVE);
            long bandwidth = Math.max(1, params.maxBandwidth); // bytes/s, refined by measurement
            long windowStart = System.nanoTime(), windowBytes = out.bytesWritten();
            long lastSync = System.nanoTime();
            while (true) {
                if (cancelled) throw new CancelledException();
                String destinationFailure = rp == null ? null : rp.failure();
                if (destinationFailure != null) throw new MigrationException(destinationFailure);
                if (params.xbzrle) ram.resizeXbzrleCache(params.xbzrleCacheSize);
                long budget = Math.max(64 << 10, params.maxBandwidth / 10 - (out.bytesWritten() - windowBytes));
                boolean drained = MigrationStream.saveIterate(out, entries, budget);
                out.flush();
                stats.transferred = out.bytesWritten();
                stats.normal = ram.normalPages;
                stats.duplicate = ram.zeroPages;
                copyXbzrleCounters(ram);
                long now = System.nanoTime();
                long sentInWindow = out.bytesWritten() - windowBytes;
                if (sentInWindow >= params.maxBandwidth / 10) {
                    // rate limit: wait until what was sent in this window is paid for at max-bandwidth
                    // (more than a window below 640 KiB/s, where a step sends at least 64 KiB), in
                    // short sleeps so that a cancel or a new max-bandwidth is seen at once
                    long paidAt;
                    while (!cancelled && now - windowStart < (paidAt = paidNanos(sentInWindow))) {
                        sleepNanos(Math.min(WINDOW_NANOS, paidAt - (now - windowStart)));
                        now = System.nanoTime();
                    }
                }
                if (now - windowStart >= WINDOW_NANOS) {
                    double secs = (now - windowStart) / 1e9;
                    bandwidth = Math.max(1, (long) ((out.bytesWritten() - windowBytes) / secs));
                    stats.mbps = bandwidth * 8 / 1e6;
                    windowStart = now;
                    windowBytes = out.bytesWritten();
                }
                long threshold = bandwidth * params.downtimeLimitMs / 1000;
                long pending = MigrationStream.pending(entries).total();
                if (drained || pending <= threshold) {
                    long pendingBefore = pending;
                    ram.sync();
                    reportPasses(ram);
                    stats.passes++;
                    pending = MigrationStream.pending(entries).total();
                    periodDirtyPages += (pending - pendingBefore) / 4096;
                    endPeriodIfDue(ram, out);
                    double since = (System.nanoTime() - lastSync) / 1e9;
                    stats.dirtyPagesRate = since > 0 ? (long) (pending / 4096 / since) : 0;
                    lastSync = System.nanoTime();
                    stats.remaining = pending;
                    stats.expectedDowntimeMillis = pending * 1000 / bandwidth;
                    if (pending <= threshold) break;
                }
                stats.remaining = pending;
            }
            // final stage
            stats.precopyBytes = out.bytesWritten();
            long stopAt = System.nanoTime();
            machine.pause(RunState.FINISH_MIGRATE);
            stopped = true;
            if (params.pauseBeforeSwitchover) {
                // QEMU's order: pre-switchover (vCPUs stopped) until migrate-continue, then device
                synchronized (switchover) {
                    advance(Status.PRE_SWITCHOVER);
                    while (!continued && !cancelled) switchover.wait();
                }
                advance(Status.DEVICE);
            }
            if (cancelled) throw new CancelledException();
            machine.quiesceDevices();
            // shared storage: the destination takes the disks over once it has loaded the rest,
            // so every completed write must be in the image and its lock free before then
            DriveActivation.inactivateAll(machine);
            drivesInactive = true;
            machine.recordGlobalState(wasRunning ? RunState.RUNNING : before);
            MigrationStream.saveComplete(out, entries);
            reportPasses(ram);
            // with a return path this returns once the destination runs: that is the downtime
            MachineMigration.finish(out, rp);
            ch.close();
            stats.downtimeMillis = (System.nanoTime() - stopAt) / 1_000_000;
            stats.downtimeBytes = out.bytesWritten() - stats.precopyBytes;
            stats.transferred = out.bytesWritten();
            stats.remaining = 0;
            stats.normal = ram.normalPages;
            stats.duplicate = ram.zeroPages;
            copyXbzrleCounters(ram);
            stats.totalMillis = (System.nanoTime() - stats.startNanos) / 1_000_000;
            endThrottle();
            machine.setStateQuietly(RunState.POSTMIGRATE);
            setStatus(Status.COMPLETED);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ch.close();
            restore(stopped, wasRunning, before);
            fail("migration interrupted", e);
        } catch (CancelledException e) {
            ch.close();
            restore(stopped, wasRunning, before);
            stats.totalMillis = (System.nanoTime() - stats.startNanos) / 1_000_000;
            if (reactivationError != null) stats.error = "migration cancelled; " + reactivationError;
            setStatus(Status.CANCELLED);
            throw new MigrationException(reactivationError == null ? "migration cancelled" : "migration cancelled; " + reactivationError);
        } catch (MigrationException e) {
            ch.close();
            restore(stopped, wasRunning, before);
            fail(e.getMessage(), e);
        } catch (VMStateException | IOException | RuntimeException e) {
            String reason = rp == null ? null : rp.reasonAfterFailure(2000);
            ch.close();
            restore(stopped, wasRunning, before);
            fail(reason != null ? reason : e.getMessage() == null ? e.toString() : e.getMessage(), e);
        } finally {
            endThrottle();
            ram.cleanup();
        }
    }

    private void endThrottle() {
        throttle.stop();
        stats.cpuThrottlePercentage = 0;
    }

    private void copyXbzrleCounters(RamSection ram) {
        stats.xbzrleBytes = ram.xbzrleBytes;
        stats.xbzrlePages = ram.xbzrlePages;
        stats.xbzrleCacheMiss = ram.xbzrleCacheMiss;
        stats.xbzrleOverflow = ram.xbzrleOverflow;
    }

    private void startPeriod(RamSection ram, MigrationOutput out) {
        periodStart = System.nanoTime();
        periodDirtyPages = 0;
        periodStartBytes = out.bytesWritten();
        periodStartPages = ram.pagesHandled;
        periodStartMisses = ram.xbzrleCacheMiss;
        periodStartXbzrlePages = ram.xbzrlePages;
        periodStartXbzrleBytes = ram.xbzrleBytes;
    }

    /**
     * After a sync, once a period of at least a second is over (QEMU's rule): auto-converge
     * compares what the guest dirtied in it with what was sent in it, and the xbzrle rates
     * are computed over it. Then a new period starts.
     */
    private void endPeriodIfDue(RamSection ram, MigrationOutput out) {
        if (System.nanoTime() - periodStart < PERIOD_NANOS) return;
        if (params.autoConverge) {
            long sentBytes = out.bytesWritten() - periodStartBytes;
            long dirtyBytes = periodDirtyPages * 4096;
            long thresholdBytes = sentBytes * params.throttleTriggerThreshold / 100;
            // twice over the threshold starts (or raises) the throttle
            if (dirtyBytes > thresholdBytes && ++dirtyRateHigh >= 2) {
                dirtyRateHigh = 0;
                throttleDown(dirtyBytes, thresholdBytes);
            }
        }
        if (params.xbzrle) {
            long pages = ram.pagesHandled - periodStartPages;
            long xPages = ram.xbzrlePages - periodStartXbzrlePages, xBytes = ram.xbzrleBytes - periodStartXbzrleBytes;
            stats.xbzrleCacheMissRate = pages == 0 ? 0 : (double) (ram.xbzrleCacheMiss - periodStartMisses) / pages;
            stats.xbzrleEncodingRate = xPages == 0 || xBytes == 0 ? 0 : (double) (xPages * 4096) / xBytes;
        }
        startPeriod(ram, out);
    }

    /**
     * Starts throttling at cpu-throttle-initial, or raises it by cpu-throttle-increment (with
     * cpu-throttle-tailslow: by no more than what would bring the dirty rate to the threshold),
     * up to max-cpu-throttle.
     */
    private void throttleDown(long dirtyBytes, long thresholdBytes) {
        int now = throttle.percentage();
        int next;
        if (!throttle.active()) {
            next = params.cpuThrottleInitial;
        } else {
            int inc = params.cpuThrottleIncrement;
            if (params.cpuThrottleTailslow && dirtyBytes > 0) {
                double cpuNow = 100 - now;
                double cpuIdeal = cpuNow * ((double) thresholdBytes / dirtyBytes);
                inc = (int) Math.min(cpuNow - cpuIdeal, inc);
            }
            next = Math.min(now + inc, params.maxCpuThrottle);
        }
        throttle.set(next);
        stats.cpuThrottlePercentage = throttle.percentage();
    }


    /**
     * Puts the source back as it was: its disks active again, then its vCPUs running if they
     * were. Disks that cannot be taken back (the destination holds them) keep the guest paused
     * rather than running it without them; {@code cont} tries again.
     */
    private void restore(boolean stopped, boolean wasRunning, RunState before) {
        reactivationError = null;
        if (drivesInactive) {
            try {
                DriveActivation.activateAll(machine);
                drivesInactive = false;
            } catch (IOException e) {
                reactivationError = "the disks could not be taken back: " + e.getMessage();
            }
        }
        if (stopped) {
            if (wasRunning && reactivationError == null) machine.resume();
            else if (wasRunning) machine.setStateQuietly(RunState.PAUSED);
            else machine.setStateQuietly(before);
        }
    }

    private void fail(String msg, Throwable cause) throws MigrationException {
        if (reactivationError != null) msg = msg + "; " + reactivationError;
        stats.error = msg;
        stats.totalMillis = (System.nanoTime() - stats.startNanos) / 1_000_000;
        setStatus(Status.FAILED);
        throw cause == null ? new MigrationException(msg) : new MigrationException(msg, cause);
    }

    /** How long sending {@code bytes} takes at max-bandwidth (a window at least, as QEMU's limit is per window). */
    private long paidNanos(long bytes) {
        return Math.max(WINDOW_NANOS, (long) (bytes * 1e9 / Math.max(1, params.maxBandwidth)));
    }

    private static void sleepNanos(long n) {
        try {
            Thread.sleep(n / 1_000_000, (int) (n % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class CancelledException extends RuntimeException {
        CancelledException() {
            super(null, null, false, false);
        }
    }
}
