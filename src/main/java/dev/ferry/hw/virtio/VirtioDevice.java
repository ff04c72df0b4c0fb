package dev.ferry.hw.virtio;

import dev.ferry.migration.vmstate.VMStateDescription;

/**
 * A virtio device behind a {@link VirtioMmio} transport: its ID, feature bits, queues, config
 * space and request handling. The transport owns the queues and the lock; every method here is
 * called with the transport's lock held unless it says otherwise. A device reaches its queues,
 * the negotiated features and the interrupt through {@link #transport}.
 */
public abstract class VirtioDevice implements AutoCloseable {
    /** Set once, when the transport is created. */
    protected VirtioMmio transport;

    /** The virtio device ID (2 block, 3 console, 4 entropy). */
    public abstract int deviceId();

    /** A short name for logs and the migration stream ("virtio-blk"). */
    public abstract String name();

    /** Sizes of the device's queues in order (their length is the number of queues). */
    protected abstract int[] queueSizes();

    /**
     * The feature bits offered, given the ring and transport bits QEMU adds for every device
     * ({@code common}, with VIRTIO_F_VERSION_1 on the modern interface). The default adds the
     * device's own bits.
     */
    protected long hostFeatures(long common, boolean legacy) {
        return common | deviceFeatures();
    }

    /** The device-specific feature bits. */
    protected abstract long deviceFeatures();

    /** The device configuration space as the driver reads it now (little-endian). */
    protected abstract byte[] readConfig();

    /** A driver write into the configuration space; ignored by default. */
    protected void writeConfig(int offset, int size, long value) {
    }

    /** The driver notified queue {@code q}. */
    protected abstract void handleNotify(int q);

    /** Called after a notification of queue {@code q}, without the transport's lock. */
    protected void afterNotify(int q) {
    }

    /** The driver's accepted features were set (legacy: DriverFeatures; modern: FEATURES_OK). */
    protected void featuresAcked(long features) {
    }

    /** The status register changed (from {@code old}); lock held. */
    protected void statusChanged(int old, int status) {
    }

    /** Called without the transport lock after the driver wrote the status register. */
    protected void afterStatusWrite() {
    }

    /**
     * Waits until no request the device took from its queues is still being served. Called
     * without the transport's lock (before a device reset, and before the state is saved).
     */
    protected void quiesce() {
    }

    /** Device reset (status 0 or machine reset): the device's own state back to power-on. */
    protected abstract void reset();

    /** The device's own migratable state (saved inside the transport's section). */
    public abstract VMStateDescription<? extends VirtioDevice> vmstate();

    /** Called after the transport and the device state were loaded, without the lock. */
    protected void afterLoad() {
    }

    /** Stops worker threads. Idempotent. */
    @Override
    public void close() {
    }

    // ---- helpers for devices

    /** The queue with index {@code q}. */
    protected final Virtqueue queue(int q) {
        return transport.queue(q);
    }

    protected final boolean negotiated(int feature) {
        return transport.negotiated(feature);
    }

    protected final boolean driverOk() {
        return (transport.status() & Virtio.STATUS_DRIVER_OK) != 0;
    }
}
