package dev.ferry.cli;

import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses a QEMU ({@code qemu-system-riscv64 -machine virt}) command line into a {@link MachineConfig},
 * with QEMU's checks and QEMU's messages.
 *
 * <p>As QEMU does, it first checks that every option exists and has its argument, then reads the
 * options in order ({@code -h}, {@code -version} and the {@code help} listings end it there),
 * then builds the machine: defaults ({@code -nographic}, {@code -nodefaults}), character devices,
 * monitors, serial ports, topology, RAM, block nodes, drives, devices, in QEMU's order, so that the
 * first error reported is the one QEMU would report.
 */
public final class CommandLine {
    public static final String PROGRAM = "ferry";
    public static final String VERSION = "0.1.0";
    /** The virt machine's limit on harts. */
    public static final int MAX_CPUS = 8;
    /** The largest RAM Ferry's virt machine takes. */
    public static final long MAX_RAM = Sizes.TiB;
    /** The number of virtio-mmio transports of the virt machine. */
    public static final int VIRTIO_MMIO_SLOTS = 8;

    /** What parsing decided. */
    public sealed interface Result {
        /** Deprecation and other warnings, each a complete message (program name included), maybe several lines. */
        List<String> warnings();
    }

    /** Run a machine. */
    public record Run(MachineConfig config, List<String> warnings) implements Result {}

    /** Print {@code stdout} and exit with {@code status} ({@code -h}, {@code -version}, {@code -cpu help}...). */
    public record Exit(int status, String stdout, List<String> warnings) implements Result {}

    /** Parses; throws {@link CliError} for a bad command line. */
    public static Result parse(String... args) {
        var cl = new CommandLine(args);
        try {
            return cl.run();
        } catch (CliError e) {
            throw e.withWarnings(cl.warnings);
        }
    }

    // ------------------------------------------------------------------------------------------ state

    private record Occurrence(OptionTable.Spec spec, String typed, String arg) {
        String location() { return arg == null ? typed : typed + " " + arg; }
        String name() { return spec == null ? "" : spec.name(); }
    }

    private record ChardevDecl(Chardev chardev, String location) {}
    private record MonDecl(MonitorConfig.Mode mode, String chardev, boolean pretty, String location) {}
    private record SerialDecl(String spec, String location) {}
    private record BlockdevDecl(Blockdev blockdev, String location) {}
    private record DeviceDecl(String driver, Map<String, String> props, String location) {}
    private record GlobalDecl(String driver, String property, String value, String location) {}
    private record ObjectDecl(String type, String id, Map<String, String> props, String location) {}

    private final String[] args;
    private final List<String> warnings = new ArrayList<>();
    private String currentLocation;

    private final Map<String, String> machineProps = new LinkedHashMap<>();
    private String cpuModel = "rv64";
    private final Map<String, String> cpuProps = new LinkedHashMap<>();
    private String cpuLocation;
    private AccelConfig accel;
    private final Map<String, String> smpOpts = new LinkedHashMap<>();
    private final Map<String, String> memOpts = new LinkedHashMap<>();
    private String memLocation;
    private Optional<String> bios = Optional.empty(), kernel = Optional.empty(), initrd = Optional.empty(),
            append = Optional.empty(), dtb = Optional.empty();
    private boolean nographic;
    private DisplayConfig.Kind displayKind = DisplayConfig.Kind.NONE;
    private Map<String, String> displayProps = Map.of();
    private final List<ChardevDecl> chardevDecls = new ArrayList<>();
    private final List<MonDecl> monDecls = new ArrayList<>();
    private final List<SerialDecl> serialDecls = new ArrayList<>();
    private int compatMonitors;
    private boolean defaultSerial = true, defaultMonitor = true, defaults = true;
    private Optional<Incoming> incoming = Optional.empty();
    private boolean startPaused, noReboot, noShutdown, snapshot;
    private final List<Block.DriveDecl> driveDecls = new ArrayList<>();
    private final List<BlockdevDecl> blockdevDecls = new ArrayList<>();
    private final List<DeviceDecl> deviceDecls = new ArrayList<>();
    private final List<GlobalDecl> globalDecls = new ArrayList<>();
    private final List<ObjectDecl> objectDecls = new ArrayList<>();
    private Optional<NameConfig> name = Optional.empty();
    private Optional<String> loadvm = Optional.empty(), logFile = Optional.empty(), pidFile = Optional.empty(),
            keyboard = Optional.empty();
    private String logItems;
    private RtcConfig rtc = RtcConfig.DEFAULT;
    private final List<String> dataDirs = new ArrayList<>();

    private CommandLine(String[] args) {
        this.args = args.clone();
    }

    private void warn(String text) {
        warnings.add(PROGRAM + ": " + (currentLocation == null ? "" : currentLocation + ": ") + text);
    }

    // ------------------------------------------------------------------------------------------ passes

    private Result run() {
        var occurrences = scan();
        for (var o : occurrences) {
            currentLocation = o.location();
            try {
                Optional<String> out = apply(o);
                if (out.isPresent()) return new Exit(0, out.get(), List.copyOf(warnings));
            } catch (CliError e) {
                throw e.at(o.location());
            }
        }
        currentLocation = null;
        if (logItems != null) {
            var exit = parseLogItems();
            if (exit != null) return exit;
        }
        var config = build();
        return new Run(config, List.copyOf(warnings));
    }

    /** First pass: every option must exist and have its argument (QEMU checks this before anything). */
    private List<Occurrence> scan() {
        var out = new ArrayList<Occurrence>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-") || a.equals("-")) {
                out.add(new Occurrence(null, a, null)); // a disk image
                continue;
            }
            String n = a.substring(1);
            if (n.startsWith("-")) n = n.substring(1);
            var spec = OptionTable.lookup(n).orElseThrow(() -> new CliError(a, "invalid option"));
            if (spec.hasArg()) {
                if (i + 1 >= args.length) throw new CliError(a, "requires an argument");
                out.add(new Occurrence(spec, a, args[++i]));
            } else {
                out.add(new Occurrence(spec, a, null));
            }
        }
        return out;
    }

    private static boolean isHelp(String s) { return s.equals("help") || s.equals("?"); }

    /** Second pass, one option; a present result is text to print before exiting 0. */
    private Optional<String> apply(Occurrence o) {
        String arg = o.arg();
        if (o.spec() != null && o.spec().section().equals(OptionTable.UNSUPPORTED))
            throw new CliError(o.typed(), "not supported yet");
        switch (o.name()) {
            case "" -> driveDecls.add(Block.parseDrive(o.typed(), "file=" + o.typed().replace(",", ",,") + ",index=0,media=disk", this::warn));
            case "hda", "hdb", "hdc", "hdd" -> driveDecls.add(Block.parseDrive(o.location(), "file=" + arg.replace(",", ",,")
                    + ",index=" + (o.name().charAt(2) - 'a') + ",media=disk", this::warn));
            case "cdrom" -> driveDecls.add(Block.parseDrive(o.location(), "file=" + arg.replace(",", ",,")
                    + ",index=2,media=cdrom", this::warn));
            case "pflash" -> driveDecls.add(Block.parseDrive(o.location(), "file=" + arg.replace(",", ",,")
                    + ",if=pflash", this::warn));
            case "h" -> { return Optional.of(Help.version() + Help.usage()); }
            case "version" -> { return Optional.of(Help.version()); }
            case "machine" -> { return machine(arg); }
            case "cpu" -> {
                if (isHelp(arg)) return Optional.of(Help.cpus());
                var kv = KeyValues.parse(arg, "model", KeyValues.Flags.BOOLEAN_WARN, this::warn);
                cpuModel = kv.get("model").orElse(cpuModel);
                for (var e : kv.entries()) if (!e.key().equals("model")) cpuProps.put(e.key(), e.value());
                cpuLocation = o.location();
            }
            case "accel" -> {
                if (isHelp(arg)) return Optional.of(Help.accels());
                var kv = KeyValues.parse(arg, "accel", KeyValues.Flags.BOOLEAN_WARN, this::warn);
                String type = kv.get("accel").orElseThrow(() -> CliError.plain("Parameter 'accel' is missing"));
                if (isHelp(type)) return Optional.of(Help.accels());
                if (!type.equals("tcg")) throw CliError.plain("invalid accelerator " + type);
                var props = new LinkedHashMap<String, String>();
                kv.get("thread").ifPresent(t -> {
                    if (!t.equals("single") && !t.equals("multi")) throw CliError.plain("Invalid 'thread' setting " + t);
                    props.put("thread", t);
                });
                kv.get("tb-size").ifPresent(t -> props.put("tb-size", t));
                kv.bool("split-wx").ifPresent(b -> props.put("split-wx", b ? "on" : "off"));
                for (var k : kv.unused()) throw CliError.plain("Property 'tcg-accel." + k + "' not found");
                if (accel == null) accel = new AccelConfig(type, props);
            }
            case "smp" -> {
                var kv = KeyValues.parse(arg, "cpus", KeyValues.Flags.BOOLEAN_WARN, this::warn);
                for (var e : kv.entries()) {
                    if (!Set.of("cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus").contains(e.key()))
                        throw CliError.unplaced("Parameter 'smp." + e.key() + "' is unexpected");
                    smpOpts.put(e.key(), e.value());
                }
            }
            case "m" -> {
                var kv = KeyValues.parse(arg, "size", KeyValues.Flags.BOOLEAN_WARN, this::warn);
                kv.get("size").ifPresent(s -> memOpts.put("size", s));
                kv.get("slots").ifPresent(s -> memOpts.put("slots", s));
                kv.get("maxmem").ifPresent(s -> memOpts.put("maxmem", s));
                kv.rejectUnused();
                // check the values now, where QEMU reports them
                if (kv.has("size")) Sizes.parse(memOpts.get("size"), "size", Sizes.MiB, this::warn);
                if (kv.has("maxmem")) Sizes.parse(memOpts.get("maxmem"), "maxmem", 1, this::warn);
                memLocation = o.location();
            }
            case "bios" -> bios = Optional.of(arg);
            case "kernel" -> kernel = Optional.of(arg);
            case "initrd" -> initrd = Optional.of(arg);
            case "append" -> append = Optional.of(arg);
            case "dtb" -> dtb = Optional.of(arg);
            case "nographic" -> nographic = true;
            case "display" -> { return display(arg); }
            case "serial" -> {
                serialDecls.add(new SerialDecl(arg, o.location()));
                defaultSerial = false;
                if (arg.startsWith("mon:")) defaultMonitor = false; // the monitor is on the serial port
            }
            case "chardev" -> {
                if (isHelp(arg)) return Optional.of(Help.chardevs());
                chardevDecls.add(new ChardevDecl(Chardevs.parseOption(arg, this::warn), o.location()));
            }
            case "mon" -> {
                var kv = KeyValues.parse(arg, "chardev", KeyValues.Flags.BOOLEAN_WARN, this::warn);
                String chardev = kv.get("chardev").orElseThrow(() -> CliError.plain("Parameter 'chardev' is missing"));
                String modeText = kv.get("mode", "readline");
                var mode = switch (modeText) {
                    case "readline" -> MonitorConfig.Mode.READLINE;
                    case "control" -> MonitorConfig.Mode.CONTROL;
                    default -> throw CliError.plain("Parameter 'mode' does not accept value '" + modeText + "'");
                };
                boolean pretty = kv.bool("pretty", false);
                kv.rejectUnused();
                if (pretty && mode == MonitorConfig.Mode.READLINE)
                    throw CliError.plain("'pretty' is not compatible with HMP monitors");
                monDecls.add(new MonDecl(mode, chardev, pretty, o.location()));
                defaultMonitor = false;
            }
            case "monitor" -> monitorShorthand(arg, MonitorConfig.Mode.READLINE, false, o.location());
            case "qmp" -> monitorShorthand(arg, MonitorConfig.Mode.CONTROL, false, o.location());
            case "qmp-pretty" -> monitorShorthand(arg, MonitorConfig.Mode.CONTROL, true, o.location());
            case "incoming" -> incoming = Optional.of(Chardevs.parseIncoming(arg));
            case "S" -> startPaused = true;
            case "no-reboot" -> noReboot = true;
            case "no-shutdown" -> noShutdown = true;
            case "nodefaults" -> defaults = false;
            case "snapshot" -> snapshot = true;
            case "drive" -> driveDecls.add(Block.parseDrive(o.location(), arg, this::warn));
            case "blockdev" -> blockdevDecls.add(new BlockdevDecl(Block.parseBlockdev(arg), o.location()));
            case "device" -> { return device(arg, o.location()); }
            case "global" -> global(arg, o.location());
            case "name" -> {
                var kv = KeyValues.parse(arg, "guest", KeyValues.Flags.BOOLEAN_WARN, this::warn);
                var n = new NameConfig(kv.get("guest", ""), kv.get("process"), kv.bool("debug-threads", false));
                kv.rejectUnused();
                name = Optional.of(n);
            }
            case "loadvm" -> loadvm = Optional.of(arg);
            case "d" -> logItems = arg;
            case "D" -> logFile = Optional.of(arg);
            case "rtc" -> rtc(arg);
            case "object" -> { return object(arg, o.location()); }
            case "L" -> dataDirs.add(arg);
            case "pidfile" -> pidFile = Optional.of(arg);
            case "k" -> keyboard = Optional.of(arg);
            case "daemonize" -> throw CliError.plain("not supported (Ferry stays in the foreground; use the shell to run it in the background)");
            default -> throw new IllegalStateException("option without a handler: " + o.name());
        }
        return Optional.empty();
    }

    private Optional<String> machine(String arg) {
        if (isHelp(arg)) return Optional.of(Help.machines());
        var words = KeyValues.splitList(arg);
        for (int i = 0; i < words.size(); i++) {
            if (isHelp(words.get(i)) && (i > 0 || words.size() == 1)) {
                String type = i > 0 && !words.get(0).contains("=") ? words.get(0) : machineProps.getOrDefault("type", "virt");
                if (!Help.MACHINES.containsKey(type))
                    throw CliError.plain("unsupported machine type", "Use -machine help to list supported machines");
                return Optional.of(Help.machineProperties(type));
            }
        }
        var kv = KeyValues.parse(arg, "type", KeyValues.Flags.REJECT, this::warn);
        for (var e : kv.entries()) machineProps.put(e.key(), e.value());
        return Optional.empty();
    }

    private Optional<String> display(String arg) {
        if (isHelp(arg)) return Optional.of(Help.displays());
        if (arg.startsWith("vnc=") || arg.startsWith("vnc,")) {
            displayKind = DisplayConfig.Kind.VNC;
            displayProps = KeyValues.parse(arg, null, KeyValues.Flags.BOOLEAN_QUIET, null).toMap();
            return Optional.empty();
        }
        var kv = KeyValues.parse(arg, "type", KeyValues.Flags.REJECT, this::warn);
        String type = kv.get("type").orElseThrow(() -> CliError.plain("Parameter 'type' is missing"));
        displayKind = DisplayConfig.Kind.of(type).filter(k -> k != DisplayConfig.Kind.VNC)
                .orElseThrow(() -> CliError.plain("Parameter 'type' does not accept value '" + type + "'"));
        var props = kv.toMap();
        props.remove("type");
        displayProps = props;
        return Optional.empty();
    }

    private void monitorShorthand(String spec, MonitorConfig.Mode mode, boolean pretty, String location) {
        defaultMonitor = false;
        int index = compatMonitors++;
        var sh = Chardevs.parseShorthand(spec, "parse error: " + spec);
        switch (sh) {
            case Chardevs.Shorthand.None n -> { }
            case Chardevs.Shorthand.Reference r -> monDecls.add(new MonDecl(mode, r.id(), pretty, location));
            case Chardevs.Shorthand.New n -> {
                String id = "compat_monitor" + index;
                chardevDecls.add(new ChardevDecl(new Chardev(id, n.backend(), n.mux()), location));
                monDecls.add(new MonDecl(mode, id, pretty, location));
            }
        }
    }

    private Optional<String> device(String arg, String location) {
        if (isHelp(arg)) return Optional.of(Help.devices());
        Map<String, String> props = new LinkedHashMap<>();
        if (arg.startsWith("{")) {
            for (var e : Block.jsonObject(arg).entrySet()) {
                if (!(e.getValue() instanceof String s))
                    throw CliError.plain("Invalid parameter type for '" + e.getKey() + "', expected: string");
                props.put(e.getKey(), s);
            }
        } else {
            var kv = KeyValues.parse(arg, "driver", KeyValues.Flags.BOOLEAN_WARN, this::warn);
            for (var e : kv.entries()) props.put(e.key(), e.value());
        }
        String driver = props.remove("driver");
        if (driver == null) throw CliError.plain("Parameter 'driver' is missing");
        if (props.containsKey("help") || props.containsKey("?")) {
            var model = DeviceModel.of(driver).filter(DeviceModel::userCreatable)
                    .orElseThrow(() -> CliError.plain("'" + driver + "' is not a valid device model name"));
            return Optional.of(Help.deviceProperties(model));
        }
        deviceDecls.add(new DeviceDecl(driver, props, location));
        return Optional.empty();
    }

    private void global(String arg, String location) {
        var kv = KeyValues.parse(arg, null, KeyValues.Flags.BOOLEAN_WARN, this::warn);
        if (kv.has("driver") || kv.has("property") || kv.has("value")) {
            String d = kv.get("driver").orElseThrow(() -> CliError.plain("Parameter 'driver' is missing"));
            String p = kv.get("property").orElseThrow(() -> CliError.plain("Parameter 'property' is missing"));
            String v = kv.get("value").orElseThrow(() -> CliError.plain("Parameter 'value' is missing"));
            kv.rejectUnused();
            globalDecls.add(new GlobalDecl(d, p, v, location));
            return;
        }
        var entries = kv.entries();
        if (entries.size() != 1) throw CliError.plain("Invalid parameter '" + entries.get(entries.size() > 1 ? 1 : 0).key() + "'");
        var e = entries.get(0);
        int dot = e.key().indexOf('.');
        if (dot <= 0 || dot == e.key().length() - 1 || arg.indexOf('=') < 0)
            throw CliError.plain("Invalid parameter '" + e.key() + "'");
        globalDecls.add(new GlobalDecl(e.key().substring(0, dot), e.key().substring(dot + 1), e.value(), location));
    }

    private void rtc(String arg) {
        var kv = KeyValues.parse(arg, null, KeyValues.Flags.BOOLEAN_WARN, this::warn);
        RtcConfig.Base base = rtc.base();
        var b = kv.get("base");
        if (b.isPresent()) {
            String s = b.get();
            if (s.equals("utc")) base = new RtcConfig.Base.Utc();
            else if (s.equals("localtime")) base = new RtcConfig.Base.LocalTime();
            else {
                try {
                    base = new RtcConfig.Base.At(s.contains("T") ? LocalDateTime.parse(s) : LocalDate.parse(s).atStartOfDay());
                } catch (DateTimeParseException ex) {
                    throw CliError.unplaced("invalid datetime format", "valid formats: '2006-06-17T16:01:21' or '2006-06-17'");
                }
            }
        }
        var clock = rtc.clock();
        var c = kv.get("clock");
        if (c.isPresent()) {
            clock = switch (c.get()) {
                case "host" -> RtcConfig.Clock.HOST;
                case "rt" -> RtcConfig.Clock.RT;
                case "vm" -> RtcConfig.Clock.VM;
                default -> throw CliError.unplaced("invalid option value '" + c.get() + "'");
            };
        }
        boolean slew = rtc.driftFixSlew();
        var d = kv.get("driftfix");
        if (d.isPresent()) {
            slew = switch (d.get()) {
                case "slew" -> true;
                case "none" -> false;
                default -> throw CliError.unplaced("invalid option value '" + d.get() + "'");
            };
        }
        kv.rejectUnused();
        rtc = new RtcConfig(base, clock, slew);
    }

    private Optional<String> object(String arg, String location) {
        if (isHelp(arg)) return Optional.of(Help.objects());
        var tree = arg.startsWith("{") ? Block.jsonObject(arg) : Block.dotted(arg, "qom-type");
        Object type = tree.remove("qom-type");
        if (type == null) throw CliError.plain("Parameter 'qom-type' is missing");
        if (!(type instanceof String t) || !Help.OBJECT_TYPES.contains(t))
            throw CliError.plain("Parameter 'qom-type' does not accept value '" + type + "'");
        Object id = tree.remove("id");
        if (id == null) throw CliError.plain("Parameter 'id' is missing");
        if (!(id instanceof String ids)) throw CliError.plain("Parameter 'id' expects an identifier", Chardevs.IDENTIFIER_HINT);
        Chardevs.checkId(ids);
        var props = new LinkedHashMap<String, String>();
        flatten("", tree, props);
        objectDecls.add(new ObjectDecl(t, ids, props, location));
        return Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> tree, Map<String, String> out) {
        for (var e : tree.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> m) flatten(prefix + e.getKey() + ".", (Map<String, Object>) m, out);
            else out.put(prefix + e.getKey(), String.valueOf(e.getValue()));
        }
    }

    private Exit parseLogItems() {
        // QEMU 7.2 exits 1 after listing the items, for "help" too
        if (isHelp(logItems)) return new Exit(1, Help.logItems(), List.copyOf(warnings));
        for (String item : logItems.split(",")) {
            if (item.startsWith("trace:")) continue;
            if (item.isEmpty() || DebugLog.LogItem.of(item).isEmpty()) return new Exit(1, Help.logItems(), List.copyOf(warnings));
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------ building

    private MachineConfig build() {
        var machine = buildMachine();
        var boot = buildBoot();
        var cpu = buildCpu();

        // -nographic and the defaults, as QEMU adds them after the options
        if (!defaults) {
            defaultSerial = false;
            defaultMonitor = false;
        }
        if (nographic) {
            if (defaultSerial && defaultMonitor) {
                serialDecls.add(new SerialDecl("mon:stdio", null));
            } else {
                if (defaultSerial) serialDecls.add(new SerialDecl("stdio", null));
                if (defaultMonitor) monitorShorthand("stdio", MonitorConfig.Mode.READLINE, false, null);
            }
        } else {
            if (defaultSerial) serialDecls.add(new SerialDecl("vc", null));
            if (defaultMonitor) monitorShorthand("vc", MonitorConfig.Mode.READLINE, false, null);
        }

        // character devices: -chardev and monitor shorthands in order, then the serial ports
        var chardevs = new ArrayList<Chardev>();
        var byId = new HashMap<String, Chardev>();
        var monitors = new ArrayList<MonitorConfig>();
        var serials = new ArrayList<SerialPort>();
        var users = new HashMap<String, Integer>();
        var addChardev = new Object() {
            String stdio;

            void add(Chardev c, String location) {
                if (byId.containsKey(c.id())) throw new CliError(location, "Duplicate ID '" + c.id() + "' for chardev");
                if (c.backend() instanceof ChardevBackend.Stdio) {
                    if (stdio != null) throw new CliError(location, "cannot use stdio by multiple character devices");
                    stdio = c.id();
                }
                byId.put(c.id(), c);
                chardevs.add(c);
            }
        };
        for (var d : chardevDecls) addChardev.add(d.chardev(), d.location());
        for (var m : monDecls) {
            if (!byId.containsKey(m.chardev())) throw new CliError(m.location(), "chardev \"" + m.chardev() + "\" not found");
            use(users, byId.get(m.chardev()), m.location());
            monitors.add(new MonitorConfig(m.mode(), m.chardev(), m.pretty()));
        }
        int serialIndex = 0;
        for (int i = 0; i < serialDecls.size(); i++) {
            var s = serialDecls.get(i);
            String where = s.location();
            try {
                var sh = Chardevs.parseShorthand(s.spec(), "could not connect serial device to character backend '" + s.spec() + "'");
                switch (sh) {
                    case Chardevs.Shorthand.None n -> { }
                    case Chardevs.Shorthand.Reference r -> {
                        var c = byId.get(r.id());
                        if (c == null)
                            throw CliError.plain("could not connect serial device to character backend '" + s.spec() + "'");
                        use(users, c, where);
                        serials.add(new SerialPort(serialIndex++, c.id()));
                    }
                    case Chardevs.Shorthand.New n -> {
                        var c = new Chardev("serial" + serialIndex, n.backend(), n.mux());
                        addChardev.add(c, where);
                        use(users, c, where);
                        serials.add(new SerialPort(serialIndex++, c.id()));
                        if (n.monitor()) {
                            use(users, c, where);
                            monitors.add(new MonitorConfig(MonitorConfig.Mode.READLINE, c.id(), false));
                        }
                    }
                }
            } catch (CliError e) {
                throw e.at(where);
            }
        }

        var smp = buildSmp(machine);
        var memory = buildMemory(machine);
        var blockdevs = buildBlockdevs();
        var drives = buildDrives(blockdevs);
        var objects = buildObjects();
        var devices = buildDevices(drives, blockdevs, byId, users, objects);
        var globals = buildGlobals();
        var display = new DisplayConfig(nographic ? DisplayConfig.Kind.NONE : displayKind, nographic, displayProps);
        var log = buildLog();

        return new MachineConfig(machine, cpu, memory, smp, boot, display, chardevs, serials, monitors, incoming,
                startPaused, drives, blockdevs, devices, globals, noReboot, noShutdown, name, loadvm, log,
                accel == null ? AccelConfig.DEFAULT : accel, rtc, snapshot, objects, dataDirs, pidFile, keyboard,
                defaults);
    }

    /** A front end takes a chardev; a chardev without mux=on takes only one. */
    private static void use(Map<String, Integer> users, Chardev c, String location) {
        int n = users.merge(c.id(), 1, Integer::sum);
        if (n > 1 && !c.mux()) throw new CliError(location, "Device '" + c.id() + "' is in use");
    }

    private static final Set<String> GENERIC_MACHINE_PROPS = Set.of("append", "dtb", "dumpdtb", "firmware", "initrd",
            "kernel", "dump-guest-core", "mem-merge", "memory-backend", "phandle-start", "suppress-vmdesc",
            "dt-compatible", "graphics", "usb", "memory-encryption", "confidential-guest-support", "accel");
    private static final Set<String> VIRT_PROPS = Set.of("aclint", "aia", "aia-guests");
    private static final Set<String> BOOL_MACHINE_PROPS = Set.of("aclint", "dump-guest-core", "mem-merge",
            "suppress-vmdesc", "graphics", "usb");

    private MachineSpec buildMachine() {
        String type = machineProps.getOrDefault("type", "virt");
        if (!Help.MACHINES.containsKey(type))
            throw CliError.plain("unsupported machine type", "Use -machine help to list supported machines");
        var props = new LinkedHashMap<String, String>();
        for (var e : machineProps.entrySet()) {
            String k = e.getKey();
            if (k.equals("type")) continue;
            if (!GENERIC_MACHINE_PROPS.contains(k) && !(type.equals("virt") && VIRT_PROPS.contains(k)))
                throw CliError.plain("Property '" + type + "-machine." + k + "' not found");
            if (BOOL_MACHINE_PROPS.contains(k)) props.put(k, KeyValues.parseBool(k, e.getValue()) ? "on" : "off");
            else props.put(k, e.getValue());
        }
        var aia = switch (props.getOrDefault("aia", "none")) {
            case "none" -> MachineSpec.Aia.NONE;
            case "aplic" -> MachineSpec.Aia.APLIC;
            case "aplic-imsic" -> MachineSpec.Aia.APLIC_IMSIC;
            default -> throw CliError.plain("Invalid AIA interrupt controller type",
                    "Valid values are none, aplic, and aplic-imsic.");
        };
        int aiaGuests;
        try {
            aiaGuests = Integer.parseInt(props.getOrDefault("aia-guests", "0"));
            if (aiaGuests < 0 || aiaGuests > 7) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw CliError.plain("Invalid number of AIA IMSIC guests", "Valid value should be between 0 and 7.");
        }
        String accelProp = props.get("accel");
        if (accelProp != null) {
            for (String a : accelProp.split(":")) {
                if (!a.equals("tcg")) throw CliError.plain("invalid accelerator " + a);
            }
            if (accel == null) accel = AccelConfig.DEFAULT;
        }
        // -kernel and friends are machine properties in QEMU; the options win over -machine kernel=...
        if (kernel.isEmpty()) kernel = Optional.ofNullable(props.get("kernel"));
        if (initrd.isEmpty()) initrd = Optional.ofNullable(props.get("initrd"));
        if (append.isEmpty()) append = Optional.ofNullable(props.get("append"));
        if (dtb.isEmpty()) dtb = Optional.ofNullable(props.get("dtb"));
        if (bios.isEmpty()) bios = Optional.ofNullable(props.get("firmware"));
        Optional<String> dumpDtb = Optional.ofNullable(props.remove("dumpdtb"));
        boolean aclint = "on".equals(props.remove("aclint"));
        props.remove("aia");
        props.remove("aia-guests");
        for (String k : List.of("kernel", "initrd", "append", "dtb", "firmware", "accel")) props.remove(k);
        return new MachineSpec(type, dumpDtb, aclint, aia, aiaGuests, props);
    }

    private BootConfig buildBoot() {
        if (kernel.isEmpty() && append.isPresent() && !append.get().isEmpty())
            throw CliError.plain("-append only allowed with -kernel option");
        if (kernel.isEmpty() && initrd.isPresent()) throw CliError.plain("-initrd only allowed with -kernel option");
        return new BootConfig(BootConfig.Firmware.of(bios.orElse("default")), kernel, initrd, append, dtb);
    }

    private static final Set<String> CPU_BOOL_PROPS = Set.of("Zfh", "Zfhmin", "Zicsr", "Zifencei", "Zihintpause",
            "Zve32f", "Zve64f", "a", "c", "d", "debug", "e", "f", "g", "h", "i", "m", "mmu", "pmp", "s",
            "short-isa-string", "sscofpmf", "sstc", "start-powered-off", "svinval", "svnapot", "svpbmt", "u", "v",
            "rvv_ma_all_1s", "rvv_ta_all_1s", "x-epmp", "x-j", "x-smaia", "x-ssaia", "xventanacondops", "zba", "zbb",
            "zbc", "zbkb", "zbkc", "zbkx", "zbs", "zdinx", "zfinx", "zhinx", "zhinxmin", "zk", "zkn", "zknd", "zkne",
            "zknh", "zkr", "zks", "zksed", "zksh", "zkt", "zmmul");
    private static final Set<String> CPU_OTHER_PROPS = Set.of("priv_spec", "vext_spec", "vlen", "elen", "marchid",
            "mimpid", "mvendorid", "pmu-num", "resetvec");

    private CpuConfig buildCpu() {
        if (!Help.CPU_MODELS.contains(cpuModel)) throw CliError.plain("unable to find CPU model '" + cpuModel + "'");
        var props = new LinkedHashMap<String, String>();
        String cls = cpuModel + "-riscv-cpu";
        for (var e : cpuProps.entrySet()) {
            String k = e.getKey(), v = e.getValue();
            String global = "can't apply global " + cls + "." + k + "=" + v + ": ";
            if (CPU_BOOL_PROPS.contains(k)) {
                if (!KeyValues.isBool(v)) throw CliError.plain(global + "Parameter '" + k + "' expects 'on' or 'off'");
                props.put(k, KeyValues.parseBool(k, v) ? "on" : "off");
            } else if (CPU_OTHER_PROPS.contains(k)) {
                props.put(k, v);
            } else {
                throw CliError.plain(global + "Property '" + cls + "." + k + "' not found");
            }
        }
        return new CpuConfig(cpuModel, props);
    }

    /** -smp as QEMU 7.2 completes it: omitted values from the others, cores preferred over sockets. */
    private SmpConfig buildSmp(MachineSpec machine) {
        if (smpOpts.isEmpty()) return SmpConfig.ONE;
        var v = new HashMap<String, Long>();
        boolean zero = false;
        for (var e : smpOpts.entrySet()) {
            long x;
            try {
                x = Long.parseLong(e.getValue());
                if (x < 0) throw new NumberFormatException();
            } catch (NumberFormatException ex) {
                throw CliError.plain("Parameter 'smp." + e.getKey() + "' expects integer");
            }
            if (x == 0) zero = true;
            else v.put(e.getKey(), x);
        }
        if (zero) {
            currentLocation = null;
            warn("warning: Deprecated CPU topology (considered invalid): CPU topology parameters must be greater than zero");
        }
        if (v.getOrDefault("dies", 1L) > 1) throw CliError.plain("dies not supported by this machine's CPU topology");
        if (v.getOrDefault("clusters", 1L) > 1) throw CliError.plain("clusters not supported by this machine's CPU topology");
        long cpus = v.getOrDefault("cpus", 0L), sockets = v.getOrDefault("sockets", 0L),
                cores = v.getOrDefault("cores", 0L), threads = v.getOrDefault("threads", 0L),
                maxcpus = v.getOrDefault("maxcpus", 0L);
        if (cpus == 0 && maxcpus == 0) {
            sockets = sockets > 0 ? sockets : 1;
            cores = cores > 0 ? cores : 1;
            threads = threads > 0 ? threads : 1;
        } else {
            maxcpus = maxcpus > 0 ? maxcpus : cpus;
            sockets = sockets > 0 ? sockets : 1;
            threads = threads > 0 ? threads : 1;
            cores = cores > 0 ? cores : maxcpus / (sockets * threads);
        }
        long product = sockets * cores * threads;
        maxcpus = maxcpus > 0 ? maxcpus : product;
        cpus = cpus > 0 ? cpus : maxcpus;
        if (product != maxcpus)
            throw CliError.plain("Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (" + sockets
                    + ") * cores (" + cores + ") * threads (" + threads + ") != maxcpus (" + maxcpus + ")");
        if (maxcpus < cpus)
            throw CliError.plain("Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (" + sockets
                    + ") * cores (" + cores + ") * threads (" + threads + ") == maxcpus (" + maxcpus + ") < smp_cpus ("
                    + cpus + ")");
        int max = machine.isVirt() ? MAX_CPUS : 1;
        if (maxcpus > max)
            throw CliError.plain("Invalid SMP CPUs " + maxcpus + ". The max CPUs supported by machine '"
                    + machine.type() + "' is " + max);
        return new SmpConfig((int) cpus, (int) sockets, (int) cores, (int) threads, (int) maxcpus);
    }

    private MemoryConfig buildMemory(MachineSpec machine) {
        String where = memLocation;
        try {
            long size = MemoryConfig.DEFAULT_SIZE;
            String s = memOpts.get("size");
            if (s != null) {
                BigInteger b = Sizes.parse(s, "size", Sizes.MiB, null);
                if (b.signum() != 0) {
                    if (b.compareTo(BigInteger.valueOf(MAX_RAM)) > 0)
                        throw CliError.plain("RAM size " + s + " is too large (the virt machine takes at most "
                                + Sizes.format(MAX_RAM) + ")");
                    size = (b.longValue() + 8191) & ~8191L; // QEMU rounds RAM up to 8 KiB
                }
            }
            int slots = 0;
            if (memOpts.containsKey("slots")) {
                try {
                    slots = Integer.parseInt(memOpts.get("slots"));
                    if (slots < 0) throw new NumberFormatException();
                } catch (NumberFormatException e) {
                    throw CliError.plain("Parameter 'slots' expects uint64");
                }
            }
            long maxMem = size;
            if (memOpts.containsKey("maxmem")) {
                BigInteger b = Sizes.parse(memOpts.get("maxmem"), "maxmem", 1, null);
                if (b.bitLength() > 63) throw CliError.plain("invalid value of maxmem: too large");
                maxMem = b.longValue();
                if (maxMem < size)
                    throw CliError.plain(String.format("invalid value of maxmem: maximum memory size (0x%x) must be at "
                            + "least the initial memory size (0x%x)", maxMem, size));
                if (slots > 0 && maxMem == size)
                    throw CliError.plain(String.format("invalid value of maxmem: memory slots were specified but maximum "
                            + "memory size (0x%x) is equal to the initial memory size (0x%x)", maxMem, size));
                if (slots == 0 && maxMem != size)
                    throw CliError.plain(String.format("invalid value of maxmem: disabled memory hotplug, but maximum "
                            + "memory size (0x%x) is not equal to the initial memory size (0x%x)", maxMem, size));
            } else if (slots > 0) {
                throw CliError.plain("invalid -m option value: missing 'maxmem' option");
            }
            return new MemoryConfig(size, slots, maxMem);
        } catch (CliError e) {
            throw e.at(where);
        }
    }

    private List<Blockdev> buildBlockdevs() {
        var out = new ArrayList<Blockdev>();
        var names = new HashSet<String>();
        for (var d : blockdevDecls) {
            try {
                for (String ref : Block.references(d.blockdev().options()))
                    if (!names.contains(ref))
                        throw CliError.plain("Cannot find device='" + ref + "' nor node-name='" + ref + "'");
                for (String n : Block.nodeNames(d.blockdev()))
                    if (!names.add(n)) throw CliError.plain("Duplicate nodes with node-name='" + n + "'");
            } catch (CliError e) {
                throw e.at(d.location());
            }
            out.add(d.blockdev());
        }
        return out;
    }

    private List<Drive> buildDrives(List<Blockdev> blockdevs) {
        var nodeNames = new HashSet<String>();
        for (var b : blockdevs) nodeNames.addAll(Block.nodeNames(b));
        var ids = new HashSet<String>();
        var units = new HashMap<String, Set<Integer>>();
        var out = new ArrayList<Drive>();
        for (var d : driveDecls) {
            try {
                String iface = d.iface().equals("default") ? "none" : d.iface();
                if (iface.equals("virtio"))
                    throw CliError.plain("if=virtio needs PCI, which Ferry's virt machine does not have: use "
                            + "-drive if=none,id=ID,... with -device virtio-blk-device,drive=ID");
                int bus = d.bus().orElse(0);
                var used = units.computeIfAbsent(iface, k -> new LinkedHashSet<>());
                int unit;
                if (d.index().isPresent()) unit = d.index().getAsInt();
                else if (d.unit().isPresent()) unit = d.unit().getAsInt();
                else {
                    unit = 0;
                    while (used.contains(unit)) unit++;
                }
                if (!iface.equals("none") && !(iface.equals("pflash") && bus == 0 && unit < 2))
                    throw CliError.plain("machine type does not support if=" + iface + ",bus=" + bus + ",unit=" + unit);
                if (!used.add(unit))
                    throw CliError.plain("drive with bus=" + bus + ", unit=" + unit + " (index=" + unit + ") exists");
                String id = d.id().orElse(iface + unit);
                if (!ids.add(id)) throw CliError.plain("Duplicate ID '" + id + "' for drive");
                if (nodeNames.contains(id)) throw CliError.plain("Device name '" + id + "' conflicts with an existing node name");
                if (d.nodeName().isPresent()) {
                    String nn = d.nodeName().get();
                    if (ids.contains(nn) && !nn.equals(id) || nn.equals(id))
                        throw CliError.plain("node-name=" + nn + " is conflicting with a device id");
                    if (!nodeNames.add(nn)) throw CliError.plain("Duplicate nodes with node-name='" + nn + "'");
                }
                var drive = new Drive(id, d.file(), d.format(),
                        iface.equals("pflash") ? Drive.Interface.PFLASH : Drive.Interface.NONE, unit, d.media(),
                        d.nodeName(), d.readOnly(), d.cache(), d.snapshot().orElse(snapshot), d.options());
                out.add(drive);
            } catch (CliError e) {
                throw e.at(d.location());
            }
        }
        return out;
    }

    private List<QomObject> buildObjects() {
        var out = new ArrayList<QomObject>();
        var ids = new HashSet<String>();
        for (var o : objectDecls) {
            if (!ids.add(o.id()))
                throw new CliError(o.location(), "attempt to add duplicate property '" + o.id()
                        + "' to object (type 'container')");
            out.add(new QomObject(o.type(), o.id(), o.props()));
        }
        return out;
    }

    private List<Device> buildDevices(List<Drive> drives, List<Blockdev> blockdevs, Map<String, Chardev> chardevs,
                                      Map<String, Integer> chardevUsers, List<QomObject> objects) {
        var out = new ArrayList<Device>();
        var ids = new HashSet<String>();
        var drivesInUse = new HashSet<String>();
        var blockNames = new HashSet<String>();
        for (var b : blockdevs) blockNames.add(b.nodeName());
        int virtioSerialBuses = 0, virtioMmio = 0;
        for (var d : deviceDecls) {
            try {
                var model = DeviceModel.of(d.driver())
                        .orElseThrow(() -> CliError.plain("'" + d.driver() + "' is not a valid device model name"));
                if (!model.userCreatable())
                    throw CliError.plain("Parameter 'driver' expects a pluggable device type");
                var props = new LinkedHashMap<String, String>(d.props());
                Optional<String> id = Optional.ofNullable(props.remove("id"));
                if (id.isPresent()) {
                    Chardevs.checkId(id.get());
                    if (!ids.add(id.get())) throw CliError.plain("Duplicate ID '" + id.get() + "' for device");
                }
                String busProp = props.remove("bus");
                if (model.bus == DeviceModel.Bus.VIRTIO_SERIAL && virtioSerialBuses == 0)
                    throw CliError.plain("No '" + model.bus.qemuName + "' bus found for device '" + model.name + "'");
                if (model.bus == DeviceModel.Bus.VIRTIO_MMIO && ++virtioMmio > VIRTIO_MMIO_SLOTS)
                    throw CliError.plain("No '" + model.bus.qemuName + "' bus found for device '" + model.name + "'");
                var checked = new LinkedHashMap<String, String>();
                if (busProp != null) checked.put("bus", busProp);
                for (var e : props.entrySet()) {
                    String k = e.getKey(), v = e.getValue();
                    var type = model.property(k)
                            .orElseThrow(() -> CliError.plain("Property '" + model.name + "." + k + "' not found"));
                    switch (type) {
                        case BOOL -> v = KeyValues.parseBool(k, v) ? "on" : "off";
                        case DRIVE -> {
                            if (v.isEmpty()) continue; // "drive property not set" below
                            String value = v;
                            var drive = drives.stream().filter(x -> x.id().equals(value)).findFirst();
                            if (drive.isEmpty() && !blockNames.contains(v))
                                throw CliError.plain("Property '" + model.name + ".drive' can't find value '" + v + "'");
                            if (drive.isPresent() && drive.get().iface() != Drive.Interface.NONE)
                                throw CliError.plain("Drive '" + v + "' is already in use because it has been "
                                        + "automatically connected to another device (did you need 'if=none' in the "
                                        + "drive options?)");
                            if (!drivesInUse.add(v)) throw CliError.plain("Drive '" + v + "' is already in use by another device");
                        }
                        case CHARDEV -> {
                            var c = chardevs.get(v);
                            if (c == null)
                                throw CliError.plain("Property '" + model.name + ".chardev' can't find value '" + v + "'");
                            int n = chardevUsers.merge(v, 1, Integer::sum);
                            if (n > 1 && !c.mux())
                                throw CliError.plain("Property '" + model.name + ".chardev' can't take value '" + v
                                        + "': Device '" + v + "' is in use");
                        }
                        case OBJECT -> {
                            String value = v;
                            if (objects.stream().noneMatch(o -> o.id().equals(value) && o.type().startsWith("rng-")))
                                throw CliError.plain("Property '" + model.name + "." + k + "' can't find value '" + v + "'");
                        }
                        case STRING -> { }
                    }
                    checked.put(k, v);
                }
                if (model == DeviceModel.VIRTIO_BLK && !checked.containsKey("drive"))
                    throw CliError.plain("drive property not set");
                if (model.provides == DeviceModel.Bus.VIRTIO_SERIAL) virtioSerialBuses++;
                out.add(new Device(model, id, checked));
            } catch (CliError e) {
                throw e.at(d.location());
            }
        }
        return out;
    }

    private List<GlobalProperty> buildGlobals() {
        var out = new ArrayList<GlobalProperty>();
        for (var g : globalDecls) {
            var model = DeviceModel.of(g.driver());
            String value = g.value();
            if (model.isEmpty()) {
                currentLocation = null;
                warn("warning: global " + g.driver() + "." + g.property() + " has invalid class name");
            } else {
                String global = "can't apply global " + g.driver() + "." + g.property() + "=" + g.value() + ": ";
                var type = model.get().property(g.property()).orElseThrow(() -> CliError.plain(global + "Property '"
                        + g.driver() + "." + g.property() + "' not found"));
                if (type == DeviceModel.PropertyType.BOOL) {
                    if (!KeyValues.isBool(value))
                        throw CliError.plain(global + "Parameter '" + g.property() + "' expects 'on' or 'off'");
                    value = KeyValues.parseBool(g.property(), value) ? "on" : "off";
                }
            }
            out.add(new GlobalProperty(g.driver(), g.property(), value));
        }
        return out;
    }

    private DebugLog buildLog() {
        var items = new LinkedHashSet<DebugLog.LogItem>();
        var trace = new ArrayList<String>();
        if (logItems != null) {
            for (String item : logItems.split(",")) {
                if (item.startsWith("trace:")) trace.add(item.substring(6));
                else items.add(DebugLog.LogItem.of(item).orElseThrow());
            }
        }
        return new DebugLog(items, trace, logFile);
    }
}
