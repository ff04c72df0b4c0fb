package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.FileBackend;
import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared Linux guest keeps rewriting memory with its a-b test ({@code ab& 96}) while it is
 * live-migrated; the destination's a-b loop keeps passing, with growing pass numbers and no
 * FAIL line, and the source stays paused in postmigrate.
 */
@Tag("linux")
class LinuxMigrationTest {
    private static final Pattern AB = Pattern.compile("ab: pass (\\d+) ok");

    static VirtMachine linux(Path console) throws Exception {
        return new VirtMachine(new VirtMachine.Options(256L << 20, 1, VirtMachine.BiosKind.DEFAULT, null, Guests.kernel(),
                Guests.initrd(), "console=ttyS0 quiet guest.run=ab&+96", null, new FileBackend(console, false), false, false));
    }

    static List<Integer> abPasses(Path console) throws Exception {
        Matcher m = AB.matcher(Files.readString(console));
        List<Integer> out = new ArrayList<>();
        while (m.find()) out.add(Integer.parseInt(m.group(1)));
        return out;
    }

    static void waitForAb(Path console, int n, long seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (abPasses(console).size() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("no a-b progress:\n" + Files.readString(console));
            Thread.sleep(100);
        }
    }

    /** Starts {@code dst} listening on {@code uri}; the thread ends when it has loaded (and runs). */
    private static Thread incoming(VirtMachine dst, String uri) throws Exception {
        dst.start();
        Channels.Listener l = Channels.listen(uri);
        return Thread.ofPlatform().start(() -> {
            try {
                MachineMigration.incoming(dst, l, true);
            } catch (MigrationException e) {
                throw new RuntimeException(e);
            }
        });
    }

    /** The destination's passes continue the source's, one by one, and nobody saw a lost write. */
    private static void assertContinues(Path srcOut, Path dstOut) throws Exception {
        int last = abPasses(srcOut).getLast();
        waitForAb(dstOut, 2, 120);
        List<Integer> after = abPasses(dstOut);
        assertTrue(after.getFirst() > last, "the destination's passes continue the source's: " + last + " -> " + after);
        for (int i = 1; i < after.size(); i++) assertEquals(after.get(i - 1) + 1, after.get(i));
        assertFalse(Files.readString(dstOut).contains("FAIL"), Files.readString(dstOut));
        assertFalse(Files.readString(srcOut).contains("FAIL"), Files.readString(srcOut));
    }

    /**
     * One boot, two live migrations: over unix with a high bandwidth cap (converges at once), then
     * over tcp with QEMU's defaults (128 MiB/s cannot carry 96 MiB rewritten every few
     * milliseconds within 300 ms, so it keeps iterating) until max-bandwidth is raised while it
     * runs. Each time the downtime respects the limit and the a-b loop carries on.
     */
    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void liveMigrationWhileEveryPageIsRewritten(@TempDir Path dir) throws Exception {
        Path aOut = dir.resolve("a.txt"), bOut = dir.resolve("b.txt"), cOut = dir.resolve("c.txt");
        try (VirtMachine a = linux(aOut); VirtMachine b = linux(bOut); VirtMachine c = linux(cOut)) {
            a.start();
            a.resume();
            waitForAb(aOut, 2, 200);

            String unix = "unix:" + dir.resolve("mig.sock");
            Thread in = incoming(b, unix);
            LiveMigration.Parameters fast = new LiveMigration.Parameters();
            fast.maxBandwidth = 1L << 30;
            LiveMigration first = new LiveMigration(a, unix, fast, null);
            first.run();
            in.join(60_000);
            assertEquals(LiveMigration.Status.COMPLETED, first.stats.status);
            assertEquals(RunState.POSTMIGRATE, a.state());
            assertEquals(RunState.RUNNING, b.state());
            assertTrue(first.stats.downtimeMillis <= fast.downtimeLimitMs, "downtime " + first.stats.downtimeMillis + " ms");
            assertContinues(aOut, bOut);

            int port;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            String tcp = "tcp:127.0.0.1:" + port;
            in = incoming(c, tcp);
            LiveMigration.Parameters defaults = new LiveMigration.Parameters();
            LiveMigration second = new LiveMigration(b, tcp, defaults, null);
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    second.run();
                } catch (MigrationException e) {
                    throw new RuntimeException(e);
                }
            });
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (second.stats.dirtySyncCount < 5) {
                assertTrue(System.nanoTime() < deadline, "no dirty syncs: " + second.stats.status);
                Thread.sleep(20);
            }
            assertEquals(LiveMigration.Status.ACTIVE, second.stats.status, "no switchover beyond the limit");
            assertEquals(RunState.RUNNING, b.state());
            assertTrue(second.stats.expectedDowntimeMillis > defaults.downtimeLimitMs,
                    "expected downtime " + second.stats.expectedDowntimeMillis + " ms");
            defaults.maxBandwidth = 1L << 30; // migrate-set-parameters while it runs
            t.join(120_000);
            in.join(60_000);
            assertEquals(LiveMigration.Status.COMPLETED, second.stats.status);
            assertEquals(RunState.RUNNING, c.state());
            assertTrue(second.stats.downtimeMillis <= defaults.downtimeLimitMs, "downtime " + second.stats.downtimeMillis + " ms");
            assertContinues(bOut, cOut);
        }
    }
}
