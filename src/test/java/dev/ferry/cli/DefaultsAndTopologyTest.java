package dev.ferry.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.ferry.cli.Cli.config;
import static org.junit.jupiter.api.Assertions.*;

/** What QEMU adds by itself (defaults, -nographic), topology and sizes, the other option families. */
class DefaultsAndTopologyTest {
    private static final Chardev SERIAL0_VC = new Chardev("serial0", new ChardevBackend.Vc(), false);
    private static final Chardev MONITOR0_VC = new Chardev("compat_monitor0", new ChardevBackend.Vc(), false);
    private static final MonitorConfig HMP = new MonitorConfig(MonitorConfig.Mode.READLINE, "compat_monitor0", false);

    @Test
    void noOptionsIsAVirtMachineWithHiddenConsoles() {
        var c = config();
        assertEquals("virt", c.machine().type());
        assertEquals(MemoryConfig.DEFAULT_SIZE, c.ramSize());
        assertEquals(SmpConfig.ONE, c.smp());
        assertEquals(new BootConfig.Firmware.Default(), c.boot().bios());
        assertEquals(DisplayConfig.Kind.NONE, c.display().kind());
        assertFalse(c.display().nographic());
        // as QEMU with no window: serial and monitor on virtual consoles
        assertEquals(List.of(MONITOR0_VC, SERIAL0_VC), c.chardevs());
        assertEquals(List.of(new SerialPort(0, "serial0")), c.serials());
        assertEquals(List.of(HMP), c.monitors());
        assertTrue(c.defaults());
        assertEquals(AccelConfig.DEFAULT, c.accel());
        assertEquals(RtcConfig.DEFAULT, c.rtc());
        assertEquals(DebugLog.NONE, c.log());
    }

    @Test
    void nographicMuxesSerialAndMonitorOnStdioUnlessEitherIsGiven() {
        var stdio = new ChardevBackend.Stdio(true);
        var both = config("-nographic");
        assertEquals(List.of(new Chardev("serial0", stdio, true)), both.chardevs());
        assertEquals(List.of(new MonitorConfig(MonitorConfig.Mode.READLINE, "serial0", false)), both.monitors());

        // -serial given: the monitor alone on stdio
        var serialGiven = config("-nographic", "-serial", "null");
        assertEquals(List.of(new Chardev("compat_monitor0", stdio, false), new Chardev("serial0", new ChardevBackend.Null(), false)),
                serialGiven.chardevs());
        assertEquals(List.of(HMP), serialGiven.monitors());

        // -qmp given: the serial port alone on stdio, no human monitor
        var qmp = config("-nographic", "-qmp", "tcp:127.0.0.1:4445,server=on,wait=off");
        assertEquals(new Chardev("serial0", stdio, false), qmp.serial0().orElseThrow());
        assertEquals(1, qmp.monitors().size());
        assertTrue(qmp.monitors().get(0).isQmp());

        // -nodefaults: nothing at all
        var none = config("-nographic", "-nodefaults");
        assertEquals(List.of(), none.chardevs());
        assertEquals(List.of(), none.monitors());
        assertTrue(none.display().nographic());

        // -nodefaults keeps what is asked for
        var asked = config("-nodefaults", "-nographic", "-serial", "mon:stdio");
        assertEquals(List.of(new Chardev("serial0", stdio, true)), asked.chardevs());
        assertEquals(List.of(new MonitorConfig(MonitorConfig.Mode.READLINE, "serial0", false)), asked.monitors());
    }

    @Test
    void serialMonShorthandAndNoneAndSeveralPorts() {
        var c = config("-display", "none", "-serial", "mon:stdio");
        assertEquals(new Chardev("serial0", new ChardevBackend.Stdio(true), true), c.serial0().orElseThrow());
        assertEquals(List.of(new MonitorConfig(MonitorConfig.Mode.READLINE, "serial0", false)), c.monitors());
        // "none" takes no port: the next -serial is serial0 (as QEMU numbers them)
        var ports = config("-serial", "none", "-serial", "null", "-serial", "file:b.txt");
        assertEquals(List.of(new SerialPort(0, "serial0"), new SerialPort(1, "serial1")), ports.serials());
        assertEquals(new ChardevBackend.File("b.txt", false, Optional.empty()), ports.chardev("serial1").orElseThrow().backend());
    }

    @Test
    void monitorsAreNumberedInOrder() {
        var c = config("-monitor", "null", "-qmp", "unix:/tmp/q.sock,server=on,wait=off", "-qmp-pretty", "pty", "-monitor", "none");
        assertEquals(List.of(new MonitorConfig(MonitorConfig.Mode.READLINE, "compat_monitor0", false),
                new MonitorConfig(MonitorConfig.Mode.CONTROL, "compat_monitor1", false),
                new MonitorConfig(MonitorConfig.Mode.CONTROL, "compat_monitor2", true)), c.monitors());
        var ref = config("-chardev", "socket,id=qmp0,host=127.0.0.1,port=4446,server=on,wait=off", "-qmp", "chardev:qmp0");
        assertEquals(List.of(new MonitorConfig(MonitorConfig.Mode.CONTROL, "qmp0", false)), ref.monitors());
    }

    @Test
    void chardevBackends() {
        var c = config("-chardev", "socket,id=t,host=localhost,port=5000,nodelay=on,reconnect=2",
                "-chardev", "socket,id=s,port=5001,server=on",
                "-chardev", "file,id=f,path=log.txt,append=on,logfile=copy.txt",
                "-chardev", "pty,id=p", "-chardev", "pipe,id=pp,path=/tmp/fifo", "-chardev", "ringbuf,id=r,size=4096",
                "-chardev", "udp,id=u,host=127.0.0.1,port=6000", "-chardev", "vc,id=v,cols=80", "-chardev", "tty,id=y,path=/dev/ttyS0",
                "-chardev", "socket,id=ws,path=/tmp/w,server=on,wait=off,telnet=on", "-nodefaults");
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Inet("localhost", 5000), false, false, false, false, true, 2),
                c.chardev("t").orElseThrow().backend());
        // a server waits for its client unless wait=off
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Inet("", 5001), true, true, false, false, false, 0),
                c.chardev("s").orElseThrow().backend());
        var f = c.chardev("f").orElseThrow();
        assertEquals(new ChardevBackend.File("log.txt", true, Optional.empty()), f.backend());
        assertEquals(Optional.of("copy.txt"), f.logfile());
        assertEquals(new ChardevBackend.Pty(), c.chardev("p").orElseThrow().backend());
        assertEquals(new ChardevBackend.Pipe("/tmp/fifo"), c.chardev("pp").orElseThrow().backend());
        assertEquals(new ChardevBackend.Ringbuf(4096), c.chardev("r").orElseThrow().backend());
        assertEquals(new ChardevBackend.Udp("127.0.0.1", 6000, "", 0), c.chardev("u").orElseThrow().backend());
        assertEquals(new ChardevBackend.Vc(), c.chardev("v").orElseThrow().backend());
        assertEquals(new ChardevBackend.Serial("/dev/ttyS0"), c.chardev("y").orElseThrow().backend());
        assertTrue(((ChardevBackend.Socket) c.chardev("ws").orElseThrow().backend()).telnet());
    }

    @Test
    void shortFormBooleansWarnOnOptionsButNotInShorthands() {
        var run = Cli.run("-chardev", "socket,id=c0,path=/tmp/s2.sock,server,nowait", "-nodefaults");
        assertEquals(List.of(
                "ferry: -chardev socket,id=c0,path=/tmp/s2.sock,server,nowait: warning: short-form boolean option 'server' deprecated\nPlease use server=on instead",
                "ferry: -chardev socket,id=c0,path=/tmp/s2.sock,server,nowait: warning: short-form boolean option 'nowait' deprecated\nPlease use wait=off instead"),
                run.warnings());
        var b = (ChardevBackend.Socket) run.config().chardev("c0").orElseThrow().backend();
        assertTrue(b.server());
        assertFalse(b.waitForClient());
    }

    @Test
    void serialShorthandsForSockets() {
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Inet("", 4444), true, false, true, false, false, 0),
                config("-serial", "telnet::4444,server=on,wait=off").serial0().orElseThrow().backend());
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Inet("::1", 4444), false, false, false, false, false, 0),
                config("-serial", "tcp:[::1]:4444").serial0().orElseThrow().backend());
        assertEquals(new ChardevBackend.Udp("10.0.0.1", 9, "0.0.0.0", 7000),
                config("-serial", "udp:0.0.0.0:7000@10.0.0.1:9").serial0().orElseThrow().backend());
        assertEquals(new ChardevBackend.Serial("/dev/ttyUSB0"), config("-serial", "/dev/ttyUSB0").serial0().orElseThrow().backend());
        // file: takes the rest of the argument, commas included
        assertEquals(new ChardevBackend.File("a,b.txt", false, Optional.empty()),
                config("-serial", "file:a,b.txt").serial0().orElseThrow().backend());
    }

    @Test
    void smpTopology() {
        assertEquals(new SmpConfig(4, 2, 2, 1, 4), config("-smp", "4,sockets=2").smp());
        assertEquals(new SmpConfig(4, 2, 2, 1, 4), config("-smp", "sockets=2,cores=2").smp());
        assertEquals(new SmpConfig(2, 1, 4, 1, 4), config("-smp", "2,maxcpus=4").smp());
        assertEquals(new SmpConfig(8, 1, 4, 2, 8), config("-smp", "8,threads=2").smp());
        assertEquals(new SmpConfig(8, 1, 8, 1, 8), config("-smp", "cpus=8").smp());
        // later -smp options override earlier keys
        assertEquals(new SmpConfig(3, 1, 3, 1, 3), config("-smp", "2", "-smp", "3").smp());
        // 0 means "not given", with QEMU's warning
        var zero = Cli.run("-smp", "0");
        assertEquals(SmpConfig.ONE, zero.config().smp());
        assertEquals(List.of("ferry: warning: Deprecated CPU topology (considered invalid): CPU topology parameters must be greater than zero"),
                zero.warnings());
        assertEquals(new SmpConfig(2, 1, 2, 1, 2), config("-smp", "2,dies=1,clusters=1").smp());
    }

    @Test
    void memorySizes() {
        assertEquals(256L << 20, config("-m", "256M").ramSize());
        assertEquals(256L << 20, config("-m", "256m").ramSize());
        assertEquals(2L << 30, config("-m", "2G").ramSize());
        assertEquals(1L << 40, config("-m", "1T").ramSize());
        assertEquals(512L << 20, config("-m", "512").ramSize());
        assertEquals(1536L << 20, config("-m", "1.5G").ramSize());
        assertEquals(64L << 10, config("-m", "64K").ramSize());
        assertEquals(8192, config("-m", "100B").ramSize(), "rounded up to 8 KiB as QEMU does");
        assertEquals(MemoryConfig.DEFAULT_SIZE, config("-m", "0").ramSize(), "0 is the default");
        assertEquals(1L << 30, config("-m", "256M", "-m", "1G").ramSize(), "the last -m wins");
        var hot = config("-m", "1G,slots=2,maxmem=4G").memory();
        assertEquals(new MemoryConfig(1L << 30, 2, 4L << 30), hot);
        assertTrue(hot.hotplug());
        assertFalse(config("-m", "1G").memory().hotplug());
    }

    @Test
    void machineProperties() {
        var m = config("-machine", "virt,aclint=on,aia=aplic-imsic,aia-guests=2,dt-compatible=x").machine();
        assertTrue(m.aclint());
        assertEquals(MachineSpec.Aia.APLIC_IMSIC, m.aia());
        assertEquals(2, m.aiaGuests());
        assertEquals(Map.of("dt-compatible", "x"), m.properties());
        // several -machine options merge; -machine kernel= is -kernel
        var c = config("-M", "virt", "-machine", "dumpdtb=f.dtb", "-machine", "kernel=Image,append=quiet");
        assertEquals(Optional.of("f.dtb"), c.machine().dumpDtb());
        assertEquals(Optional.of("Image"), c.boot().kernel());
        assertEquals(Optional.of("quiet"), c.boot().append());
        assertEquals("none", config("-machine", "none").machine().type());
        assertEquals("virt", config("-machine", "type=virt").machine().type());
    }

    @Test
    void cpuModelAndProperties() {
        var cpu = config("-cpu", "rv64,h=true,zba=off,priv_spec=v1.12.0").cpu();
        assertEquals("rv64", cpu.model());
        assertEquals(Map.of("h", "on", "zba", "off", "priv_spec", "v1.12.0"), cpu.properties());
        assertTrue(cpu.flag("h", false));
        assertEquals("any", config("-cpu", "any").cpu().model());
    }

    @Test
    void drivesGetQemusAutomaticNames() {
        var c = config("disk.img", "-drive", "file=b.img,format=raw", "-drive", "if=pflash,file=code.fd,format=raw,readonly=on",
                "-drive", "if=pflash,file=vars.fd,format=raw");
        assertEquals(List.of("none0", "none1", "pflash0", "pflash1"), c.drives().stream().map(Drive::id).toList());
        assertEquals(Optional.of("disk.img"), c.drive("none0").orElseThrow().file());
        assertEquals(Drive.Interface.PFLASH, c.drive("pflash0").orElseThrow().iface());
        assertTrue(c.drive("pflash0").orElseThrow().readOnly());
        assertEquals(1, c.drive("pflash1").orElseThrow().index());
        // a bare image can be attached by its automatic name
        assertEquals(Optional.of("none0"), config("disk.img", "-device", "virtio-blk-device,drive=none0").devices().get(0).property("drive"));
    }

    @Test
    void diskShorthands() {
        var c = Cli.config("-hda", "a.img", "-hdb", "b.img", "-cdrom", "c.iso", "-pflash", "code.fd");
        assertEquals(List.of("none0", "none1", "none2", "pflash0"), c.drives().stream().map(Drive::id).toList());
        assertEquals(Drive.Media.CDROM, c.drive("none2").orElseThrow().media());
        assertEquals(Optional.of("code.fd"), c.drive("pflash0").orElseThrow().file());
    }

    @Test
    void driveOptions() {
        var d = config("-drive", "file=a,,b.qcow2,format=qcow2,if=none,id=hd0,snapshot=on,aio=native,discard=unmap,"
                + "werror=stop,rerror=report,detect-zeroes=unmap,cache.direct=on,file.locking=off,l2-cache-size=4M,"
                + "copy-on-read=on,media=cdrom").drives().get(0);
        assertEquals(Optional.of("a,b.qcow2"), d.file());
        assertTrue(d.snapshot());
        assertEquals(Drive.Media.CDROM, d.media());
        assertTrue(d.readOnly(), "a cdrom is read-only");
        assertEquals(Map.of("aio", "native", "rerror", "report", "werror", "stop", "discard", "unmap", "detect-zeroes", "unmap",
                "copy-on-read", "on", "cache.direct", "on", "file.locking", "off", "l2-cache-size", "4M"), d.options());
        // -snapshot is every drive's default
        assertTrue(config("-snapshot", "-drive", "file=x,if=none").drives().get(0).snapshot());
        assertFalse(config("-snapshot", "-drive", "file=x,if=none,snapshot=off").drives().get(0).snapshot());
        assertTrue(config("-snapshot").snapshot());
        // an empty drive
        assertTrue(config("-drive", "if=none,id=cd0,media=cdrom").drives().get(0).file().isEmpty());
    }

    @Test
    void blockdevGraphs() {
        var c = config("-blockdev", "driver=file,node-name=f0,filename=a.qcow2",
                "-blockdev", "driver=qcow2,node-name=q0,file=f0,read-only=on",
                "-device", "virtio-blk-device,drive=q0,id=disk,serial=abc");
        assertEquals(Optional.of("f0"), c.blockdev("q0").orElseThrow().childReference("file"));
        assertTrue(c.blockdev("q0").orElseThrow().readOnly());
        assertEquals(Map.of("drive", "q0", "serial", "abc"), c.devices().get(0).properties());
        assertEquals(Optional.of("disk"), c.devices().get(0).id());
        var json = config("-blockdev", "{\"driver\":\"raw\",\"node-name\":\"r0\",\"read-only\":true,"
                + "\"file\":{\"driver\":\"file\",\"filename\":\"d.img\",\"locking\":\"off\"}}");
        var b = json.blockdevs().get(0);
        assertEquals("on", b.option("read-only").orElseThrow());
        assertEquals("d.img", b.child("file").orElseThrow().get("filename"));
    }

    @Test
    void devicesAndGlobals() {
        var c = config("-object", "rng-random,id=rng0,filename=/dev/urandom", "-device", "virtio-rng-device,rng=rng0,max-bytes=1024,period=1000",
                "-device", "{\"driver\":\"virtio-rng-device\",\"id\":\"r1\",\"packed\":\"on\"}",
                "-global", "virtio-blk-device.write-cache=on", "-global", "driver=virtio-mmio,property=force-legacy,value=on");
        assertEquals(Map.of("rng", "rng0", "max-bytes", "1024", "period", "1000"), c.devices().get(0).properties());
        assertEquals(Optional.of("r1"), c.devices().get(1).id());
        assertEquals(Map.of("packed", "on"), c.devices().get(1).properties());
        assertEquals(List.of(new QomObject("rng-random", "rng0", Map.of("filename", "/dev/urandom"))), c.objects());
        assertEquals(List.of(new GlobalProperty("virtio-mmio", "force-legacy", "on")), c.globalsFor("virtio-mmio"));
        // an unknown driver in -global is a warning, as QEMU
        var run = Cli.run("-global", "foo.bar=1");
        assertEquals(List.of("ferry: warning: global foo.bar has invalid class name"), run.warnings());
        // the device's order is the command line's
        var order = config("-chardev", "null,id=a", "-chardev", "null,id=b", "-device", "virtio-serial-device,id=vs",
                "-device", "virtserialport,chardev=a,name=org.qemu.a", "-device", "virtconsole,chardev=b,nr=1");
        assertEquals(List.of("virtio-serial-device", "virtserialport", "virtconsole"), order.devices().stream().map(Device::driver).toList());
        assertEquals(List.of("chardev", "name"), List.copyOf(order.devices().get(1).properties().keySet()));
    }

    @Test
    void otherOptions() {
        var c = config("-name", "guest1,process=ferry-g1,debug-threads=on", "-rtc", "base=2006-06-17,clock=vm,driftfix=slew",
                "-accel", "tcg,thread=single", "-L", "/usr/share/ferry", "-L", "/opt", "-pidfile", "/tmp/p", "-k", "fr",
                "-display", "none", "-d", "guest_errors,trace:virtio_*", "-incoming", "tcp:[::]:4444,ipv6=on");
        assertEquals(new NameConfig("guest1", Optional.of("ferry-g1"), true), c.name().orElseThrow());
        assertEquals(new RtcConfig(new RtcConfig.Base.At(java.time.LocalDateTime.of(2006, 6, 17, 0, 0)), RtcConfig.Clock.VM, true), c.rtc());
        assertEquals(new AccelConfig("tcg", Map.of("thread", "single")), c.accel());
        assertEquals(List.of("/usr/share/ferry", "/opt"), c.dataDirs());
        assertEquals(Optional.of("/tmp/p"), c.pidFile());
        assertEquals(Optional.of("fr"), c.keyboard());
        assertEquals(List.of("virtio_*"), c.log().traceEvents());
        assertEquals(new SocketAddress.Inet("::", 4444, Optional.empty(), Optional.empty(), Optional.of(true)),
                ((Incoming.Tcp) c.incoming().orElseThrow()).address());
        assertEquals(new Incoming.Rdma("rdma:1.2.3.4:5", "1.2.3.4", 5), config("-incoming", "rdma:1.2.3.4:5").incoming().orElseThrow());
        assertEquals(RtcConfig.Clock.HOST, config("-rtc", "base=localtime").rtc().clock());
        assertEquals(DisplayConfig.Kind.GTK, config("-display", "gtk,full-screen=on").display().kind());
        assertEquals(DisplayConfig.Kind.VNC, config("-display", "vnc=:0").display().kind());
        // the last -incoming wins, as in QEMU
        assertEquals(new Incoming.Defer("defer"), config("-incoming", "tcp:0:1", "-incoming", "defer").incoming().orElseThrow());
        // --opt is -opt
        assertEquals(256L << 20, config("--m", "256M").ramSize());
        assertTrue(config("--S").startPaused());
    }
}
