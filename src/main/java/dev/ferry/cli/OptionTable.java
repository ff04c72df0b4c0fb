package dev.ferry.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The options Ferry recognises, with the usage text {@code -h} prints, in QEMU's sections and style. */
public final class OptionTable {
    private OptionTable() {}

    /**
     * One option.
     *
     * @param name     the canonical name, without the dash
     * @param aliases  other spellings ({@code M} for {@code machine})
     * @param hasArg   takes the next argument
     * @param section  the heading of {@code -h} it is listed under
     * @param usage    its lines in {@code -h}
     */
    public record Spec(String name, List<String> aliases, boolean hasArg, String section, List<String> usage) {}

    private static final Map<String, Spec> BY_NAME = new LinkedHashMap<>();
    private static final List<Spec> ALL = new ArrayList<>();

    private static void def(String section, String names, boolean hasArg, String... usage) {
        var parts = List.of(names.split("\\|"));
        var spec = new Spec(parts.get(0), parts.subList(1, parts.size()), hasArg, section, List.of(usage));
        ALL.add(spec);
        for (var n : parts) BY_NAME.put(n, spec);
    }

    private static final String STD = "Standard options:", BLOCK = "Block device options:",
            DISPLAY = "Display options:", CHAR = "Character device options:",
            BOOT = "Boot Image or Kernel specific:", DEBUG = "Debug/Expert options:",
            OBJ = "Generic object creation:";

    static {
        def(STD, "h|help", false, "-h or -help     display this help and exit");
        def(STD, "version", false, "-version        display version information and exit");
        def(STD, "machine|M", true,
                "-machine [type=]name[,prop[=value][,...]]",
                "                selects emulated machine ('-machine help' for list)",
                "                property dumpdtb=file dumps the device tree to 'file' and exits",
                "                aclint=on|off uses ACLINT devices instead of the CLINT (default: off)",
                "                aia=none|aplic|aplic-imsic selects the interrupt controller (default: none)");
        def(STD, "cpu", true, "-cpu cpu        select CPU ('-cpu help' for list)");
        def(STD, "accel", true,
                "-accel [accel=]accelerator[,prop[=value][,...]]",
                "                select accelerator (only tcg; use 'help' for a list)",
                "                thread=single|multi (run harts on one or several host threads)");
        def(STD, "smp", true,
                "-smp [[cpus=]n][,maxcpus=maxcpus][,sockets=sockets][,cores=cores][,threads=threads]",
                "                set the number of initial CPUs to 'n' [default=1]",
                "                maxcpus= maximum number of total CPUs, including",
                "                offline CPUs for hotplug, etc",
                "                sockets= number of sockets on the machine board",
                "                cores= number of cores in one socket",
                "                threads= number of threads in one core");
        def(STD, "global", true,
                "-global driver.property=value",
                "-global driver=driver,property=property,value=value",
                "                set a global default for a driver property");
        def(STD, "m", true,
                "-m [size=]megs[,slots=n,maxmem=size]",
                "                configure guest RAM",
                "                size: initial amount of guest memory",
                "                slots: number of hotplug slots (default: none)",
                "                maxmem: maximum amount of guest memory (default: none)",
                "NOTE: Some architectures might enforce a specific granularity");
        def(STD, "k", true, "-k language     use keyboard layout (for example 'fr' for French)");
        def(STD, "device", true,
                "-device driver[,prop[=value][,...]]",
                "                add device (based on driver)",
                "                prop=value,... sets driver properties",
                "                use '-device help' to print all possible drivers",
                "                use '-device driver,help' to print all possible properties");
        def(STD, "name", true,
                "-name string1[,process=string2][,debug-threads=on|off]",
                "                set the name of the guest",
                "                string1 sets the window title and string2 the process name",
                "                When debug-threads is enabled, individual threads are given a separate name");
        def(BLOCK, "blockdev", true,
                "-blockdev [driver=]driver[,node-name=N][,discard=ignore|unmap]",
                "          [,cache.direct=on|off][,cache.no-flush=on|off]",
                "          [,read-only=on|off][,auto-read-only=on|off]",
                "          [,force-share=on|off][,detect-zeroes=on|off|unmap]",
                "          [,driver specific parameters...]",
                "                configure a block backend");
        def(BLOCK, "drive", true,
                "-drive [file=file][,if=type][,bus=n][,unit=m][,media=d][,index=i]",
                "       [,cache=writethrough|writeback|none|directsync|unsafe][,format=f]",
                "       [,snapshot=on|off][,rerror=ignore|stop|report]",
                "       [,werror=ignore|stop|report|enospc][,id=name]",
                "       [,aio=threads|native|io_uring]",
                "       [,readonly=on|off][,copy-on-read=on|off]",
                "       [,discard=ignore|unmap][,detect-zeroes=on|off|unmap]",
                "                use 'file' as a drive image (if=none or if=pflash: the virt",
                "                machine has no PCI, so attach disks with",
                "                -drive if=none,id=ID,... -device virtio-blk-device,drive=ID)");
        def(BLOCK, "hda", true, "-hda/-hdb file  use 'file' as disk image 0/1 (as -drive file=file,index=0/1,media=disk)");
        def(BLOCK, "hdb", true);
        def(BLOCK, "hdc", true, "-hdc/-hdd file  use 'file' as disk image 2/3");
        def(BLOCK, "hdd", true);
        def(BLOCK, "cdrom", true, "-cdrom file     use 'file' as CD-ROM image (as -drive file=file,index=2,media=cdrom)");
        def(BLOCK, "pflash", true, "-pflash file    use 'file' as a parallel flash image");
        def(BLOCK, "snapshot", false, "-snapshot       write to temporary files instead of disk image files");
        def(DISPLAY, "display", true,
                "-display none",
                "                select display backend type",
                "                Ferry has no graphical console: the default is \"-display none\"");
        def(DISPLAY, "nographic", false, "-nographic      disable graphical output and redirect serial I/Os to console");
        def(CHAR, "chardev", true,
                "-chardev help",
                "-chardev null,id=id[,mux=on|off][,logfile=PATH][,logappend=on|off]",
                "-chardev socket,id=id[,host=host],port=port[,to=to][,ipv4=on|off][,ipv6=on|off][,nodelay=on|off]",
                "         [,server=on|off][,wait=on|off][,telnet=on|off][,websocket=on|off][,reconnect=seconds][,mux=on|off]",
                "         [,logfile=PATH][,logappend=on|off] (tcp)",
                "-chardev socket,id=id,path=path[,server=on|off][,wait=on|off][,telnet=on|off][,websocket=on|off][,reconnect=seconds]",
                "         [,mux=on|off][,logfile=PATH][,logappend=on|off][,abstract=on|off][,tight=on|off] (unix)",
                "-chardev udp,id=id[,host=host],port=port[,localaddr=localaddr]",
                "         [,localport=localport][,ipv4=on|off][,ipv6=on|off][,mux=on|off]",
                "         [,logfile=PATH][,logappend=on|off]",
                "-chardev vc,id=id[,mux=on|off][,logfile=PATH][,logappend=on|off]",
                "-chardev ringbuf,id=id[,size=size][,logfile=PATH][,logappend=on|off]",
                "-chardev file,id=id,path=path[,mux=on|off][,logfile=PATH][,logappend=on|off]",
                "-chardev pipe,id=id,path=path[,mux=on|off][,logfile=PATH][,logappend=on|off]",
                "-chardev pty,id=id[,mux=on|off][,logfile=PATH][,logappend=on|off]",
                "-chardev stdio,id=id[,mux=on|off][,signal=on|off][,logfile=PATH][,logappend=on|off]",
                "-chardev serial,id=id,path=path[,mux=on|off][,logfile=PATH][,logappend=on|off]",
                "-chardev tty,id=id,path=path[,mux=on|off][,logfile=PATH][,logappend=on|off]");
        def(BOOT, "bios", true, "-bios file      set the filename for the BIOS ('none' for no firmware)");
        def(BOOT, "kernel", true, "-kernel bzImage use 'bzImage' as kernel image");
        def(BOOT, "append", true, "-append cmdline use 'cmdline' as kernel command line");
        def(BOOT, "initrd", true, "-initrd file    use 'file' as initial ram disk");
        def(BOOT, "dtb", true, "-dtb    file    use 'file' as device tree image");
        def(DEBUG, "serial", true, "-serial dev     redirect the serial port to char device 'dev'");
        def(DEBUG, "monitor", true, "-monitor dev    redirect the monitor to char device 'dev'");
        def(DEBUG, "qmp", true, "-qmp dev        like -monitor but opens in 'control' mode");
        def(DEBUG, "qmp-pretty", true, "-qmp-pretty dev like -qmp but uses pretty JSON formatting");
        def(DEBUG, "mon", true, "-mon [chardev=]name[,mode=readline|control][,pretty[=on|off]]");
        def(DEBUG, "pidfile", true, "-pidfile file   write PID to 'file'");
        def(DEBUG, "S", false, "-S              freeze CPU at startup (use 'c' to start execution)");
        def(DEBUG, "d", true, "-d item1,...    enable logging of specified items (use '-d help' for a list of log items)");
        def(DEBUG, "D", true, "-D logfile      output log to logfile (default stderr)");
        def(DEBUG, "L", true, "-L path         set the directory for the BIOS, VGA BIOS and keymaps");
        def(DEBUG, "no-reboot", false, "-no-reboot      exit instead of rebooting");
        def(DEBUG, "no-shutdown", false, "-no-shutdown    stop before shutdown");
        def(DEBUG, "loadvm", true,
                "-loadvm [tag|id]",
                "                start right away with a saved state (loadvm in monitor)");
        def(DEBUG, "daemonize", false, "-daemonize      daemonize QEMU after initializing (not supported by Ferry)");
        def(DEBUG, "rtc", true,
                "-rtc [base=utc|localtime|<datetime>][,clock=host|rt|vm][,driftfix=none|slew]",
                "                set the RTC base and clock");
        def(DEBUG, "incoming", true,
                "-incoming tcp:[host]:port[,to=maxport][,ipv4=on|off][,ipv6=on|off]",
                "-incoming rdma:host:port[,ipv4=on|off][,ipv6=on|off]",
                "-incoming unix:socketpath",
                "                prepare for incoming migration, listen on",
                "                specified protocol and socket address",
                "-incoming fd:fd",
                "-incoming exec:cmdline",
                "                accept incoming migration on given file descriptor",
                "                or from given external command",
                "-incoming file:path[,offset=offset]",
                "                read the migration stream from a file, from 'offset'",
                "-incoming defer",
                "                wait for the URI to be specified via migrate_incoming");
        def(DEBUG, "nodefaults", false, "-nodefaults     don't create default devices");
        def(OBJ, "object", true,
                "-object TYPENAME[,PROP1=VALUE1,...]",
                "                create a new object of type TYPENAME setting properties",
                "                in the order they are specified.  Note that the 'id'",
                "                property must be set.  These objects are placed in the",
                "                '/objects' path.");
    }

    /**
     * QEMU options Ferry knows but does not have: they are refused as "not supported yet" rather
     * than "invalid option", after their argument is taken as QEMU takes it. Not listed by {@code -h}.
     */
    static final String UNSUPPORTED = "unsupported";

    static {
        for (String n : List.of("netdev", "nic", "net", "fsdev", "virtfs", "gdb", "icount", "audiodev", "audio", "vga",
                "sd", "mtdblock", "boot", "uuid", "readconfig", "parallel", "msg", "trace", "plugin", "overcommit",
                "action", "watchdog-action", "echr", "runas", "chroot", "sandbox", "mem-path", "numa", "seed", "dfilter",
                "compat", "tpmdev", "spice", "vnc", "debugcon", "add-fd", "fw_cfg", "option-rom", "usbdevice", "iscsi",
                "semihosting-config", "dump-vmstate", "set"))
            def(UNSUPPORTED, n, true);
        for (String n : List.of("s", "semihosting", "enable-kvm", "usb", "full-screen", "no-user-config", "only-migratable",
                "singlestep", "preconfig", "mem-prealloc", "async-teardown", "enable-sync-profile", "audio-help"))
            def(UNSUPPORTED, n, false);
    }

    /** Looks an option up by the name typed after one or two dashes. */
    public static Optional<Spec> lookup(String name) { return Optional.ofNullable(BY_NAME.get(name)); }

    public static List<Spec> all() { return List.copyOf(ALL); }

    /** The {@code -h} text (after the version lines). */
    public static String usage(String program) {
        var sb = new StringBuilder();
        sb.append("usage: ").append(program).append(" [options] [disk_image]\n\n");
        sb.append("'disk_image' is a disk image, as -drive file=disk_image,index=0,media=disk\n");
        sb.append("(on virt that is if=none, id none0: attach it with -device virtio-blk-device,drive=none0)\n");
        String section = null;
        for (var s : ALL) {
            if (s.section().equals(UNSUPPORTED)) continue;
            if (!s.section().equals(section)) {
                section = s.section();
                sb.append('\n').append(section).append('\n');
            }
            for (var line : s.usage()) sb.append(line).append('\n');
        }
        sb.append("\nWhen using -nographic, press 'ctrl-a h' to get some help.\n");
        return sb.toString();
    }
}
