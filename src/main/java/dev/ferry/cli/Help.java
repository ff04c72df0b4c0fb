package dev.ferry.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The texts printed by {@code -version}, {@code -h} and the {@code help} values of options. */
final class Help {
    private Help() {}

    /** Machine types and their descriptions ({@code -machine help}). */
    static final Map<String, String> MACHINES = new LinkedHashMap<>();
    static {
        MACHINES.put("none", "empty machine");
        MACHINES.put("virt", "RISC-V VirtIO board (default)");
    }

    /** CPU models ({@code -cpu help}); {@code rv64} is the default. */
    static final List<String> CPU_MODELS = List.of("any", "rv64");

    /** {@code -object} types. */
    static final Set<String> OBJECT_TYPES = Set.of("rng-builtin", "rng-random", "rng-egd", "memory-backend-ram",
            "memory-backend-file", "memory-backend-memfd", "secret", "iothread", "throttle-group", "main-loop",
            "authz-simple", "authz-list", "authz-listfile", "authz-pam", "tls-creds-anon", "tls-creds-psk",
            "tls-creds-x509", "tls-cipher-suites", "filter-buffer", "filter-dump", "filter-mirror",
            "filter-redirector", "filter-replay", "filter-rewriter", "colo-compare", "cryptodev-backend-builtin",
            "dbus-vmstate", "input-barrier", "input-linux", "pr-manager-helper", "x-remote-object");

    static String version() {
        return "Ferry emulator version " + CommandLine.VERSION + " (compatible with QEMU 7.2 qemu-system-riscv64)\n"
                + "Copyright (c) 2026 The Ferry developers\n";
    }

    static String usage() { return OptionTable.usage(CommandLine.PROGRAM); }

    static String machines() {
        var sb = new StringBuilder("Supported machines are:\n");
        MACHINES.forEach((k, v) -> sb.append(String.format("%-20s %s%n", k, v)));
        return sb.toString();
    }

    static String machineProperties(String type) {
        var sb = new StringBuilder(type + "-machine options:\n");
        if (type.equals("virt")) {
            sb.append("  aclint=<bool>          - Set on/off to enable/disable emulating ACLINT devices\n");
            sb.append("  aia-guests=<string>    - Set number of guest MMIO pages for AIA IMSIC. Valid value should be between 0 and 7.\n");
            sb.append("  aia=<string>           - Set type of AIA interrupt conttoller. Valid values are none, aplic, and aplic-imsic.\n");
        }
        sb.append("  append=<string>        - Linux kernel command line\n");
        sb.append("  dt-compatible=<string> - Overrides the \"compatible\" property of the dt root node\n");
        sb.append("  dtb=<string>           - Linux kernel device tree file\n");
        sb.append("  dump-guest-core=<bool> - Include guest memory in a core dump\n");
        sb.append("  dumpdtb=<string>       - Dump current dtb to a file and quit\n");
        sb.append("  firmware=<string>      - Firmware image\n");
        sb.append("  graphics=<bool>        - Set on/off to enable/disable graphics emulation\n");
        sb.append("  initrd=<string>        - Linux initial ramdisk file\n");
        sb.append("  kernel=<string>        - Linux kernel image file\n");
        sb.append("  mem-merge=<bool>       - Enable/disable memory merge support\n");
        sb.append("  memory-backend=<link<memory-backend>> - Set RAM backendValid value is ID of hostmem based backend\n");
        sb.append("  phandle-start=<int>    - The first phandle ID we may generate dynamically\n");
        sb.append("  suppress-vmdesc=<bool> - Set on to disable self-describing migration\n");
        sb.append("  usb=<bool>             - Set on/off to enable/disable usb\n");
        return sb.toString();
    }

    static String cpus() { return String.join("\n", CPU_MODELS) + "\n"; }

    static String accels() { return "Accelerators supported in Ferry:\ntcg\n"; }

    static String displays() { return "Available display backend types:\nnone\n"; }

    static String chardevs() {
        var sb = new StringBuilder("Available chardev backend types: \n");
        for (var k : ChardevBackend.Kind.values()) sb.append("  ").append(k.spelling).append('\n');
        sb.append("  tty\n  memory\n");
        return sb.toString();
    }

    static String devices() {
        var sb = new StringBuilder();
        sb.append("Input devices:\n");
        for (var m : DeviceModel.values()) if (m.userCreatable() && m.feature == Feature.DEVICE_VIRTIO_INPUT) line(sb, m);
        sb.append("\nMisc devices:\n");
        for (var m : DeviceModel.values())
            if (m.userCreatable() && m.feature != Feature.DEVICE_VIRTIO_INPUT
                    && Set.of(DeviceModel.LOADER, DeviceModel.VIRTIO_BALLOON, DeviceModel.VIRTIO_RNG, DeviceModel.VHOST_VSOCK).contains(m))
                line(sb, m);
        sb.append("\nNetwork devices:\n");
        line(sb, DeviceModel.VIRTIO_NET);
        sb.append("\nStorage devices:\n");
        line(sb, DeviceModel.VIRTIO_BLK);
        line(sb, DeviceModel.VIRTIO_9P);
        line(sb, DeviceModel.VIRTIO_SCSI);
        sb.append("\nDisplay devices:\n");
        line(sb, DeviceModel.VIRTIO_GPU);
        sb.append("\nUncategorized devices:\n");
        line(sb, DeviceModel.VIRTIO_SERIAL);
        line(sb, DeviceModel.VIRTCONSOLE);
        line(sb, DeviceModel.VIRTSERIALPORT);
        return sb.toString();
    }

    private static void line(StringBuilder sb, DeviceModel m) {
        sb.append("name \"").append(m.name).append("\", bus ").append(m.bus.qemuName).append('\n');
    }

    static String deviceProperties(DeviceModel m) {
        var sb = new StringBuilder(m.name + " options:\n");
        for (var p : m.propertyNames()) {
            String type = switch (m.property(p).orElseThrow()) {
                case BOOL -> "<bool>";
                case DRIVE -> "<str>";
                case CHARDEV -> "<str>";
                case OBJECT -> "<link<rng-backend>>";
                case STRING -> "<str>";
            };
            sb.append(String.format("  %-22s%n", p + "=" + type));
        }
        return sb.toString();
    }

    static String objects() {
        var sb = new StringBuilder("List of user creatable objects:\n");
        OBJECT_TYPES.stream().sorted().forEach(t -> sb.append("  ").append(t).append('\n'));
        return sb.toString();
    }

    static String logItems() {
        var sb = new StringBuilder("Log items (comma separated):\n");
        for (var i : DebugLog.LogItem.values()) sb.append(String.format("%-15s %s%n", i.spelling, i.help));
        sb.append("trace:PATTERN   enable trace events\n");
        return sb.toString();
    }
}
