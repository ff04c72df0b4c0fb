package dev.ferry.time;

/**
 * The machine's time base: a counter at {@link #FREQUENCY_HZ} (QEMU's virt board runs mtime at
 * 10 MHz) that advances with host time while the machine runs and stands still while it is
 * paused. Saving and restoring it keeps guest time coherent across snapshots and migration:
 * the restored counter continues from the saved value, not from the wall clock.
 */
public final class GuestClock {
    public static final long FREQUENCY_HZ = 10_000_000L;
    private static final long NANOS_PER_TICK = 1_000_000_000L / FREQUENCY_HZ;

    private final Object lock = new Object();
    /** Ticks at the moment the clock last started (or the frozen value while stopped). */
    private volatile long baseTicks;
    /** Host nanoTime when the clock last started; meaningful only while running. */
    private volatile long baseNanos;
    private volatile boolean running;

    public long now() {
        if (!running) return baseTicks;
        return baseTicks + (System.nanoTime() - baseNanos) / NANOS_PER_TICK;
    }

    public boolean isRunning() {
        return running;
    }

    public void start() {
        synchronized (lock) {
            if (running) return;
            baseNanos = System.nanoTime();
            running = true;
        }
    }

    public void stop() {
        synchronized (lock) {
            if (!running) return;
            baseTicks = now();
            running = false;
        }
    }

    /** Sets the counter (restore, or a guest write to mtime). */
    public void set(long ticks) {
        synchronized (lock) {
            baseNanos = System.nanoTime();
            baseTicks = ticks;
        }
    }

    /** Host nanoseconds until the counter reaches {@code ticks} (0 if reached; Long.MAX_VALUE if stopped). */
    public long nanosUntil(long ticks) {
        long now = now();
        if (Long.compareUnsigned(ticks, now) <= 0) return 0; // comparators are unsigned (all ones: never)
        long d = ticks - now;
        if (d < 0) return Long.MAX_VALUE;
        if (!running) return Long.MAX_VALUE;
        return d > Long.MAX_VALUE / NANOS_PER_TICK ? Long.MAX_VALUE : d * NANOS_PER_TICK;
    }
}
