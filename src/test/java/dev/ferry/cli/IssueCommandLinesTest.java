package dev.ferry.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.ferry.cli.Cli.config;
import static dev.ferry.cli.Cli.error;
import static org.junit.jupiter.api.Assertions.*;

/** The command lines quoted in the project's issues parse into the expected machine. */
class IssueCommandLinesTest {

    @Test
    void bootLinuxOnTheConsole() {
        var c = config("-machine", "virt", "-m", "256M", "-nographic", "-kernel", "Image", "-initrd", "initrd.cpio.gz",
                "-append", "console=ttyS0 guest.run=uname;fp;bench+3;poweroff");
        assertEquals("virt", c.machine().type());
        assertEquals(256L << 20, c.ramSize());
        assertTrue(c.display().nographic());
        assertEquals(DisplayConfig.Kind.NONE, c.display().kind());
        assertEquals(Optional.of("Image"), c.boot().kernel());
        assertEquals(Optional.of("initrd.cpio.gz"), c.boot().initrd());
        assertEquals(Optional.of("console=ttyS0 guest.run=uname;fp;bench+3;poweroff"), c.boot().append());
        assertInstanceOf(BootConfig.Firmware.Default.class, c.boot().bios());
        // -nographic: serial and monitor muxed on stdio
        assertEquals(List.of(new Chardev("serial0", new ChardevBackend.Stdio(true), true)), c.chardevs());
        assertEquals(List.of(new SerialPort(0, "serial0")), c.serials());
        assertEquals(List.of(new MonitorConfig(MonitorConfig.Mode.READLINE, "serial0", false)), c.monitors());
        assertEquals(SmpConfig.ONE, c.smp());
        assertEquals("rv64", c.cpu().model());
        assertFalse(c.startPaused());
        assertTrue(c.incoming().isEmpty());
    }

    @Test
    void bios() {
        assertEquals(new BootConfig.Firmware.File("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"),
                config("-bios", "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin").boot().bios());
        assertEquals(new BootConfig.Firmware.None(), config("-bios", "none").boot().bios());
        assertEquals(new BootConfig.Firmware.Default(), config("-bios", "default").boot().bios());
    }

    @Test
    void dumpDtbAndDtb() {
        var c = config("-machine", "virt,dumpdtb=virt.dtb", "-m", "256M");
        assertEquals(Optional.of("virt.dtb"), c.machine().dumpDtb());
        assertEquals(256L << 20, c.ramSize());
        assertEquals(Optional.of("f.dtb"), config("-dtb", "f.dtb").boot().dtb());
    }

    @Test
    void qcow2DriveOnVirtioBlk() {
        var c = config("-drive", "file=disk.qcow2,format=qcow2,if=none,id=hd0", "-device", "virtio-blk-device,drive=hd0");
        var d = c.drive("hd0").orElseThrow();
        assertEquals(Optional.of("disk.qcow2"), d.file());
        assertEquals(Optional.of("qcow2"), d.format());
        assertEquals(Drive.Interface.NONE, d.iface());
        assertFalse(d.readOnly());
        assertEquals(Drive.CacheMode.WRITEBACK, d.cache());
        assertFalse(d.snapshot());
        assertEquals(1, c.devices().size());
        var dev = c.devices().get(0);
        assertEquals(DeviceModel.VIRTIO_BLK, dev.model());
        assertEquals(Map.of("drive", "hd0"), dev.properties());
    }

    @Test
    void rawDriveWithNodeNameReadonlyNoCache() {
        var d = config("-drive", "file=d.img,format=raw,if=none,id=hd0,node-name=n0,readonly=on,cache=none").drives().get(0);
        assertEquals("hd0", d.id());
        assertEquals(Optional.of("d.img"), d.file());
        assertEquals(Optional.of("raw"), d.format());
        assertEquals(Optional.of("n0"), d.nodeName());
        assertTrue(d.readOnly());
        assertEquals(Drive.CacheMode.NONE, d.cache());
        assertTrue(d.cache().direct);
        assertTrue(d.cache().writeback);
    }

    @Test
    void blockdevTree() {
        var b = config("-blockdev", "driver=qcow2,node-name=disk0,file.driver=file,file.filename=a.qcow2").blockdevs().get(0);
        assertEquals("qcow2", b.driver());
        assertEquals("disk0", b.nodeName());
        assertEquals(Map.of("driver", "file", "filename", "a.qcow2"), b.child("file").orElseThrow());
    }

    @Test
    void blockdevJsonIsTheSameTree() {
        var dotted = config("-blockdev", "driver=qcow2,node-name=disk0,file.driver=file,file.filename=a.qcow2").blockdevs();
        var json = config("-blockdev",
                "{\"driver\":\"qcow2\",\"node-name\":\"disk0\",\"file\":{\"driver\":\"file\",\"filename\":\"a.qcow2\"}}").blockdevs();
        assertEquals(dotted, json);
        var c = config("-blockdev", "driver=qcow2,node-name=disk0,file.driver=file,file.filename=a.qcow2",
                "-device", "virtio-blk-device,drive=disk0");
        assertEquals("disk0", c.devices().get(0).property("drive").orElseThrow());
    }

    @Test
    void virtioDevices() {
        assertEquals(DeviceModel.VIRTIO_RNG, config("-device", "virtio-rng-device").devices().get(0).model());
        var c = config("-chardev", "null,id=c0", "-device", "virtio-serial-device", "-device", "virtconsole,chardev=c0");
        assertEquals(List.of(DeviceModel.VIRTIO_SERIAL, DeviceModel.VIRTCONSOLE), c.devices().stream().map(Device::model).toList());
        assertEquals(Optional.of("c0"), c.devices().get(1).property("chardev"));
        // without the chardev it names, QEMU's message
        assertEquals("ferry: -device virtconsole,chardev=c0: Property 'virtconsole.chardev' can't find value 'c0'",
                error("-device", "virtio-serial-device", "-device", "virtconsole,chardev=c0"));
    }

    @Test
    void global() {
        assertEquals(List.of(new GlobalProperty("virtio-mmio", "force-legacy", "off")),
                config("-global", "virtio-mmio.force-legacy=false").globals());
        assertEquals(List.of(new GlobalProperty("virtio-mmio", "force-legacy", "off")),
                config("-global", "driver=virtio-mmio,property=force-legacy,value=off").globals());
    }

    @Test
    void serialToFile() {
        var c = config("-serial", "file:out.txt");
        assertEquals(new ChardevBackend.File("out.txt", false, Optional.empty()), c.serial0().orElseThrow().backend());
        assertEquals("serial0", c.serial0().orElseThrow().id());
    }

    @Test
    void serialOnUnixSocketServer() {
        var expected = new ChardevBackend.Socket(new SocketAddress.Unix("/tmp/s.sock"), true, false, false, false, false, 0);
        assertEquals(expected, config("-serial", "unix:/tmp/s.sock,server=on,wait=off").serial0().orElseThrow().backend());
        assertEquals(expected, config("-serial", "unix:/tmp/s.sock,server,nowait").serial0().orElseThrow().backend());
        // the shorthand takes the old spellings without QEMU's deprecation warning
        assertEquals(List.of(), Cli.run("-serial", "unix:/tmp/s.sock,server,nowait").warnings());
    }

    @Test
    void serialOnTcpServer() {
        var b = config("-serial", "tcp:127.0.0.1:4444,server=on,wait=off").serial0().orElseThrow().backend();
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Inet("127.0.0.1", 4444), true, false, false, false, false, 0), b);
    }

    @Test
    void serialNullAndNone() {
        var c = config("-serial", "null");
        assertEquals(new ChardevBackend.Null(), c.serial0().orElseThrow().backend());
        var none = config("-serial", "none");
        assertEquals(List.of(), none.serials());
        assertTrue(none.serial0().isEmpty());
        // the default monitor is still there, on the hidden console
        assertEquals(List.of(new Chardev("compat_monitor0", new ChardevBackend.Vc(), false)), none.chardevs());
    }

    @Test
    void serialOnANamedChardev() {
        var c = config("-chardev", "socket,id=c0,path=/tmp/c.sock,server=on,wait=off", "-serial", "chardev:c0");
        assertEquals(List.of(new SerialPort(0, "c0")), c.serials());
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Unix("/tmp/c.sock"), true, false, false, false, false, 0),
                c.chardev("c0").orElseThrow().backend());
        assertEquals(2, c.chardevs().size()); // c0 and the default monitor's
    }

    @Test
    void muxedStdioWithMon() {
        var c = config("-chardev", "stdio,id=char0,mux=on", "-mon", "chardev=char0,mode=readline");
        assertEquals(new Chardev("char0", new ChardevBackend.Stdio(true), true), c.chardev("char0").orElseThrow());
        assertEquals(List.of(new MonitorConfig(MonitorConfig.Mode.READLINE, "char0", false)), c.monitors());
        // -mon replaces the default monitor; the serial port keeps its default
        assertEquals(List.of("char0", "serial0"), c.chardevs().stream().map(Chardev::id).toList());
    }

    @Test
    void monitors() {
        var stdio = config("-monitor", "stdio");
        assertEquals(List.of(new MonitorConfig(MonitorConfig.Mode.READLINE, "compat_monitor0", false)), stdio.monitors());
        assertEquals(new ChardevBackend.Stdio(true), stdio.chardev("compat_monitor0").orElseThrow().backend());

        var unix = config("-monitor", "unix:/tmp/m.sock,server=on,wait=off");
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Unix("/tmp/m.sock"), true, false, false, false, false, 0),
                unix.chardev(unix.monitors().get(0).chardev()).orElseThrow().backend());

        var qmp = config("-qmp", "unix:/tmp/q.sock,server=on,wait=off");
        assertEquals(MonitorConfig.Mode.CONTROL, qmp.monitors().get(0).mode());
        assertTrue(qmp.monitors().get(0).isQmp());
        assertEquals(1, qmp.monitors().size()); // -qmp replaces the default HMP monitor
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Unix("/tmp/q.sock"), true, false, false, false, false, 0),
                qmp.chardev("compat_monitor0").orElseThrow().backend());

        var tcp = config("-qmp", "tcp:127.0.0.1:4445,server=on,wait=off");
        assertEquals(new ChardevBackend.Socket(new SocketAddress.Inet("127.0.0.1", 4445), true, false, false, false, false, 0),
                tcp.chardev("compat_monitor0").orElseThrow().backend());
    }

    @Test
    void incoming() {
        assertEquals(new Incoming.Tcp("tcp:0:6666", new SocketAddress.Inet("0", 6666)),
                config("-incoming", "tcp:0:6666").incoming().orElseThrow());
        assertEquals(new Incoming.Unix("unix:/tmp/mig.sock", "/tmp/mig.sock"),
                config("-incoming", "unix:/tmp/mig.sock").incoming().orElseThrow());
        assertEquals(new Incoming.Exec("exec:cat FILE", "cat FILE"), config("-incoming", "exec:cat FILE").incoming().orElseThrow());
        assertEquals(new Incoming.Fd("fd:3", 3), config("-incoming", "fd:3").incoming().orElseThrow());
        assertEquals(new Incoming.File("file:/tmp/x,offset=4096", "/tmp/x", 4096),
                config("-incoming", "file:/tmp/x,offset=4096").incoming().orElseThrow());
        assertEquals(new Incoming.File("file:/tmp/x", "/tmp/x", 0), config("-incoming", "file:/tmp/x").incoming().orElseThrow());
        assertEquals(new Incoming.Defer("defer"), config("-incoming", "defer").incoming().orElseThrow());
    }

    @Test
    void runControlAndNaming() {
        assertTrue(config("-S").startPaused());
        assertEquals(Optional.of("snap1"), config("-loadvm", "snap1").loadvm());
        assertTrue(config("-no-reboot").noReboot());
        assertTrue(config("-no-shutdown").noShutdown());
        var nodefaults = config("-nodefaults");
        assertFalse(nodefaults.defaults());
        assertEquals(List.of(), nodefaults.chardevs());
        assertEquals(List.of(), nodefaults.serials());
        assertEquals(List.of(), nodefaults.monitors());
        assertEquals(Optional.of(new NameConfig("guest1", Optional.empty(), false)), config("-name", "guest1").name());
    }

    @Test
    void debugLog() {
        var log = config("-d", "in_asm,int", "-D", "/tmp/log").log();
        assertEquals(java.util.Set.of(DebugLog.LogItem.IN_ASM, DebugLog.LogItem.INT), log.items());
        assertEquals(Optional.of("/tmp/log"), log.file());
        assertTrue(log.has(DebugLog.LogItem.INT));
    }

    @Test
    void smpAndMemory() {
        assertEquals(new SmpConfig(2, 1, 2, 1, 2), config("-smp", "2").smp());
        assertEquals(new SmpConfig(2, 1, 2, 1, 2), config("-smp", "cpus=2").smp());
        assertEquals(4L << 30, config("-m", "4G").ramSize());
        assertEquals(1L << 30, config("-m", "size=1G").ramSize());
        assertEquals(512L << 20, config("-m", "512").ramSize());
    }
}
