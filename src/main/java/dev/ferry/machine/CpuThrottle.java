package dev.ferry.machine;

import dev.ferry.cpu.Hart;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Slows the guest down for auto-converge, as QEMU's cpu_throttle: at {@code pct} percent, each
 * vCPU runs a 10 ms time slice, then sleeps {@code pct / (1 - pct)} of a slice, so that it
 * runs {@code 100 - pct} percent of the time. A timer (a virtual thread) asks every hart to
 * sleep once per period; the harts sleep on their own threads at an instruction boundary
 * ({@link Hart#throttle}), so the unthrottled run loop pays nothing.
 */
final class CpuThrottle {
    static final long SLICE_NANOS = 10_000_000L;

    private final List<Hart> harts;
    private volatile int percentage;
    private Thread timer;

    CpuThrottle(List<Hart> harts) {
        this.harts = List.copyOf(harts);
    }

    /** The current percentage; 0 when not throttling. */
    int percentage() {
        return percentage;
    }

    boolean active() {
        return percentage > 0;
    }

    /** Starts throttling at {@code pct} percent (1..99), or changes the percentage. */
    synchronized void set(int pct) {
        percentage = Math.clamp(pct, 1, 99);
        if (timer == null) timer = Thread.ofVirtual().name("cpu-throttle").start(this::tick);
    }

    /** Ends throttling: the vCPUs run at full speed again from now. */
    synchronized void stop() {
        percentage = 0;
        Thread t = timer;
        timer = null;
        if (t != null) {
            t.interrupt();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Hart h : harts) h.endThrottle();
    }

    private void tick() {
        while (!Thread.currentThread().isInterrupted()) {
            int pct = percentage;
            if (pct <= 0) return;
            double p = pct / 100.0;
            long sleep = (long) (p / (1 - p) * SLICE_NANOS);
            for (Hart h : harts) h.throttle(sleep);
            // the period is the slice plus the sleep: the vCPU runs one slice per period
            LockSupport.parkNanos((long) (SLICE_NANOS / (1 - p)));
        }
    }
}
