package dev.ferry.machine;

import static dev.ferry.machine.ColdMigrationTest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live migrations that go wrong at every stage: cancelled in setup, during the iterations and at
 * the switchover; a destination that dies; a connection cut in the middle; a corrupt page. Each
 * time the source guest keeps running with nothing lost, the status says what happened, and a
 * later migration of the same guest succeeds.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MigrationFaultTest {

    /** A destination machine listening on a free loopback port, loading on its own thread. */
    private static final class Destination implements AutoCloseable {
        final VirtMachine machine;
        final int port;
        final Thread thread;
        final AtomicReference<String> error = new AtomicReference<>();

        Destination(Path dir, String name) throws Exception {
            machine = demoMachine(dir, name);
            machine.start();
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Channels.Listener l = Channels.listen("tcp:127.0.0.1:" + port);
            thread = Thread.ofPlatform().start(() -> {
                try {
                    MachineMigration.incoming(machine, l, true);
                } catch (MigrationException e) {
                    error.set(e.getMessage());
                } finally {
                    l.close();
                }
            });
        }

        String uri() {
            return "tcp:127.0.0.1:" + port;
        }

        @Override
        public void close() throws Exception {
            thread.join(10_000);
            machine.close();
        }
    }

    private static VirtMachine runningSource(Path dir) throws Exception {
        VirtMachine src = demoMachine(dir, "src");
        src.start();
        src.resume();
        waitForPasses(dir.resolve("src.txt"), 2);
        return src;
    }

    private static LiveMigration.Parameters fast() {
        LiveMigration.Parameters p = new LiveMigration.Parameters();
        p.maxBandwidth = 1L << 30;
        return p;
    }

    /** The source guest runs on: its console keeps counting passes with no failure. */
    private static void assertSourceKeepsRunning(VirtMachine src, Path dir) throws Exception {
        assertEquals(RunState.RUNNING, src.state());
        int n = passes(dir.resolve("src.txt")).size();
        waitForPasses(dir.resolve("src.txt"), n + 2);
        assertFalse(Files.readString(dir.resolve("src.txt")).contains("FAIL"));
    }

    /** After a failure, the same source migrates successfully and the destination continues its count. */
    private static void assertALaterMigrationWorks(VirtMachine src, Path dir) throws Exception {
        try (Destination d = new Destination(dir, "dst-ok")) {
            LiveMigration mig = new LiveMigration(src, d.uri(), fast(), null);
            mig.run();
            d.thread.join(30_000);
            assertNull(d.error.get());
            assertEquals(LiveMigration.Status.COMPLETED, mig.stats.status);
            assertEquals(RunState.RUNNING, d.machine.state());
            int last = passes(dir.resolve("src.txt")).getLast();
            waitForPasses(dir.resolve("dst-ok.txt"), 2);
            assertEquals(last + 1, passes(dir.resolve("dst-ok.txt")).getFirst());
            assertFalse(Files.readString(dir.resolve("dst-ok.txt")).contains("FAIL"));
        }
    }

    @Test
    void cancelledInSetup(@TempDir Path dir) throws Exception {
        try (VirtMachine src = runningSource(dir); Destination d = new Destination(dir, "dst")) {
            List<LiveMigration.Status> seen = new CopyOnWriteArrayList<>();
            LiveMigration[] mig = {null};
            mig[0] = new LiveMigration(src, d.uri(), fast(), s -> {
                seen.add(s);
                if (s == LiveMigration.Status.SETUP) mig[0].cancel();
            });
            MigrationException e = assertThrows(MigrationException.class, mig[0]::run);
            assertTrue(e.getMessage().contains("cancel"), e.getMessage());
            assertEquals(List.of(LiveMigration.Status.SETUP, LiveMigration.Status.CANCELLING, LiveMigration.Status.CANCELLED), seen);
            d.thread.join(30_000);
            assertNotNull(d.error.get(), "the destination saw the stream end early");
            assertEquals(RunState.INMIGRATE, d.machine.state());
            assertSourceKeepsRunning(src, dir);
            assertALaterMigrationWorks(src, dir);
        }
    }

    @Test
    void cancelledAtTheSwitchover(@TempDir Path dir) throws Exception {
        try (VirtMachine src = runningSource(dir); Destination d = new Destination(dir, "dst")) {
            LiveMigration.Parameters p = fast();
            p.pauseBeforeSwitchover = true;
            LiveMigration mig = new LiveMigration(src, d.uri(), p, null);
            AtomicReference<Throwable> result = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    mig.run();
                } catch (Throwable x) {
                    result.set(x);
                }
            });
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (mig.stats.status != LiveMigration.Status.PRE_SWITCHOVER) {
                assertTrue(System.nanoTime() < deadline, "reached pre-switchover: " + mig.stats.status);
                Thread.sleep(5);
            }
            assertEquals(RunState.FINISH_MIGRATE, src.state(), "the vCPUs are stopped for the switchover");
            int before = passes(dir.resolve("src.txt")).size();
            mig.cancel();
            t.join(30_000);
            assertInstanceOf(MigrationException.class, result.get());
            assertEquals(LiveMigration.Status.CANCELLED, mig.stats.status);
            waitForPasses(dir.resolve("src.txt"), before + 2);
            assertSourceKeepsRunning(src, dir);
            d.thread.join(30_000);
            assertNotNull(d.error.get());
            assertALaterMigrationWorks(src, dir);
        }
    }

    @Test
    void aDestinationThatDiesMidwayFailsTheMigration(@TempDir Path dir) throws Exception {
        try (VirtMachine src = runningSource(dir); ServerSocket dest = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // reads a little of the stream, then goes away as a killed process does
            Thread dying = Thread.ofPlatform().start(() -> {
                try (Socket s = dest.accept(); InputStream in = s.getInputStream()) {
                    in.readNBytes(64 << 10);
                } catch (Exception ignored) {
                    // gone
                }
            });
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.maxBandwidth = 2L << 20; // slow enough that the death comes mid-stream
            LiveMigration mig = new LiveMigration(src, "tcp:127.0.0.1:" + dest.getLocalPort(), p, null);
            MigrationException e = assertThrows(MigrationException.class, mig::run);
            dying.join(10_000);
            assertEquals(LiveMigration.Status.FAILED, mig.stats.status);
            assertNotNull(mig.stats.error);
            assertFalse(e.getMessage().isBlank());
            assertSourceKeepsRunning(src, dir);
            assertALaterMigrationWorks(src, dir);
        }
    }

    @Test
    void aConnectionCutMidwayFailsBothSidesCleanly(@TempDir Path dir) throws Exception {
        try (VirtMachine src = runningSource(dir); Destination d = new Destination(dir, "dst");
             FaultyLink link = FaultyLink.cutting(d.port, 48 << 10)) {
            LiveMigration mig = new LiveMigration(src, link.uri(), fast(), null);
            assertThrows(MigrationException.class, mig::run);
            assertEquals(LiveMigration.Status.FAILED, mig.stats.status);
            d.thread.join(30_000);
            assertNotNull(d.error.get(), "the destination reports the truncated stream");
            assertNotEquals(RunState.RUNNING, d.machine.state(), "a half-loaded destination does not run");
            assertSourceKeepsRunning(src, dir);
            assertALaterMigrationWorks(src, dir);
        }
    }

    @Test
    void aCorruptPageFailsTheDestinationAndTheSourceHearsWhy(@TempDir Path dir) throws Exception {
        try (VirtMachine src = runningSource(dir); Destination d = new Destination(dir, "dst");
             // 8 KiB of 0xff cover at least one page header whatever the layout: flags no reader knows
             FaultyLink link = FaultyLink.corrupting(d.port, 24 << 10, 8 << 10)) {
            LiveMigration mig = new LiveMigration(src, link.uri(), fast(), null);
            MigrationException e = assertThrows(MigrationException.class, mig::run);
            d.thread.join(30_000);
            String destError = d.error.get();
            assertNotNull(destError, "the destination refuses the corrupt stream");
            assertEquals(destError, e.getMessage(), "the return path carries the destination's reason to the source");
            assertEquals(destError, mig.stats.error);
            assertEquals(LiveMigration.Status.FAILED, mig.stats.status);
            assertNotEquals(RunState.RUNNING, d.machine.state());
            assertSourceKeepsRunning(src, dir);
            assertALaterMigrationWorks(src, dir);
        }
    }
}
