package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.CharBackends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Boots the shared Linux guest on the interpreter with the built-in SBI. */
@Tag("linux")
class LinuxBootTest {
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void bootsRunsFpAndBenchLikeQemuAndPowersOff(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("console.txt");
        VirtMachine.Options o = VirtMachine.Options.of(256L << 20, Guests.kernel(), Guests.initrd(),
                "console=ttyS0 guest.run=uname;fp;bench+3;poweroff", CharBackends.open("file:" + out));
        int status;
        try (VirtMachine m = new VirtMachine(o)) {
            m.start();
            m.resume();
            status = m.runUntilExit();
        }
        String console = Files.readString(out);
        assertEquals(0, status, "poweroff ends with status 0");
        assertTrue(console.contains("guest: ready Linux 6.1.192 riscv64"), console);
        assertTrue(console.contains("Linux 6.1.192 #1 SMP Wed Nov 25 17:09:33 UTC 2026 riscv64"), console);
        assertTrue(console.contains("reboot: Power down"), console);
        java.util.List<String> fp = console.lines().filter(l -> l.startsWith("fp: ")).toList();
        assertEquals(Guests.qemuFpLines(), fp, "fp prints exactly what QEMU prints");
        assertTrue(console.contains("bench: rounds=3 checksum=" + Guests.qemuBenchChecksum(3) + " "), console);
        assertFalse(console.contains("Oops"), console);
    }
}
