package dev.ferry.hw.virtio;

/** Constants of the virtio specification (1.1/1.2) used by the transport and the devices. */
public final class Virtio {
    private Virtio() {}

    // ---- device IDs
    public static final int ID_NONE = 0;
    public static final int ID_BLOCK = 2;
    public static final int ID_CONSOLE = 3;
    public static final int ID_RNG = 4;

    // ---- device status bits
    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 64;
    public static final int STATUS_FAILED = 128;

    // ---- interrupt status bits
    public static final int ISR_USED_BUFFER = 1;
    public static final int ISR_CONFIG_CHANGE = 2;

    // ---- reserved feature bits
    public static final int F_NOTIFY_ON_EMPTY = 24;
    public static final int F_ANY_LAYOUT = 27;
    public static final int F_RING_INDIRECT_DESC = 28;
    public static final int F_RING_EVENT_IDX = 29;
    public static final int F_BAD_FEATURE = 30;
    public static final int F_VERSION_1 = 32;

    /** Bits QEMU offers only through the legacy interface (VIRTIO_LEGACY_FEATURES). */
    public static final long LEGACY_ONLY_FEATURES = bit(F_BAD_FEATURE) | bit(F_NOTIFY_ON_EMPTY) | bit(F_ANY_LAYOUT);

    /** The ring features every QEMU virtio device offers by default. */
    public static final long COMMON_FEATURES = bit(F_NOTIFY_ON_EMPTY) | bit(F_ANY_LAYOUT)
            | bit(F_RING_INDIRECT_DESC) | bit(F_RING_EVENT_IDX);

    // ---- split virtqueue layout
    public static final int DESC_F_NEXT = 1;
    public static final int DESC_F_WRITE = 2;
    public static final int DESC_F_INDIRECT = 4;
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    public static final int USED_F_NO_NOTIFY = 1;
    public static final int DESC_SIZE = 16;

    /** VIRTQUEUE_MAX_SIZE: what QueueNumMax reads for every existing queue, and the most segments in one chain. */
    public static final int QUEUE_MAX_SIZE = 1024;
    /** VIRTIO_QUEUE_MAX: QueueSel values at or above this are ignored. */
    public static final int QUEUE_SEL_MAX = 1024;
    /** The legacy ring alignment a queue has after reset (VIRTIO_PCI_VRING_ALIGN). */
    public static final int LEGACY_DEFAULT_ALIGN = 4096;

    public static long bit(int n) {
        return 1L << n;
    }

    /** vring_need_event: does moving the index from {@code old} to {@code newIdx} cross {@code event}? */
    static boolean needEvent(int event, int newIdx, int old) {
        return ((newIdx - event - 1) & 0xffff) < ((newIdx - old) & 0xffff);
    }
}
