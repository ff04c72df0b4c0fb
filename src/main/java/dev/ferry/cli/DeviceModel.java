package dev.ferry.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The device models {@code -device} and {@code -global} know, with their properties as QEMU 7.2
 * names them (so a QEMU command line is accepted or refused as QEMU would), the bus each plugs into
 * and the references to check ({@code drive=}, {@code chardev=}, {@code rng=}).
 *
 * <p>Whether the machine implements a model is a separate question: see {@link Feature} and
 * {@link Capabilities}.
 */
public enum DeviceModel {
    VIRTIO_BLK("virtio-blk-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_BLK,
            "account-failed:bool account-invalid:bool backend_defaults bootindex config-wce:bool cyls discard:bool "
                    + "discard_granularity drive:drive heads iothread lcyls lheads logical_block_size lsecs "
                    + "max-discard-sectors max-write-zeroes-sectors min_io_size num-queues opt_io_size "
                    + "physical_block_size queue-size report-discard-granularity:bool request-merging:bool rerror "
                    + "scsi:bool secs seg-max-adjust:bool serial share-rw:bool werror write-cache write-zeroes:bool "
                    + "x-enable-wce-if-config-wce:bool"),
    VIRTIO_RNG("virtio-rng-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_RNG, "max-bytes period rng:object"),
    VIRTIO_SERIAL("virtio-serial-device", Bus.VIRTIO_MMIO, Bus.VIRTIO_SERIAL, Feature.DEVICE_VIRTIO_SERIAL,
            "emergency-write:bool max_ports"),
    VIRTCONSOLE("virtconsole", Bus.VIRTIO_SERIAL, null, Feature.DEVICE_VIRTCONSOLE, "chardev:chardev name nr"),
    VIRTSERIALPORT("virtserialport", Bus.VIRTIO_SERIAL, null, Feature.DEVICE_VIRTSERIALPORT, "chardev:chardev name nr"),
    VIRTIO_NET("virtio-net-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_NET,
            "bootindex csum:bool ctrl_guest_offloads:bool ctrl_mac_addr:bool ctrl_rx:bool ctrl_rx_extra:bool "
                    + "ctrl_vlan:bool ctrl_vq:bool duplex failover:bool gso:bool guest_announce:bool guest_csum:bool "
                    + "guest_ecn:bool guest_rsc_ext:bool guest_tso4:bool guest_tso6:bool guest_ufo:bool hash:bool "
                    + "host_ecn:bool host_mtu host_tso4:bool host_tso6:bool host_ufo:bool mac mq:bool mrg_rxbuf:bool "
                    + "netdev rsc_interval rss:bool rx_queue_size speed status:bool tx tx_queue_size "
                    + "x-mtu-bypass-backend:bool x-txburst x-txtimer"),
    VIRTIO_BALLOON("virtio-balloon-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_BALLOON,
            "deflate-on-oom:bool free-page-hint:bool free-page-reporting:bool guest-stats-polling-interval "
                    + "guest-stats iothread page-poison:bool qemu-4-0-config-size:bool"),
    VIRTIO_KEYBOARD("virtio-keyboard-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_INPUT, "display head serial"),
    VIRTIO_MOUSE("virtio-mouse-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_INPUT, "display head serial wheel-axis:bool"),
    VIRTIO_TABLET("virtio-tablet-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_INPUT, "display head serial wheel-axis:bool"),
    VIRTIO_GPU("virtio-gpu-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_GPU,
            "blob:bool edid:bool max_hostmem max_outputs xres yres"),
    VIRTIO_9P("virtio-9p-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_9P, "fsdev mount_tag"),
    VIRTIO_SCSI("virtio-scsi-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VIRTIO_SCSI,
            "cmd_per_lun hotplug:bool iothread max_sectors num_queues param_change:bool seg_max_adjust:bool virtqueue_size"),
    VHOST_VSOCK("vhost-vsock-device", Bus.VIRTIO_MMIO, null, Feature.DEVICE_VHOST_VSOCK, "guest-cid seqpacket vhostfd"),
    LOADER("loader", Bus.NONE, null, Feature.DEVICE_LOADER, "addr cpu-num data-be:bool data-len data file force-raw:bool"),
    /** The virtio-mmio transport: only for {@code -global virtio-mmio.force-legacy=...}, not {@code -device}. */
    VIRTIO_MMIO("virtio-mmio", Bus.NONE, null, Feature.VIRTIO_MMIO_GLOBALS,
            "force-legacy:bool format_transport_address:bool ioeventfd:bool");

    /** Where a device plugs in. */
    public enum Bus {
        /** A virtio-mmio slot of the virt machine. */
        VIRTIO_MMIO("virtio-bus"),
        /** A port of a {@code virtio-serial-device}. */
        VIRTIO_SERIAL("virtio-serial-bus"),
        /** The system itself ({@code loader}). */
        NONE("System");
        public final String qemuName;
        Bus(String q) { qemuName = q; }
    }

    /** What a property's value must be. */
    public enum PropertyType { STRING, BOOL, DRIVE, CHARDEV, OBJECT }

    private static final String VIRTIO_COMMON = "any_layout:bool event_idx:bool indirect_desc:bool "
            + "iommu_platform:bool notify_on_empty:bool packed:bool queue_reset:bool use-disabled-flag:bool "
            + "use-started:bool x-disable-legacy-check:bool";

    public final String name;
    public final Bus bus;
    /** The bus this device provides to others, or null. */
    public final Bus provides;
    public final Feature feature;
    private final Map<String, PropertyType> properties = new LinkedHashMap<>();

    DeviceModel(String name, Bus bus, Bus provides, Feature feature, String props) {
        this.name = name;
        this.bus = bus;
        this.provides = provides;
        this.feature = feature;
        String all = bus == Bus.VIRTIO_MMIO ? VIRTIO_COMMON + " " + props : props;
        for (String p : all.trim().split("\\s+")) {
            int colon = p.indexOf(':');
            String key = colon < 0 ? p : p.substring(0, colon);
            PropertyType t = colon < 0 ? PropertyType.STRING
                    : PropertyType.valueOf(p.substring(colon + 1).toUpperCase(java.util.Locale.ROOT));
            properties.put(key, t);
        }
    }

    /** A device can be made with {@code -device}. */
    public boolean userCreatable() { return this != VIRTIO_MMIO; }

    public Optional<PropertyType> property(String key) { return Optional.ofNullable(properties.get(key)); }

    public List<String> propertyNames() { return List.copyOf(properties.keySet()); }

    public static Optional<DeviceModel> of(String name) {
        for (var m : values()) if (m.name.equals(name)) return Optional.of(m);
        return Optional.empty();
    }
}
