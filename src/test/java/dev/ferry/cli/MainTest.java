package dev.ferry.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** What {@code ferry} prints and its exit status. */
class MainTest {
    record Outcome(int status, String out, String err) {}

    /** Stands in for the machine: records what it was handed, prints one line and exits 7 (the demo 8). */
    static final class FakeLaunch implements Main.Launch {
        MachineConfig config;
        String[] demoArgs;
        private final PrintStream err;

        FakeLaunch(PrintStream err) { this.err = err; }

        @Override public int run(MachineConfig config) {
            this.config = config;
            err.println("launched");
            return 7;
        }

        @Override public int demo(String[] args) {
            this.demoArgs = args;
            err.println("demo");
            return 8;
        }
    }

    static FakeLaunch last;

    static Outcome run(Set<Feature> implemented, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        var errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        last = new FakeLaunch(errStream);
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), errStream, implemented, last);
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Outcome run(String... args) { return run(Capabilities.IMPLEMENTED, args); }

    @Test
    void version() {
        String expected = "Ferry emulator version 0.1.0 (compatible with QEMU 7.2 qemu-system-riscv64)\n"
                + "Copyright (c) 2026 The Ferry developers\n";
        for (String v : List.of("-version", "--version")) assertEquals(new Outcome(0, expected, ""), run(v));
    }

    @Test
    void help() {
        for (String h : List.of("-h", "-help", "--help")) {
            var o = run(h);
            assertEquals(0, o.status());
            assertTrue(o.out().startsWith("Ferry emulator version 0.1.0"), o.out());
            assertTrue(o.out().contains("usage: ferry [options] [disk_image]"), o.out());
            assertEquals("", o.err());
        }
        String text = run("-h").out();
        for (var spec : OptionTable.all()) {
            if (spec.section().equals(OptionTable.UNSUPPORTED)) {
                assertFalse(text.contains("\n-" + spec.name() + " "), "-h does not list -" + spec.name());
                continue;
            }
            assertTrue(text.contains("\n-" + spec.name()) || text.contains("/-" + spec.name()) || spec.name().equals("h"),
                    "-h lists -" + spec.name());
        }
        for (String section : List.of("Standard options:", "Block device options:", "Character device options:",
                "Boot Image or Kernel specific:", "Debug/Expert options:"))
            assertTrue(text.contains("\n" + section + "\n"), section);
        // help ends there, even before a bad option's value (but not an unknown option: those are checked first)
        assertEquals(0, run("-h", "-m", "abc").status());
        assertEquals(new Outcome(1, "", "ferry: -foo: invalid option\n"), run("-h", "-foo"));
    }

    @Test
    void listings() {
        assertEquals(new Outcome(0, "Supported machines are:\nnone                 empty machine\nvirt                 RISC-V VirtIO board (default)\n", ""),
                run("-machine", "help"));
        assertEquals(new Outcome(0, "any\nrv64\n", ""), run("-cpu", "help"));
        assertEquals(0, run("-accel", "help").status());
        assertEquals(0, run("-display", "help").status());
        assertEquals(0, run("-chardev", "help").status());
        assertEquals(0, run("-object", "help").status());
        var virt = run("-machine", "virt,help");
        assertEquals(0, virt.status());
        assertTrue(virt.out().startsWith("virt-machine options:\n"));
        assertTrue(virt.out().contains("dumpdtb=<string>"));
        var devices = run("-device", "help");
        assertTrue(devices.out().contains("name \"virtio-blk-device\", bus virtio-bus"), devices.out());
        var props = run("-device", "virtio-blk-device,help");
        assertTrue(props.out().startsWith("virtio-blk-device options:\n"));
        assertTrue(props.out().contains("  drive=<str>"));
        // -d help lists and exits 1, as QEMU 7.2 does; so does an unknown item
        var d = run("-d", "help");
        assertEquals(1, d.status());
        assertTrue(d.out().startsWith("Log items (comma separated):\nout_asm         show generated host assembly code"));
        assertTrue(d.out().contains("\nin_asm          show target assembly code for each compiled TB\n"));
        assertEquals(d, run("-d", "in_asm,bogus"));
    }

    @Test
    void errorsExitOneWithQemusLine() {
        assertEquals(new Outcome(1, "", "ferry: -foo: invalid option\n"), run("-foo"));
        assertEquals(new Outcome(1, "", "ferry: -m: requires an argument\n"), run("-m"));
        assertEquals(new Outcome(1, "", "ferry: -m abc: Parameter 'size' expects a non-negative number below 2^64\n"
                + "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
                + "and exabytes, respectively.\n"), run("-m", "abc"));
        assertEquals(new Outcome(1, "", "ferry: -global foo: warning: short-form boolean option 'foo' deprecated\n"
                + "Please use foo=on instead\nferry: -global foo: Invalid parameter 'foo'\n"), run("-global", "foo"));
    }

    @Test
    void recognisedButNotImplementedIsRefusedCleanly() {
        var none = EnumSet.noneOf(Feature.class);
        assertEquals(new Outcome(1, "", "ferry: -loadvm: not supported yet\n"), run(none, "-nodefaults", "-bios", "none", "-loadvm", "snap1"));
        assertEquals(new Outcome(1, "", "ferry: -incoming tcp:0:6666: not supported yet\n"),
                run(none, "-nodefaults", "-bios", "none", "-incoming", "tcp:0:6666"));
        assertEquals(new Outcome(1, "", "ferry: -chardev pty: not supported yet\n"), run(none, "-nodefaults", "-bios", "none", "-serial", "pty"));
        assertNull(last.config, "nothing launched");
        // once implemented, the same command line reaches the machine
        assertEquals(new Outcome(7, "", "launched\n"), run(EnumSet.of(Feature.LOADVM), "-nodefaults", "-bios", "none", "-loadvm", "snap1"));
        assertEquals(java.util.Optional.of("snap1"), last.config.loadvm());
    }

    @Test
    void qemuOptionsFerryDoesNotHaveAreNotSupportedRatherThanInvalid() {
        assertEquals(new Outcome(1, "", "ferry: -netdev: not supported yet\n"), run("-netdev", "user,id=n0"));
        assertEquals(new Outcome(1, "", "ferry: -gdb: not supported yet\n"), run("-nographic", "-gdb", "tcp::1234"));
        assertEquals(new Outcome(1, "", "ferry: -s: not supported yet\n"), run("-s"));
        assertEquals(new Outcome(1, "", "ferry: -fsdev: requires an argument\n"), run("-fsdev"));
    }

    @Test
    void validCommandLineReachesTheLauncher() {
        var o = run(EnumSet.allOf(Feature.class), "-machine", "virt", "-m", "256M", "-nographic", "-kernel", "Image", "-initrd", "initrd.cpio.gz",
                "-append", "console=ttyS0 guest.run=uname;fp;bench+3;poweroff");
        assertEquals(new Outcome(7, "", "launched\n"), o);
        assertEquals(256L << 20, last.config.ramSize());
    }

    @Test
    void demoGoesToItsHook() {
        assertEquals(new Outcome(8, "", "demo\n"), run("demo", "x", "-y"));
        assertArrayEquals(new String[] {"x", "-y"}, last.demoArgs);
        assertNull(last.config);
    }

    @Test
    void everyFeatureCanBeNamed() {
        // everything implemented: no complaint for a command line using many features at once
        var all = EnumSet.allOf(Feature.class);
        var c = Cli.config("-smp", "2", "-loadvm", "s", "-incoming", "defer", "-drive", "file=a,format=vmdk,if=none",
                "-device", "virtio-gpu-device", "-serial", "pty", "-qmp", "unix:/tmp/q,server=on,wait=off", "-display", "gtk");
        assertTrue(Capabilities.check(c, all).isEmpty());
        var names = Capabilities.requirements(c).stream().map(Capabilities.Requirement::option).toList();
        for (String expected : List.of("-smp 2", "-loadvm", "-incoming defer", "-drive format=vmdk", "-device virtio-gpu-device",
                "-chardev pty", "-qmp", "-display gtk"))
            assertTrue(names.contains(expected), expected + " in " + names);
    }
}
