package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.CharBackends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the shared Linux guest on the interpreter and compares what its commands print with
 * what QEMU prints for them, with the built-in SBI and with Debian's OpenSBI.
 */
@Tag("linux")
class LinuxBootTest {
    static final Path OPENSBI = Path.of("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin");
    static final String APPEND = "console=ttyS0 guest.run=uname;fp;bench+3;poweroff";

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void builtinSbi(@TempDir Path tmp) throws Exception {
        check(boot(tmp, VirtMachine.BiosKind.DEFAULT, null));
    }

    /** -smp 2: the kernel starts the second hart through HSM and then uses SBI IPIs and remote fences. */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void builtinSbiTwoHarts(@TempDir Path tmp) throws Exception {
        String console = boot(tmp, 2, VirtMachine.BiosKind.DEFAULT, null);
        assertTrue(console.contains("smp: Brought up 1 node, 2 CPUs"), console);
        check(console);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void openSbiFwDynamic(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(OPENSBI), "Debian's opensbi package is not installed");
        String console = boot(tmp, VirtMachine.BiosKind.FILE, OPENSBI);
        assertTrue(console.contains("OpenSBI v"), console);
        assertTrue(console.contains("Domain0 Next Mode         : S-mode"), console);
        check(console);
    }

    private static String boot(Path tmp, VirtMachine.BiosKind bios, Path biosFile) throws Exception {
        return boot(tmp, 1, bios, biosFile);
    }

    private static String boot(Path tmp, int harts, VirtMachine.BiosKind bios, Path biosFile) throws Exception {
        Path out = tmp.resolve("console.txt");
        VirtMachine.Options o = new VirtMachine.Options(256L << 20, harts, bios, biosFile, Guests.kernel(), Guests.initrd(),
                APPEND, null, CharBackends.open("file:" + out), false, false);
        int status;
        try (VirtMachine m = new VirtMachine(o)) {
            m.start();
            m.resume();
            status = m.runUntilExit();
        }
        String console = Files.readString(out);
        assertEquals(0, status, "poweroff ends with status 0\n" + console);
        return console;
    }

    private static void check(String console) throws Exception {
        assertTrue(console.contains("guest: ready Linux 6.1.192 riscv64"), console);
        assertTrue(console.contains("Linux 6.1.192 #1 SMP Wed Nov 25 17:09:33 UTC 2026 riscv64"), console);
        List<String> fp = console.lines().filter(l -> l.startsWith("fp: ")).toList();
        assertEquals(Guests.qemuFpLines(), fp, "fp prints exactly what QEMU prints");
        assertTrue(console.contains("bench: rounds=3 checksum=" + Guests.qemuBenchChecksum(3) + " "), console);
        assertTrue(console.contains("reboot: Power down"), console);
        assertFalse(console.contains("Oops") || console.contains("Kernel panic"), console);
    }
}
