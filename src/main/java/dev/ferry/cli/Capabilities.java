package dev.ferry.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the machine implements, checked after parsing: a valid command line that asks for something
 * Ferry does not have yet is refused with {@code ferry: OPTION: not supported yet} (exit 1), never
 * half-run.
 *
 * <p>{@link #IMPLEMENTED} is the one list to extend as pieces land. It starts as the first
 * milestone (boot firmware or a kernel on the console, with the human monitor); everything else is
 * parsed and checked, then refused here.
 */
public final class Capabilities {
    private Capabilities() {}

    /** The features the machine implements today. Add to it as they land. */
    public static final Set<Feature> IMPLEMENTED = Collections.unmodifiableSet(EnumSet.of(
            Feature.BIOS_DEFAULT, Feature.BIOS_FILE, Feature.KERNEL, Feature.INITRD, Feature.DTB, Feature.DUMPDTB,
            Feature.CHARDEV_NULL, Feature.CHARDEV_STDIO, Feature.CHARDEV_FILE, Feature.CHARDEV_VC,
            Feature.CHARDEV_MUX, Feature.MONITOR_HMP,
            Feature.START_PAUSED, Feature.NO_REBOOT, Feature.NO_SHUTDOWN, Feature.CHARDEV_TCP, Feature.CHARDEV_UNIX,
            Feature.MULTIPLE_HARTS, Feature.DEBUG_LOG_INT, Feature.LOG_FILE,
            Feature.INCOMING_TCP, Feature.INCOMING_UNIX, Feature.INCOMING_EXEC, Feature.INCOMING_FILE, Feature.INCOMING_DEFER, Feature.INCOMING_FD,
            Feature.DEVICE_VIRTIO_BLK, Feature.DEVICE_VIRTIO_RNG, Feature.DEVICE_VIRTIO_SERIAL, Feature.DEVICE_VIRTCONSOLE,
            Feature.FORMAT_RAW, Feature.FORMAT_QCOW2, Feature.GLOBALS, Feature.VIRTIO_MMIO_GLOBALS, Feature.MONITOR_QMP, Feature.LOADVM, Feature.BLOCKDEV));

    /** One thing a configuration needs, and how to name it to the user ({@code -loadvm}, {@code -chardev pty}). */
    public record Requirement(Feature feature, String option) {}

    /** Everything a configuration needs, in a stable order (roughly the command line's). */
    public static List<Requirement> requirements(MachineConfig c) {
        var out = new ArrayList<Requirement>();
        var m = c.machine();
        if (m.type().equals("none")) out.add(new Requirement(Feature.MACHINE_NONE, "-machine none"));
        m.dumpDtb().ifPresent(f -> out.add(new Requirement(Feature.DUMPDTB, "-machine dumpdtb")));
        if (m.aclint()) out.add(new Requirement(Feature.ACLINT, "-machine aclint=on"));
        if (m.aia() != MachineSpec.Aia.NONE) out.add(new Requirement(Feature.AIA, "-machine aia=" + m.aia().spelling));
        if (!c.cpu().properties().isEmpty()) out.add(new Requirement(Feature.CPU_PROPERTIES, "-cpu " + c.cpu().model() + ",..."));
        if (c.smp().maxCpus() > 1) out.add(new Requirement(Feature.MULTIPLE_HARTS, "-smp " + c.smp().cpus()));
        if (c.memory().hotplug()) out.add(new Requirement(Feature.MEMORY_HOTPLUG, "-m slots/maxmem"));
        if (!c.accel().properties().isEmpty()) out.add(new Requirement(Feature.ACCEL_PROPERTIES, "-accel tcg,..."));
        switch (c.boot().bios()) {
            case BootConfig.Firmware.Default d -> out.add(new Requirement(Feature.BIOS_DEFAULT, "-bios default"));
            case BootConfig.Firmware.File f -> out.add(new Requirement(Feature.BIOS_FILE, "-bios"));
            case BootConfig.Firmware.None n -> { }
        }
        c.boot().kernel().ifPresent(k -> out.add(new Requirement(Feature.KERNEL, "-kernel")));
        c.boot().initrd().ifPresent(k -> out.add(new Requirement(Feature.INITRD, "-initrd")));
        c.boot().dtb().ifPresent(k -> out.add(new Requirement(Feature.DTB, "-dtb")));
        if (c.display().kind() != DisplayConfig.Kind.NONE)
            out.add(new Requirement(Feature.GRAPHICAL_DISPLAY, "-display " + c.display().kind().spelling));
        for (var ch : c.chardevs()) {
            String name = "-chardev " + ch.kind().spelling;
            Feature f = switch (ch.backend()) {
                case ChardevBackend.Null x -> Feature.CHARDEV_NULL;
                case ChardevBackend.Stdio x -> Feature.CHARDEV_STDIO;
                case ChardevBackend.File x -> Feature.CHARDEV_FILE;
                case ChardevBackend.Pipe x -> Feature.CHARDEV_PIPE;
                case ChardevBackend.Pty x -> Feature.CHARDEV_PTY;
                case ChardevBackend.Udp x -> Feature.CHARDEV_UDP;
                case ChardevBackend.Vc x -> Feature.CHARDEV_VC;
                case ChardevBackend.Ringbuf x -> Feature.CHARDEV_RINGBUF;
                case ChardevBackend.Serial x -> Feature.CHARDEV_SERIAL;
                case ChardevBackend.Socket s -> switch (s.address()) {
                    case SocketAddress.Inet i -> Feature.CHARDEV_TCP;
                    case SocketAddress.Unix u -> Feature.CHARDEV_UNIX;
                    case SocketAddress.Fd d -> Feature.CHARDEV_FD;
                };
            };
            if (ch.backend() instanceof ChardevBackend.Socket s) {
                name = "-chardev socket (" + switch (s.address()) {
                    case SocketAddress.Inet i -> "tcp";
                    case SocketAddress.Unix u -> "unix";
                    case SocketAddress.Fd d -> "fd";
                } + ")";
            }
            out.add(new Requirement(f, name));
            if (ch.mux()) out.add(new Requirement(Feature.CHARDEV_MUX, "-chardev mux=on"));
            if (ch.logfile().isPresent()) out.add(new Requirement(Feature.CHARDEV_LOGFILE, "-chardev logfile"));
            if (ch.backend() instanceof ChardevBackend.Socket s && s.telnet())
                out.add(new Requirement(Feature.CHARDEV_TELNET, "-chardev telnet=on"));
            if (ch.backend() instanceof ChardevBackend.Socket s && s.websocket())
                out.add(new Requirement(Feature.CHARDEV_WEBSOCKET, "-chardev websocket=on"));
        }
        for (var mon : c.monitors())
            out.add(mon.isQmp() ? new Requirement(Feature.MONITOR_QMP, "-qmp") : new Requirement(Feature.MONITOR_HMP, "-monitor"));
        c.incoming().ifPresent(in -> out.add(new Requirement(switch (in) {
            case Incoming.Tcp t -> Feature.INCOMING_TCP;
            case Incoming.Unix u -> Feature.INCOMING_UNIX;
            case Incoming.Exec e -> Feature.INCOMING_EXEC;
            case Incoming.Fd f -> Feature.INCOMING_FD;
            case Incoming.File f -> Feature.INCOMING_FILE;
            case Incoming.Rdma r -> Feature.INCOMING_RDMA;
            case Incoming.Defer d -> Feature.INCOMING_DEFER;
        }, "-incoming " + in.uri())));
        if (c.startPaused()) out.add(new Requirement(Feature.START_PAUSED, "-S"));
        c.loadvm().ifPresent(t -> out.add(new Requirement(Feature.LOADVM, "-loadvm")));
        if (c.snapshot()) out.add(new Requirement(Feature.SNAPSHOT, "-snapshot"));
        for (var b : c.blockdevs()) {
            out.add(new Requirement(Feature.BLOCKDEV, "-blockdev"));
            out.add(format(b.driver(), "-blockdev driver=" + b.driver()));
        }
        for (var d : c.drives()) {
            if (d.iface() == Drive.Interface.PFLASH) out.add(new Requirement(Feature.PFLASH, "-drive if=pflash"));
            if (d.file().isPresent()) out.add(format(d.format().orElse("raw"), "-drive format=" + d.format().orElse("raw")));
            if (d.snapshot()) out.add(new Requirement(Feature.SNAPSHOT, "-drive snapshot=on"));
        }
        for (var d : c.devices()) out.add(new Requirement(d.model().feature, "-device " + d.driver()));
        for (var g : c.globals()) {
            out.add(new Requirement(Feature.GLOBALS, "-global"));
            DeviceModel.of(g.driver()).ifPresent(dm -> out.add(new Requirement(dm.feature,
                    "-global " + g.driver() + "." + g.property())));
        }
        if (c.noReboot()) out.add(new Requirement(Feature.NO_REBOOT, "-no-reboot"));
        if (c.noShutdown()) out.add(new Requirement(Feature.NO_SHUTDOWN, "-no-shutdown"));
        for (var item : c.log().items())
            out.add(new Requirement(item == DebugLog.LogItem.INT ? Feature.DEBUG_LOG_INT : Feature.DEBUG_LOG, "-d " + item.spelling));
        if (!c.log().traceEvents().isEmpty()) out.add(new Requirement(Feature.DEBUG_LOG, "-d trace:"));
        if (c.log().file().isPresent()) out.add(new Requirement(Feature.LOG_FILE, "-D"));
        switch (c.rtc().base()) {
            case RtcConfig.Base.LocalTime l -> out.add(new Requirement(Feature.RTC_LOCALTIME, "-rtc base=localtime"));
            case RtcConfig.Base.At a -> out.add(new Requirement(Feature.RTC_BASE_DATE, "-rtc base=" + a.start()));
            case RtcConfig.Base.Utc u -> { }
        }
        if (c.rtc().clock() != RtcConfig.Clock.HOST)
            out.add(new Requirement(Feature.RTC_CLOCK, "-rtc clock=" + c.rtc().clock().name().toLowerCase(java.util.Locale.ROOT)));
        for (var o : c.objects()) out.add(new Requirement(Feature.OBJECTS, "-object " + o.type()));
        c.pidFile().ifPresent(p -> out.add(new Requirement(Feature.PIDFILE, "-pidfile")));
        c.keyboard().ifPresent(k -> out.add(new Requirement(Feature.KEYBOARD_LAYOUT, "-k")));
        return out;
    }

    private static Requirement format(String driver, String option) {
        return new Requirement(switch (driver) {
            case "raw" -> Feature.FORMAT_RAW;
            case "qcow2" -> Feature.FORMAT_QCOW2;
            case "file" -> Feature.BLOCKDEV; // the host-file protocol under a raw or qcow2 node
            default -> Feature.FORMAT_OTHER;
        }, option);
    }

    /** The first requirement not in {@code implemented}, as the error to print. */
    public static Optional<CliError> check(MachineConfig c, Set<Feature> implemented) {
        for (var r : requirements(c))
            if (!implemented.contains(r.feature())) return Optional.of(new CliError(r.option(), "not supported yet"));
        return Optional.empty();
    }

    public static Optional<CliError> check(MachineConfig c) { return check(c, IMPLEMENTED); }
}
