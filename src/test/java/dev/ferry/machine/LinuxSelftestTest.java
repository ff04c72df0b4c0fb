package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.CharBackends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots {@code Image-selftest}, the kernel that runs its KUnit suites, crypto manager tests and
 * lib self-tests while booting, and checks that every test passes as under QEMU: the counts
 * are the ones the guests' README records for QEMU 7.2. Slow: about 8 minutes on the interpreter
 * (2 cores), against 36 s under QEMU; the rtc_lib date-range test alone takes 150 s (QEMU: 8 s),
 * long enough for the kernel to print RCU stall warnings that QEMU does not print.
 */
@Tag("linux")
class LinuxSelftestTest {
    static final String APPEND = "console=ttyS0 guest.run=cat+/proc/crypto;poweroff";
    /** A KTAP result line at any nesting depth, after the kernel's timestamp. */
    static final Pattern KTAP_OK = Pattern.compile("^(\\[\\s*\\d+\\.\\d+\\] )?\\s*ok \\d+ .*");

    @Test
    @Timeout(value = 1200, unit = TimeUnit.SECONDS)
    void everySelfTestPasses(@TempDir Path tmp) throws Exception {
        int ktapOk = Integer.parseInt(Guests.fromReadme("QEMU shows (\\d+) KTAP lines `ok N"));
        String printf = Guests.fromReadme("`(test_printf: all \\d+ tests passed)`");
        String bitmap = Guests.fromReadme("`(test_bitmap: all \\d+ tests passed)`");
        String crc32 = Guests.fromReadme("`(crc32: self tests passed)`");
        int cryptoPassed = Integer.parseInt(Guests.fromReadme("in /proc/crypto (\\d+) `selftest +: passed`"));

        Path out = tmp.resolve("console.txt");
        VirtMachine.Options o = new VirtMachine.Options(256L << 20, 1, VirtMachine.BiosKind.DEFAULT, null,
                Guests.selftestKernel(), Guests.initrd(), APPEND, null, CharBackends.open("file:" + out), false, false);
        int status;
        try (VirtMachine m = new VirtMachine(o)) {
            m.start();
            m.resume();
            status = m.runUntilExit();
        }
        String console = Files.readString(out);
        List<String> lines = console.lines().toList();
        assertEquals(0, status, "poweroff ends with status 0\n" + console);
        List<String> notOk = lines.stream().filter(l -> l.contains("not ok")).toList();
        assertEquals(List.of(), notOk, "no KTAP test fails");
        assertEquals(ktapOk, lines.stream().filter(l -> KTAP_OK.matcher(l).matches()).count(), "KTAP ok lines");
        assertTrue(console.contains(crc32), console);
        assertTrue(console.contains(printf), console);
        assertTrue(console.contains(bitmap), console);
        assertEquals(cryptoPassed, lines.stream().filter(l -> l.matches("selftest\\s+: passed")).count(),
                "crypto algorithms whose self-test passed");
        assertFalse(lines.stream().anyMatch(l -> l.matches("selftest\\s+: unknown|selftest\\s+: failed")), console);
        assertTrue(console.contains("reboot: Power down"), console);
        assertFalse(console.contains("Oops") || console.contains("Kernel panic"), console);
    }
}
