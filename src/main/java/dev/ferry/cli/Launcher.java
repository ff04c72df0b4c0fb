package dev.ferry.cli;

import dev.ferry.boot.ImageLoader.BootException;
import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.FileBackend;
import dev.ferry.chardev.MuxBackend;
import dev.ferry.chardev.NullBackend;
import dev.ferry.chardev.SocketServerBackend;
import dev.ferry.chardev.StdioBackend;
import dev.ferry.demo.Demo;
import dev.ferry.machine.VirtMachine;
import dev.ferry.monitor.Hmp;
import dev.ferry.monitor.Monitors;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a parsed configuration into a running machine: character backends (with muxes),
 * the serial port, monitors, boot images; then runs it until it ends.
 */
public final class Launcher {
    private Launcher() {}

    /** Builds and runs the machine; returns the process exit status. */
    public static int run(MachineConfig config) {
        if (config.log().has(DebugLog.LogItem.INT)) {
            PrintStream log = System.err;
            if (config.log().file().isPresent()) {
                try {
                    log = new PrintStream(Files.newOutputStream(Path.of(config.log().file().get())), true);
                } catch (IOException e) {
                    System.err.println(CommandLine.PROGRAM + ": could not open log file '" + config.log().file().get() + "'");
                    return 1;
                }
            }
            dev.ferry.cpu.TraceLog.enableInterrupts(log);
        }
        Backends backends = new Backends();
        VirtMachine machine;
        try {
            CharBackend serial = config.serials().isEmpty() ? new NullBackend() : backends.port(config, config.serials().get(0).chardev());
            BootConfig b = config.boot();
            VirtMachine.BiosKind bios;
            Path biosFile = null;
            switch (b.bios()) {
                case BootConfig.Firmware.Default d -> bios = VirtMachine.BiosKind.DEFAULT;
                case BootConfig.Firmware.None n -> bios = VirtMachine.BiosKind.NONE;
                case BootConfig.Firmware.File f -> {
                    bios = VirtMachine.BiosKind.FILE;
                    biosFile = Path.of(f.path());
                }
            }
            List<dev.ferry.hw.virtio.VirtioDevice> virtio = virtioDevices(config, backends);
            boolean legacy = config.globals().stream().noneMatch(g -> g.driver().equals("virtio-mmio")
                    && g.property().equals("force-legacy") && List.of("false", "off", "no").contains(g.value()));
            VirtMachine.Options opts = new VirtMachine.Options(config.memory().size(), config.smp().cpus(), bios, biosFile,
                    b.kernel().map(Path::of).orElse(null), b.initrd().map(Path::of).orElse(null), b.append().orElse(null),
                    b.dtb().map(Path::of).orElse(null), serial, config.noReboot(), config.noShutdown(), virtio, legacy);
            machine = new VirtMachine(opts);
        } catch (BootException | IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println(CommandLine.PROGRAM + ": " + e.getMessage());
            backends.closeAll();
            return 1;
        }
        if (config.machine().dumpDtb().isPresent()) {
            String file = config.machine().dumpDtb().get();
            try {
                Files.write(Path.of(file), machine.deviceTree());
            } catch (IOException e) {
                System.err.println(CommandLine.PROGRAM + ": Failed to write dtb to " + file);
                return 1;
            } finally {
                machine.close();
                backends.closeAll();
            }
            return 0;
        }
        Monitors monitors = new Monitors(machine, config.name().map(NameConfig::guest).orElse(null), backends::chardevInfos);
        for (MonitorConfig mon : config.monitors()) {
            CharBackend port = backends.port(config, mon.chardev());
            MuxBackend mux = backends.muxes.get(mon.chardev());
            CharBackend transport = mux != null ? mux.backend() : port;
            if (mon.isQmp()) {
                monitors.addQmp(port, transport, mux == null);
            } else {
                int index = mux != null ? backends.portIndex.get(port) : 0;
                Hmp hmp = monitors.addHmp(port, transport, index == 0);
                if (mux != null) backends.focusListeners.computeIfAbsent(mon.chardev(), k -> new ArrayList<>())
                        .add(f -> hmp.setFocused(f == index));
            }
        }
        backends.focusFirstPorts();
        backends.onQuit = machine::quit; // the mux has printed "QEMU: Terminated"
        Runtime.getRuntime().addShutdownHook(new Thread(backends::closeAll));
        machine.start();
        if (config.loadvm().isPresent()) {
            try {
                dev.ferry.machine.Snapshots.load(machine, config.loadvm().get());
            } catch (dev.ferry.migration.MigrationException e) {
                System.err.println(CommandLine.PROGRAM + ": " + e.getMessage());
                monitors.close();
                machine.close();
                backends.closeAll();
                return 1;
            }
        }
        if (config.incoming().isPresent()) {
            Incoming inc = config.incoming().get();
            dev.ferry.machine.MigrationControl mig = machine.migration();
            mig.onIncomingFailure(e -> {
                System.err.println(CommandLine.PROGRAM + ": load of migration failed: " + e.getMessage());
                machine.requestShutdown(1, "incoming migration failed");
            });
            mig.expectIncoming(!config.startPaused());
            // -incoming defer: the monitor's migrate-incoming gives the URI
            if (!(inc instanceof Incoming.Defer)) {
                try {
                    mig.startIncoming(inc.uri());
                } catch (dev.ferry.migration.MigrationException e) {
                    System.err.println(CommandLine.PROGRAM + ": " + e.getMessage());
                    machine.close();
                    backends.closeAll();
                    return 1;
                }
            }
        } else if (!config.startPaused()) {
            machine.resume();
        }
        int status = machine.runUntilExit();
        monitors.close();
        machine.close();
        backends.closeAll();
        return status;
    }

    /** The virtio devices in command-line order (the first takes the highest slot, as in QEMU). */
    private static List<dev.ferry.hw.virtio.VirtioDevice> virtioDevices(MachineConfig config, Backends backends) throws IOException {
        for (GlobalProperty g : config.globals())
            if (!(g.driver().equals("virtio-mmio") && g.property().equals("force-legacy")))
                throw new IllegalArgumentException("-global " + g.driver() + "." + g.property() + ": not supported yet");
        List<dev.ferry.hw.virtio.VirtioDevice> out = new ArrayList<>();
        List<Device> devs = config.devices();
        int anonymous = 0;
        for (int i = 0; i < devs.size(); i++) {
            Device d = devs.get(i);
            // QEMU's QOM path for a device without id= counts every such -device before it
            String qdev = d.id().isPresent() ? d.id().get() : "/machine/peripheral-anon/device[" + anonymous++ + "]";
            switch (d.model()) {
                case VIRTIO_BLK -> {
                    String id = d.properties().get("drive");
                    Drive drive = config.drives().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
                    if (drive == null) {
                        Blockdev node = config.blockdevs().stream().filter(x -> id != null && id.equals(x.nodeName())).findFirst()
                                .orElseThrow(() -> new IllegalArgumentException("-device virtio-blk-device: Property 'virtio-blk-device.drive' can't find value '" + id + "'"));
                        dev.ferry.block.BlockDriver bd = openBlockdev(config, node);
                        backends.all.add(bd);
                        var opts = dev.ferry.hw.virtio.VirtioBlk.Options.defaults();
                        if (d.properties().containsKey("serial")) opts = opts.withSerial(d.properties().get("serial"));
                        out.add(new dev.ferry.hw.virtio.VirtioBlk(new dev.ferry.machine.DriveBackend(bd, id,
                                new dev.ferry.machine.DriveBackend.Attachment(qdev, true, false, false)), opts));
                        continue;
                    }
                    if (drive.file().isEmpty()) throw new IllegalArgumentException("-device virtio-blk-device: Device needs media, but drive is empty");
                    dev.ferry.block.OpenOptions oo = dev.ferry.block.OpenOptions.defaults()
                            .withFormat(drive.format().orElse(null))
                            .withReadOnly(drive.readOnly())
                            .withNodeName(drive.nodeName().orElse(null))
                            .withNoFlush(drive.cache().noFlush)
                            .withInactive(incomingOpen(config))
                            .withWarnings(msg -> System.err.println(CommandLine.PROGRAM + ": warning: " + msg));
                    dev.ferry.block.BlockDriver bd = dev.ferry.block.Images.open(Path.of(drive.file().get()), oo);
                    backends.all.add(bd);
                    var opts = dev.ferry.hw.virtio.VirtioBlk.Options.defaults();
                    if (d.properties().containsKey("serial")) opts = opts.withSerial(d.properties().get("serial"));
                    out.add(new dev.ferry.hw.virtio.VirtioBlk(new dev.ferry.machine.DriveBackend(bd, drive.id(),
                            new dev.ferry.machine.DriveBackend.Attachment(qdev, drive.cache().writeback, drive.cache().direct,
                                    drive.cache().noFlush)), opts));
                }
                case VIRTIO_RNG -> out.add(new dev.ferry.hw.virtio.VirtioRng());
                case VIRTIO_SERIAL -> {
                    // its first virtconsole (if any) is the console port
                    CharBackend port = new NullBackend();
                    for (int j = i + 1; j < devs.size() && devs.get(j).model() == DeviceModel.VIRTCONSOLE; j++) {
                        port = backends.port(config, devs.get(j).properties().get("chardev"));
                        break;
                    }
                    out.add(new dev.ferry.hw.virtio.VirtioConsole(port));
                }
                case VIRTCONSOLE -> { } // a port of the virtio-serial device before it
                default -> throw new IllegalArgumentException("-device " + d.model().name() + ": not supported yet");
            }
        }
        return out;
    }

    /**
     * Opens a {@code -blockdev} format node (raw or qcow2) over its {@code file} child, given
     * inline ({@code file.driver=file,file.filename=F}) or as the node name of a
     * {@code driver=file} node; a {@code driver=file} node on its own is a raw disk.
     */
    private static dev.ferry.block.BlockDriver openBlockdev(MachineConfig config, Blockdev node) throws IOException {
        String filename;
        String format;
        boolean readOnly = "on".equals(node.option("read-only").orElse("off")) || "true".equals(node.option("read-only").orElse(""));
        if (node.driver().equals("file")) {
            filename = node.option("filename").orElseThrow(() -> new IllegalArgumentException("-blockdev driver=file: Parameter 'filename' is missing"));
            format = "raw";
        } else if (node.driver().equals("raw") || node.driver().equals("qcow2")) {
            format = node.driver();
            var child = node.child("file");
            if (child.isPresent()) {
                Object f = child.get().get("filename");
                if (!"file".equals(child.get().get("driver")) || !(f instanceof String))
                    throw new IllegalArgumentException("-blockdev " + node.nodeName() + ": only file.driver=file children are supported yet");
                filename = (String) f;
            } else {
                String ref = node.option("file").orElseThrow(() -> new IllegalArgumentException("-blockdev " + node.nodeName() + ": Parameter 'file' is missing"));
                Blockdev fileNode = config.blockdevs().stream().filter(x -> ref.equals(x.nodeName())).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("-blockdev " + node.nodeName() + ": Cannot find device='' nor node-name='" + ref + "'"));
                if (!fileNode.driver().equals("file"))
                    throw new IllegalArgumentException("-blockdev " + node.nodeName() + ": only driver=file protocol nodes are supported yet");
                filename = fileNode.option("filename").orElseThrow(() -> new IllegalArgumentException("-blockdev driver=file: Parameter 'filename' is missing"));
            }
        } else {
            throw new IllegalArgumentException("-blockdev driver=" + node.driver() + ": not supported yet");
        }
        return dev.ferry.block.Images.open(Path.of(filename), dev.ferry.block.OpenOptions.defaults().withFormat(format)
                .withReadOnly(readOnly).withNodeName(node.nodeName()).withInactive(incomingOpen(config))
                .withWarnings(msg -> System.err.println(CommandLine.PROGRAM + ": warning: " + msg)));
    }

    /**
     * With {@code -incoming} the disks open inactive, as QEMU opens them: the source may still
     * hold and write the same images (shared storage), and the incoming migration activates
     * them once the stream is loaded.
     */
    private static boolean incomingOpen(MachineConfig config) {
        return config.incoming().isPresent();
    }

    /** {@code ferry demo ARGS...}; returns the process exit status. */
    public static int demo(String[] args) {
        return Demo.run(args);
    }

    /**
     * Opens each chardev once, on first use; a muxed chardev hands each user its own port
     * (the serial port gets the input first, as under QEMU).
     */
    private static final class Backends {
        private final Map<String, CharBackend> opened = new HashMap<>();
        final Map<String, MuxBackend> muxes = new HashMap<>();
        final Map<CharBackend, Integer> portIndex = new java.util.IdentityHashMap<>();
        private final Map<String, Integer> portCounts = new HashMap<>();
        final Map<String, List<java.util.function.IntConsumer>> focusListeners = new HashMap<>();
        private final Map<String, String> labels = new java.util.LinkedHashMap<>();
        private final List<AutoCloseable> all = new ArrayList<>();
        Runnable onQuit = () -> { };

        CharBackend port(MachineConfig config, String id) {
            Chardev cd = config.chardevs().stream().filter(c -> c.id().equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("chardev '" + id + "' not found"));
            if (cd.mux()) {
                MuxBackend mux = muxes.computeIfAbsent(id, k -> {
                    MuxBackend m = new MuxBackend(open(cd), new MuxBackend.Listener() {
                        @Override
                        public void quit() {
                            onQuit.run();
                        }

                        @Override
                        public void focusChanged(int focus) {
                            for (var l : focusListeners.getOrDefault(id, List.of())) l.accept(focus);
                        }
                    });
                    all.add(m);
                    return m;
                });
                CharBackend port = mux.newPort();
                portIndex.put(port, portCounts.merge(id, 1, Integer::sum) - 1);
                return port;
            }
            return opened.computeIfAbsent(id, k -> open(cd));
        }

        /** What {@code info chardev} lists: each opened chardev by its QEMU label. */
        List<Monitors.ChardevInfo> chardevInfos() {
            List<Monitors.ChardevInfo> out = new ArrayList<>();
            for (var e : opened.entrySet()) out.add(Monitors.ChardevInfo.of(e.getKey(), e.getValue()));
            for (var e : muxes.entrySet()) out.add(Monitors.ChardevInfo.of(e.getKey(), e.getValue().backend()));
            return out;
        }

        void focusFirstPorts() {
            for (MuxBackend m : muxes.values()) m.setFocus(0);
        }

        private CharBackend open(Chardev cd) {
            CharBackend b = switch (cd.backend()) {
                case ChardevBackend.Null n -> new NullBackend();
                case ChardevBackend.Vc v -> new NullBackend(); // no window to show it in
                case ChardevBackend.Stdio s -> StdioBackend.open(s.signal());
                case ChardevBackend.File f -> new FileBackend(Path.of(f.path()), f.append());
                case ChardevBackend.Socket s -> {
                    if (!s.server()) throw new IllegalArgumentException("chardev '" + cd.id() + "': connecting sockets are not supported yet (use server=on)");
                    yield switch (s.address()) {
                        case SocketAddress.Unix u -> SocketServerBackend.unix(Path.of(u.path()), s.waitForClient());
                        case SocketAddress.Inet i -> SocketServerBackend.tcp(i.host(), i.port(), s.waitForClient());
                        case SocketAddress.Fd d -> throw new IllegalArgumentException("chardev '" + cd.id() + "': socket fd= is not supported yet");
                    };
                }
                default -> throw new IllegalArgumentException("chardev '" + cd.id() + "': backend " + cd.kind().spelling + " is not supported yet");
            };
            all.add(b);
            return b;
        }

        synchronized void closeAll() {
            for (AutoCloseable c : all) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing on the way out: nothing left to tell
                }
            }
            all.clear();
        }
    }
}
