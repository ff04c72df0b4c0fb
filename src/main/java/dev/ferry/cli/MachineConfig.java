package dev.ferry.cli;

import java.util.List;
import java.util.Optional;

/**
 * The whole machine as the command line asked for it, parsed once and checked as QEMU checks it
 * at start-up. Everything else in Ferry reads this, never the arguments.
 *
 * <p>Character devices are one uniform list: the {@code -serial}, {@code -monitor}, {@code -qmp}
 * and {@code -nographic} shorthands have been turned into {@link Chardev}s (named as QEMU names
 * them: {@code serial0}, {@code compat_monitor0}) and users that point at them by id
 * ({@link SerialPort}, {@link MonitorConfig}, {@link Device} properties).
 *
 * @param machine      {@code -machine}: type and properties
 * @param cpu          {@code -cpu}: model and properties
 * @param memory       {@code -m}
 * @param smp          {@code -smp}, with the topology filled in
 * @param boot         {@code -bios}, {@code -kernel}, {@code -initrd}, {@code -append}, {@code -dtb}
 * @param display      {@code -display} / {@code -nographic}
 * @param chardevs     every character backend, in creation order
 * @param serials      the serial ports, in order ({@code serials.get(0)} is the virt UART)
 * @param monitors     HMP and QMP monitors, each on a chardev
 * @param incoming     {@code -incoming}
 * @param startPaused  {@code -S}
 * @param drives       {@code -drive} (and a bare disk image argument)
 * @param blockdevs    {@code -blockdev}
 * @param devices      {@code -device}, in order
 * @param globals      {@code -global}, in order
 * @param noReboot     {@code -no-reboot}: a guest reset exits instead
 * @param noShutdown   {@code -no-shutdown}: a guest power-off stops the VM instead of exiting
 * @param name         {@code -name}
 * @param loadvm       {@code -loadvm}: a snapshot tag or id to start from
 * @param log          {@code -d} and {@code -D}
 * @param accel        {@code -accel} (only tcg, which for Ferry means "the emulator")
 * @param rtc          {@code -rtc}
 * @param snapshot     {@code -snapshot}: writes to drives go to temporary overlays
 * @param objects      {@code -object}
 * @param dataDirs     {@code -L}, in order
 * @param pidFile      {@code -pidfile}
 * @param keyboard     {@code -k}
 * @param defaults     false with {@code -nodefaults}
 */
public record MachineConfig(
        MachineSpec machine,
        CpuConfig cpu,
        MemoryConfig memory,
        SmpConfig smp,
        BootConfig boot,
        DisplayConfig display,
        List<Chardev> chardevs,
        List<SerialPort> serials,
        List<MonitorConfig> monitors,
        Optional<Incoming> incoming,
        boolean startPaused,
        List<Drive> drives,
        List<Blockdev> blockdevs,
        List<Device> devices,
        List<GlobalProperty> globals,
        boolean noReboot,
        boolean noShutdown,
        Optional<NameConfig> name,
        Optional<String> loadvm,
        DebugLog log,
        AccelConfig accel,
        RtcConfig rtc,
        boolean snapshot,
        List<QomObject> objects,
        List<String> dataDirs,
        Optional<String> pidFile,
        Optional<String> keyboard,
        boolean defaults) {

    public MachineConfig {
        chardevs = List.copyOf(chardevs);
        serials = List.copyOf(serials);
        monitors = List.copyOf(monitors);
        drives = List.copyOf(drives);
        blockdevs = List.copyOf(blockdevs);
        devices = List.copyOf(devices);
        globals = List.copyOf(globals);
        objects = List.copyOf(objects);
        dataDirs = List.copyOf(dataDirs);
    }

    /** RAM size in bytes. */
    public long ramSize() { return memory.size(); }

    public Optional<Chardev> chardev(String id) {
        return chardevs.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    public Optional<Drive> drive(String id) {
        return drives.stream().filter(d -> d.id().equals(id)).findFirst();
    }

    public Optional<Blockdev> blockdev(String nodeName) {
        return blockdevs.stream().filter(b -> b.nodeName().equals(nodeName)).findFirst();
    }

    /** The chardev of the first serial port (the virt UART), if it is connected. */
    public Optional<Chardev> serial0() {
        return serials.isEmpty() ? Optional.empty() : chardev(serials.get(0).chardev());
    }

    /** Globals that apply to a driver, in order (later ones win). */
    public List<GlobalProperty> globalsFor(String driver) {
        return globals.stream().filter(g -> g.driver().equals(driver)).toList();
    }
}
