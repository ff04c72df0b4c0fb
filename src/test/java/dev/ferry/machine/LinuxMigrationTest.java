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

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void liveMigrationWhileEveryPageIsRewritten(@TempDir Path dir) throws Exception {
        Path srcOut = dir.resolve("src.txt"), dstOut = dir.resolve("dst.txt");
        String uri = "unix:" + dir.resolve("mig.sock");
        try (VirtMachine src = linux(srcOut); VirtMachine dst = linux(dstOut)) {
            src.start();
            src.resume();
            waitForAb(srcOut, 2, 200);
            dst.start();
            Channels.Listener l = Channels.listen(uri);
            Thread in = Thread.ofPlatform().start(() -> {
                try {
                    MachineMigration.incoming(dst, l, true);
                } catch (MigrationException e) {
                    throw new RuntimeException(e);
                }
            });
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.maxBandwidth = 1L << 30;
            LiveMigration mig = new LiveMigration(src, uri, p, null);
            mig.run();
            in.join(60_000);
            assertEquals(LiveMigration.Status.COMPLETED, mig.stats.status);
            assertEquals(RunState.POSTMIGRATE, src.state());
            assertEquals(RunState.RUNNING, dst.state());
            int last = abPasses(srcOut).getLast();
            waitForAb(dstOut, 2, 120);
            List<Integer> after = abPasses(dstOut);
            assertTrue(after.getFirst() > last, "the destination's passes continue the source's: " + last + " -> " + after);
            for (int i = 1; i < after.size(); i++) assertEquals(after.get(i - 1) + 1, after.get(i));
            assertFalse(Files.readString(dstOut).contains("FAIL"), Files.readString(dstOut));
            assertFalse(Files.readString(srcOut).contains("FAIL"), Files.readString(srcOut));
        }
    }
}
