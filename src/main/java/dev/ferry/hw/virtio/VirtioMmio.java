package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;

import dev.ferry.hw.IrqLine;
import dev.ferry.memory.AddressSpace;
import dev.ferry.memory.MmioHandler;
import dev.ferry.migration.vmstate.VMStateDescription;
import dev.ferry.migration.vmstate.VMStateException;
import java.lang.System.Logger.Level;

/**
 * The virtio-mmio transport (virtio 1.2 section 4.2) as QEMU 7.2's {@code virtio-mmio} presents it,
 * in either of its two interfaces: legacy (version 1, QEMU's default: GuestPageSize, QueuePFN,
 * QueueAlign, features written straight away) or modern (version 2, QEMU's
 * {@code force-legacy=false}: QueueReady, 64-bit ring addresses, FEATURES_OK negotiation,
 * VIRTIO_F_VERSION_1, ConfigGeneration).
 *
 * <p>Registers are 32-bit; other widths below the config space read as zero and are ignored
 * (QEMU logs "wrong size access"); 64-bit accesses are split into two 32-bit ones, as QEMU's
 * memory core does. The config space at 0x100 takes 1, 2 and 4-byte accesses; reads past the
 * device's config read as all ones. With no device behind it the transport answers magic,
 * version and vendor only (device ID 0: the driver skips it), as QEMU's empty slots do.
 *
 * <p>QueueNumMax reads {@link Virtio#QUEUE_MAX_SIZE} for each queue the device has and 0 for
 * the others (QEMU's rule); a queue's size after reset is the device's own (blk 256, rng 8,
 * console 128/32). Writing 0 to QueuePFN resets the device, as in QEMU.
 *
 * <p><b>Broken devices.</b> When the driver breaks the virtqueue contract (see
 * {@link Virtqueue}) the device logs one line, stops processing its queues, sets
 * DEVICE_NEEDS_RESET (64) in its status and, if DRIVER_OK was set, raises the configuration
 * change interrupt with a new config generation (virtio 2.1.2). Only a reset (status 0) revives
 * it. Nothing a guest writes makes the transport throw.
 *
 * <p>Thread-safety: one lock (this object) serialises register accesses from vCPUs, completions
 * from device workers and input from character backends.
 */
public final class VirtioMmio implements MmioHandler, AutoCloseable {
    public static final int MAGIC = 0x74726976; // "virt"
    public static final int VENDOR_QEMU = 0x554d4551; // "QEMU"
    /** The transport's register window in QEMU (the slot is 0x1000; the rest reads as zero). */
    public static final int REGION_SIZE = 0x200;

    // register offsets
    static final int MAGIC_VALUE = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, VENDOR_ID = 0x00c,
            DEVICE_FEATURES = 0x010, DEVICE_FEATURES_SEL = 0x014, DRIVER_FEATURES = 0x020,
            DRIVER_FEATURES_SEL = 0x024, GUEST_PAGE_SIZE = 0x028, QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034,
            QUEUE_NUM = 0x038, QUEUE_ALIGN = 0x03c, QUEUE_PFN = 0x040, QUEUE_READY = 0x044,
            QUEUE_NOTIFY = 0x050, INTERRUPT_STATUS = 0x060, INTERRUPT_ACK = 0x064, STATUS = 0x070,
            QUEUE_DESC_LOW = 0x080, QUEUE_DESC_HIGH = 0x084, QUEUE_AVAIL_LOW = 0x090, QUEUE_AVAIL_HIGH = 0x094,
            QUEUE_USED_LOW = 0x0a0, QUEUE_USED_HIGH = 0x0a4, SHM_SEL = 0x0ac, SHM_LEN_LOW = 0x0b0,
            SHM_LEN_HIGH = 0x0b4, SHM_BASE_LOW = 0x0b8, SHM_BASE_HIGH = 0x0bc, CONFIG_GENERATION = 0x0fc,
            CONFIG = 0x100;

    private static final System.Logger LOG = System.getLogger(VirtioMmio.class.getName());

    private final GuestMemory mem;
    private final IrqLine irq;
    private final VirtioDevice device;
    private final boolean legacy;
    private final Virtqueue[] queues;
    private final VMStateDescription<VirtioMmio> vmstate;

    // guest-visible state (guarded by this)
    private int hostFeaturesSel;
    private int guestFeaturesSel;
    private int guestPageShift;
    /** Modern DriverFeatures words, applied when the driver sets FEATURES_OK. */
    private final int[] driverFeatures = new int[2];
    private long guestFeatures;
    private int status;
    private int isr;
    private int configGeneration;
    private int queueSel;
    private boolean broken;

    /** Bumped by every device reset: completions of requests taken before it are dropped. */
    private long resetEpoch;

    /**
     * A transport with {@code device} behind it (null: an empty slot). {@code legacy} selects
     * the interface: true is QEMU 7.2's default, false its {@code force-legacy=false}.
     */
    public VirtioMmio(AddressSpace dma, IrqLine irq, VirtioDevice device, boolean legacy) {
        this.mem = new GuestMemory(dma);
        this.irq = irq;
        this.device = device;
        this.legacy = legacy;
        if (device != null) {
            if (device.transport != null) throw new IllegalArgumentException(device.name() + " already has a transport");
            device.transport = this;
            int[] sizes = device.queueSizes();
            queues = new Virtqueue[sizes.length];
            for (int i = 0; i < sizes.length; i++) queues[i] = new Virtqueue(this, mem, i, sizes[i]);
        } else {
            queues = new Virtqueue[0];
        }
        this.vmstate = buildVmstate(device);
    }

    /** An empty slot (device ID 0). */
    public static VirtioMmio empty(boolean legacy) {
        return new VirtioMmio(null, IrqLine.NONE, null, legacy);
    }

    public VirtioDevice device() {
        return device;
    }

    public boolean isLegacy() {
        return legacy;
    }

    public synchronized int status() {
        return status;
    }

    public synchronized int interruptStatus() {
        return isr;
    }

    public synchronized boolean isBroken() {
        return broken;
    }

    public synchronized long guestFeatures() {
        return guestFeatures;
    }

    public synchronized int configGeneration() {
        return configGeneration;
    }

    /** Every feature bit offered (the modern view; the legacy interface shows the low 32). */
    public long hostFeatures() {
        if (device == null) return 0;
        long common = COMMON_FEATURES | (legacy ? 0 : bit(F_VERSION_1));
        long f = device.hostFeatures(common, legacy);
        return legacy ? f & 0xffffffffL : f & ~LEGACY_ONLY_FEATURES;
    }

    public int queueCount() {
        return queues.length;
    }

    Virtqueue queue(int q) {
        return queues[q];
    }

    boolean negotiated(int feature) {
        return (guestFeatures & bit(feature)) != 0;
    }

    long resetEpoch() {
        return resetEpoch;
    }

    GuestMemory memory() {
        return mem;
    }

    AddressSpace addressSpace() {
        return mem.addressSpace();
    }

    // ---------------------------------------------------------------- MMIO

    @Override
    public long read(long offset, int size) {
        if (size == 8) return (read(offset, 4) & 0xffffffffL) | read(offset + 4, 4) << 32;
        if (offset < 0 || offset >= REGION_SIZE) return 0;
        int off = (int) offset;
        if (device == null) {
            return switch (off) {
                case MAGIC_VALUE -> MAGIC & 0xffffffffL;
                case VERSION -> legacy ? 1 : 2;
                case VENDOR_ID -> VENDOR_QEMU & 0xffffffffL;
                default -> 0;
            };
        }
        synchronized (this) {
            if (off >= CONFIG) return readConfig(off - CONFIG, size);
            if (size != 4) {
                LOG.log(Level.DEBUG, () -> String.format("%s: %d-byte read of register 0x%x", device.name(), size, off));
                return 0;
            }
            return readRegister(off) & 0xffffffffL;
        }
    }

    private long readConfig(int off, int size) {
        if (size != 1 && size != 2 && size != 4) return 0;
        byte[] cfg = device.readConfig();
        long ones = size == 4 ? 0xffffffffL : (1L << (8 * size)) - 1;
        if (off + size > cfg.length) return ones;
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = v << 8 | (cfg[off + i] & 0xff);
        return v;
    }

    private int readRegister(int off) {
        Virtqueue q = queueSel < queues.length ? queues[queueSel] : null;
        switch (off) {
            case MAGIC_VALUE: return MAGIC;
            case VERSION: return legacy ? 1 : 2;
            case DEVICE_ID: return device.deviceId();
            case VENDOR_ID: return VENDOR_QEMU;
            case DEVICE_FEATURES: {
                long f = hostFeatures();
                if (legacy) return hostFeaturesSel != 0 ? 0 : (int) f;
                return (int) (f >>> (32 * hostFeaturesSel));
            }
            case QUEUE_NUM_MAX: return q != null ? QUEUE_MAX_SIZE : 0;
            case QUEUE_PFN:
                if (!legacy) return wrongMode(off, "read");
                return q != null ? (int) (q.desc >>> guestPageShift) : 0;
            case QUEUE_READY:
                if (legacy) return wrongMode(off, "read");
                return q != null && q.enabled ? 1 : 0;
            case INTERRUPT_STATUS: return isr;
            case STATUS: return status;
            case CONFIG_GENERATION:
                if (legacy) return wrongMode(off, "read");
                return configGeneration;
            case SHM_LEN_LOW, SHM_LEN_HIGH: return -1; // no shared memory regions
            default:
                LOG.log(Level.DEBUG, () -> String.format("%s: read of write-only or unknown register 0x%x", device.name(), off));
                return 0;
        }
    }

    private int wrongMode(int off, String what) {
        LOG.log(Level.DEBUG, () -> String.format("%s: %s of a %s register (0x%x) in %s mode", device.name(), what,
                legacy ? "modern" : "legacy", off, legacy ? "legacy" : "modern"));
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size == 8) {
            write(offset, 4, value & 0xffffffffL);
            write(offset + 4, 4, value >>> 32);
            return;
        }
        if (device == null || offset < 0 || offset >= REGION_SIZE) return;
        int off = (int) offset;
        int v = (int) value;
        if (off >= CONFIG) {
            synchronized (this) {
                if (size == 1 || size == 2 || size == 4) guard(() -> device.writeConfig(off - CONFIG, size, value));
            }
            return;
        }
        if (size != 4) {
            LOG.log(Level.DEBUG, () -> String.format("%s: %d-byte write of register 0x%x", device.name(), size, off));
            return;
        }
        switch (off) {
            case STATUS -> writeStatus(v & 0xff);
            case QUEUE_NOTIFY -> notifyQueue(v);
            case QUEUE_PFN -> {
                if (legacy && v == 0) {
                    deviceReset();
                    return;
                }
                synchronized (this) {
                    writeRegister(off, v);
                }
            }
            default -> {
                synchronized (this) {
                    writeRegister(off, v);
                }
            }
        }
    }

    private void writeRegister(int off, int v) {
        Virtqueue q = queueSel < queues.length ? queues[queueSel] : null;
        switch (off) {
            case DEVICE_FEATURES_SEL -> hostFeaturesSel = v != 0 ? 1 : 0;
            case DRIVER_FEATURES -> {
                if (legacy) {
                    if (guestFeaturesSel != 0) {
                        LOG.log(Level.DEBUG, "{0}: legacy driver features written with DriverFeaturesSel != 0", device.name());
                    } else {
                        guestFeatures = v & 0xffffffffL & hostFeatures();
                        guard(() -> device.featuresAcked(guestFeatures));
                    }
                } else {
                    driverFeatures[guestFeaturesSel] = v;
                }
            }
            case DRIVER_FEATURES_SEL -> guestFeaturesSel = v != 0 ? 1 : 0;
            case GUEST_PAGE_SIZE -> {
                if (!legacy) {
                    wrongMode(off, "write");
                    return;
                }
                int shift = Integer.numberOfTrailingZeros(v);
                guestPageShift = shift > 31 ? 0 : shift;
            }
            case QUEUE_SEL -> {
                if (Integer.compareUnsigned(v, QUEUE_SEL_MAX) < 0) queueSel = v;
            }
            case QUEUE_NUM -> {
                if (q == null) return;
                if (v <= 0 || v > QUEUE_MAX_SIZE) {
                    LOG.log(Level.DEBUG, "{0}: queue size {1} ignored", device.name(), Integer.toUnsignedString(v));
                    return;
                }
                if (!legacy && q.enabled) return;
                q.num = v;
                if (legacy) q.updateLegacyRings();
            }
            case QUEUE_ALIGN -> {
                if (!legacy) {
                    wrongMode(off, "write");
                    return;
                }
                if (q == null) return;
                if (v <= 0 || Integer.bitCount(v) != 1) {
                    LOG.log(Level.DEBUG, "{0}: queue alignment {1} ignored", device.name(), Integer.toUnsignedString(v));
                    return;
                }
                q.align = v;
                q.updateLegacyRings();
            }
            case QUEUE_PFN -> {
                if (!legacy) {
                    wrongMode(off, "write");
                    return;
                }
                if (q != null) q.setLegacyRings((v & 0xffffffffL) << guestPageShift);
            }
            case QUEUE_READY -> {
                if (legacy) {
                    wrongMode(off, "write");
                    return;
                }
                if (q != null) q.enabled = v != 0;
            }
            case INTERRUPT_ACK -> {
                isr &= ~v;
                updateIrq();
            }
            case QUEUE_DESC_LOW, QUEUE_DESC_HIGH, QUEUE_AVAIL_LOW, QUEUE_AVAIL_HIGH, QUEUE_USED_LOW, QUEUE_USED_HIGH -> {
                if (legacy) {
                    wrongMode(off, "write");
                    return;
                }
                if (q == null) return;
                if (q.enabled) {
                    LOG.log(Level.DEBUG, "{0}: ring address written while queue {1} is ready", device.name(), q.index);
                    return;
                }
                long lo = v & 0xffffffffL;
                switch (off) {
                    case QUEUE_DESC_LOW -> q.desc = q.desc & ~0xffffffffL | lo;
                    case QUEUE_DESC_HIGH -> q.desc = q.desc & 0xffffffffL | lo << 32;
                    case QUEUE_AVAIL_LOW -> q.avail = q.avail & ~0xffffffffL | lo;
                    case QUEUE_AVAIL_HIGH -> q.avail = q.avail & 0xffffffffL | lo << 32;
                    case QUEUE_USED_LOW -> q.used = q.used & ~0xffffffffL | lo;
                    default -> q.used = q.used & 0xffffffffL | lo << 32;
                }
            }
            default -> LOG.log(Level.DEBUG, () -> String.format("%s: write of read-only or unknown register 0x%x",
                    device.name(), off));
        }
    }

    private void writeStatus(int value) {
        if (value == 0) {
            deviceReset();
            return;
        }
        synchronized (this) {
            if (!legacy && (value & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0) {
                long f = (driverFeatures[1] & 0xffffffffL) << 32 | (driverFeatures[0] & 0xffffffffL);
                long offered = hostFeatures();
                if ((f & ~offered) != 0) {
                    LOG.log(Level.WARNING, () -> String.format("%s: driver accepted features 0x%x not offered (0x%x): FEATURES_OK refused",
                            device.name(), f, offered));
                    value &= ~STATUS_FEATURES_OK;
                } else {
                    guestFeatures = f;
                    guard(() -> device.featuresAcked(f));
                }
            }
            int old = status;
            status = value | (broken ? STATUS_DEVICE_NEEDS_RESET : 0);
            int now = status;
            guard(() -> device.statusChanged(old, now));
        }
        device.afterStatusWrite();
    }

    private void notifyQueue(int q) {
        if (q < 0 || q >= queues.length) return;
        synchronized (this) {
            if (broken || !queues[q].usable()) return;
            guard(() -> device.handleNotify(q));
        }
        device.afterNotify(q);
    }

    // ---------------------------------------------------------------- reset

    /** Device reset (the driver wrote 0 to Status, or legacy QueuePFN 0): waits for in-flight requests first. */
    private void deviceReset() {
        device.quiesce();
        synchronized (this) {
            resetLocked();
        }
        device.afterStatusWrite();
    }

    private void resetLocked() {
        status = 0;
        guestFeatures = 0;
        queueSel = 0;
        isr = 0;
        broken = false;
        resetEpoch++;
        for (Virtqueue q : queues) q.reset();
        guard(device::reset);
        updateIrq();
    }

    /** System reset (QEMU's virtio_mmio_reset): the device, the selectors and the page size. */
    public void reset() {
        if (device == null) return;
        device.quiesce();
        synchronized (this) {
            resetLocked();
            hostFeaturesSel = guestFeaturesSel = guestPageShift = 0;
            driverFeatures[0] = driverFeatures[1] = 0;
        }
    }

    /** Waits until the device has no request in flight (before saving state, with the vCPUs stopped). */
    public void drain() {
        if (device != null) device.quiesce();
    }

    @Override
    public void close() {
        if (device != null) device.close();
    }

    // ---------------------------------------------------------------- for devices (lock held)

    void updateIrq() {
        irq.set(isr != 0);
    }

    /**
     * The driver broke the contract: log one line, stop the queues, set DEVICE_NEEDS_RESET and
     * signal a configuration change (virtio 2.1.2).
     */
    void markBroken(String why) {
        if (broken) return;
        broken = true;
        LOG.log(Level.WARNING, "{0}: device broken until reset: {1}", device.name(), why);
        status |= STATUS_DEVICE_NEEDS_RESET;
        if ((status & STATUS_DRIVER_OK) != 0) {
            isr |= ISR_CONFIG_CHANGE;
            configGeneration++;
            updateIrq();
        }
    }

    /** A device-initiated configuration change (virtio_notify_config). */
    void notifyConfigChange() {
        configGeneration++;
        if ((status & STATUS_DRIVER_OK) == 0) return;
        isr |= ISR_CONFIG_CHANGE;
        updateIrq();
    }

    /** Returns a chain to the driver and interrupts it if it asked for that. */
    void complete(Virtqueue q, VirtqElement e, long len) {
        if (broken || !q.usable()) return;
        q.push(e, len);
        if (q.shouldNotify()) {
            isr |= ISR_USED_BUFFER;
            updateIrq();
        }
    }

    /** Runs device code, turning a driver error into a broken device and never letting anything escape. */
    void guard(Runnable r) {
        try {
            r.run();
        } catch (VirtioError e) {
            markBroken(e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, device.name() + ": internal error", e);
            markBroken("internal error: " + e);
        }
    }

    // ---------------------------------------------------------------- migration

    /** This transport's state and its device's, as one section ("virtio-mmio"). */
    public VMStateDescription<VirtioMmio> vmstate() {
        return vmstate;
    }

    static final VMStateDescription<Virtqueue> QUEUE_STATE = VMStateDescription.<Virtqueue>builder("virtqueue")
            .version(1)
            .uint32("num", q -> q.num, (q, v) -> q.num = v)
            .uint32("align", q -> q.align, (q, v) -> q.align = v)
            .uint64("desc", q -> q.desc, (q, v) -> q.desc = v)
            .uint64("avail", q -> q.avail, (q, v) -> q.avail = v)
            .uint64("used", q -> q.used, (q, v) -> q.used = v)
            .bool("ready", q -> q.enabled, (q, v) -> q.enabled = v)
            .uint16("last_avail_idx", q -> q.lastAvailIdx, (q, v) -> q.lastAvailIdx = v)
            .uint16("used_idx", q -> q.usedIdx, (q, v) -> q.usedIdx = v)
            .bool("notification", q -> q.notification, (q, v) -> q.notification = v)
            .build();

    private static VMStateDescription<VirtioMmio> buildVmstate(VirtioDevice device) {
        VMStateDescription.Builder<VirtioMmio> b = VMStateDescription.<VirtioMmio>builder("virtio-mmio")
                .version(1)
                .uint32Equal("device_id", t -> t.device == null ? 0 : t.device.deviceId())
                .uint8Equal("legacy", t -> t.legacy ? 1 : 0)
                .uint32("host_features_sel", t -> t.hostFeaturesSel, (t, v) -> t.hostFeaturesSel = v)
                .uint32("guest_features_sel", t -> t.guestFeaturesSel, (t, v) -> t.guestFeaturesSel = v)
                .uint32("guest_page_shift", t -> t.guestPageShift, (t, v) -> t.guestPageShift = v)
                .uint32Array("driver_features", t -> t.driverFeatures)
                .uint64("guest_features", t -> t.guestFeatures, (t, v) -> t.guestFeatures = v)
                .uint8("status", t -> t.status, (t, v) -> t.status = v)
                .uint8("isr", t -> t.isr, (t, v) -> t.isr = v)
                .uint32("config_generation", t -> t.configGeneration, (t, v) -> t.configGeneration = v)
                .uint32("queue_sel", t -> t.queueSel, (t, v) -> t.queueSel = v)
                .bool("broken", t -> t.broken, (t, v) -> t.broken = v)
                .uint32Equal("num_queues", t -> t.queues.length)
                .structArray("vq", QUEUE_STATE, t -> t.queues);
        if (device != null) addDevice(b, device.vmstate());
        return b.preSave(VirtioMmio::drain).postLoad((t, version) -> t.postLoad()).build();
    }

    @SuppressWarnings("unchecked")
    private static <D extends VirtioDevice> void addDevice(VMStateDescription.Builder<VirtioMmio> b,
                                                           VMStateDescription<D> d) {
        b.struct("device", d, t -> (D) t.device);
    }

    private void postLoad() throws VMStateException {
        if (hostFeaturesSel > 1 || guestFeaturesSel > 1) throw new VMStateException("feature selector out of range");
        if (guestPageShift > 31) throw new VMStateException("guest page shift " + guestPageShift + " out of range");
        if (Integer.compareUnsigned(queueSel, QUEUE_SEL_MAX) >= 0) throw new VMStateException("queue_sel out of range");
        if ((isr & ~(ISR_USED_BUFFER | ISR_CONFIG_CHANGE)) != 0) throw new VMStateException("bad interrupt status " + isr);
        if ((guestFeatures & ~hostFeatures()) != 0)
            throw new VMStateException(String.format("guest features 0x%x not offered by this device (0x%x)", guestFeatures, hostFeatures()));
        for (Virtqueue q : queues) {
            if (q.num <= 0 || q.num > QUEUE_MAX_SIZE) throw new VMStateException("queue " + q.index + ": size " + q.num + " out of range");
            if (q.align <= 0 || Integer.bitCount(q.align) != 1)
                throw new VMStateException("queue " + q.index + ": alignment " + q.align + " is not a power of two");
        }
        synchronized (this) {
            for (Virtqueue q : queues) {
                q.signalledUsedValid = false;
                q.inuse = 0;
            }
            updateIrq();
        }
        if (device != null) device.afterLoad();
    }

    @Override
    public String toString() {
        return "virtio-mmio(" + (device == null ? "empty" : device.name()) + (legacy ? ", legacy" : "") + ")";
    }
}
