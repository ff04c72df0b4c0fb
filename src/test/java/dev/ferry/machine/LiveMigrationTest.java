package dev.ferry.machine;

import static dev.ferry.machine.ColdMigrationTest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Precopy while the demo guest rewrites its memory: the destination continues with no lost write. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LiveMigrationTest {
    @Test
    void precopyOverUnixSocketWhileTheGuestWrites(@TempDir Path dir) throws Exception {
        String uri = "unix:" + dir.resolve("live.sock");
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            src.start();
            src.resume();
            waitForPasses(dir.resolve("src.txt"), 2);
            dst.start();
            Channels.Listener listener = Channels.listen(uri);
            Thread incoming = Thread.ofPlatform().start(() -> {
                try {
                    MachineMigration.incoming(dst, listener, true);
                } catch (MigrationException e) {
                    throw new RuntimeException(e);
                }
            });
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.maxBandwidth = 64L << 20;
            LiveMigration mig = new LiveMigration(src, uri, p, null);
            mig.run();
            incoming.join(30_000);
            assertEquals(LiveMigration.Status.COMPLETED, mig.stats.status);
            assertEquals(RunState.POSTMIGRATE, src.state());
            assertEquals(RunState.RUNNING, dst.state());
            assertTrue(mig.stats.dirtySyncCount >= 2, "at least the setup sync and one more");
            assertTrue(mig.stats.transferred > 0);
            int lastOnSource = passes(dir.resolve("src.txt")).getLast();
            waitForPasses(dir.resolve("dst.txt"), 3);
            List<Integer> after = passes(dir.resolve("dst.txt"));
            assertEquals(lastOnSource + 1, after.getFirst());
            assertFalse(Files.readString(dir.resolve("dst.txt")).contains("FAIL"), Files.readString(dir.resolve("dst.txt")));
        }
    }

    @Test
    void cancelLeavesTheSourceRunning(@TempDir Path dir) throws Exception {
        String uri = "unix:" + dir.resolve("slow.sock");
        try (VirtMachine src = demoMachine(dir, "src")) {
            src.start();
            src.resume();
            waitForPasses(dir.resolve("src.txt"), 1);
            // a destination that accepts but reads slowly: the migration stays in its iterations
            Channels.Listener listener = Channels.listen(uri);
            Thread reader = Thread.ofPlatform().daemon(true).start(() -> {
                try (Channels.Channel ch = listener.accept()) {
                    byte[] b = new byte[4096];
                    while (ch.in().read(b) >= 0) Thread.sleep(5);
                } catch (Exception ignored) {
                    // the source hung up
                }
            });
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.maxBandwidth = 1L << 20; // too slow to converge quickly
            p.downtimeLimitMs = 1;
            LiveMigration mig = new LiveMigration(src, uri, p, null);
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    mig.run();
                } catch (MigrationException ignored) {
                    // expected: cancelled
                }
            });
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (mig.stats.status != LiveMigration.Status.ACTIVE && System.nanoTime() < deadline) Thread.sleep(5);
            Thread.sleep(200);
            mig.cancel();
            t.join(10_000);
            assertEquals(LiveMigration.Status.CANCELLED, mig.stats.status);
            assertEquals(RunState.RUNNING, src.state());
            int n = passes(dir.resolve("src.txt")).size();
            waitForPasses(dir.resolve("src.txt"), n + 2);
            reader.interrupt();
        }
    }

    @Test
    void aDestinationThatFailsToLoadReportsBackAndTheSourceResumes(@TempDir Path dir) throws Exception {
        String uri = "unix:" + dir.resolve("rp.sock");
        Path guest = dir.resolve("demo.bin");
        try (VirtMachine src = demoMachine(dir, "src");
             VirtMachine dst = new VirtMachine(new VirtMachine.Options(64L << 20, 1, VirtMachine.BiosKind.NONE, null, guest,
                     null, null, null, new dev.ferry.chardev.FileBackend(dir.resolve("dst.txt"), false), false, false))) {
            src.start();
            src.resume();
            waitForPasses(dir.resolve("src.txt"), 1);
            dst.start();
            Channels.Listener listener = Channels.listen(uri);
            String[] destError = {null};
            Thread incoming = Thread.ofPlatform().start(() -> {
                try {
                    MachineMigration.incoming(dst, listener, true);
                } catch (MigrationException e) {
                    destError[0] = e.getMessage();
                }
            });
            LiveMigration mig = new LiveMigration(src, uri, new LiveMigration.Parameters(), null);
            MigrationException e = assertThrows(MigrationException.class, mig::run);
            incoming.join(30_000);
            assertNotNull(destError[0]);
            assertTrue(destError[0].contains("Length mismatch"), destError[0]);
            assertTrue(e.getMessage().contains("Length mismatch"), "the source reports the destination's reason: " + e.getMessage());
            assertEquals(LiveMigration.Status.FAILED, mig.stats.status);
            assertEquals(RunState.RUNNING, src.state(), "the source guest resumes");
            int n = passes(dir.resolve("src.txt")).size();
            waitForPasses(dir.resolve("src.txt"), n + 2);
        }
    }
}
