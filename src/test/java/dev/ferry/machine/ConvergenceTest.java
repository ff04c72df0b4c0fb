package dev.ferry.machine;

import static dev.ferry.machine.ColdMigrationTest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Precopy of the demo guest (it rewrites 4 MiB every 30 ms) over links too slow for it to
 * converge by itself: XBZRLE deltas, auto-converge's throttle, and parameters raised while
 * the migration runs. The destination is loaded without starting, so its RAM can be compared
 * with the source's byte for byte, then started to see the guest carry on.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConvergenceTest {
    /** A migration running on its own thread, into a destination that stays paused once loaded. */
    private record Run(LiveMigration mig, Thread thread, Thread incoming, AtomicReference<String> incomingError) {
        /** Waits for both sides; the destination must have loaded the stream. */
        void await() throws InterruptedException {
            thread.join(90_000);
            incoming.join(30_000);
            assertNull(incomingError.get(), "the destination failed");
        }
    }

    private static Run start(VirtMachine src, VirtMachine dst, String uri, LiveMigration.Parameters p) throws Exception {
        dst.start();
        Channels.Listener listener = Channels.listen(uri);
        AtomicReference<String> error = new AtomicReference<>();
        Thread incoming = Thread.ofPlatform().start(() -> {
            try {
                MachineMigration.incoming(dst, listener, false);
            } catch (MigrationException e) {
                error.set(e.getMessage()); // expected after a cancel
            }
        });
        LiveMigration mig = new LiveMigration(src, uri, p, null);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                mig.run();
            } catch (MigrationException e) {
                // in mig.stats
            }
        });
        return new Run(mig, t, incoming, error);
    }

    /** Cancels the migration and waits for it to say so. */
    private static void cancel(Run run) throws InterruptedException {
        run.mig().cancel();
        run.thread().join(10_000);
        assertEquals(LiveMigration.Status.CANCELLED, run.mig().stats.status);
    }

    private static void waitUntil(BooleanSupplier c, long seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    /** The destination holds exactly the source's RAM, then runs on from the source's count with no lost write. */
    private static void assertSameMemoryAndCarriesOn(Path dir, VirtMachine src, VirtMachine dst) throws Exception {
        assertEquals(RunState.POSTMIGRATE, src.state());
        assertEquals(-1L, src.ram.segment().mismatch(dst.ram.segment()), "the destination's RAM differs from the source's");
        int lastOnSource = passes(dir.resolve("src.txt")).getLast();
        dst.resume();
        waitForPasses(dir.resolve("dst.txt"), 3);
        assertEquals(lastOnSource + 1, passes(dir.resolve("dst.txt")).getFirst());
        assertFalse(Files.readString(dir.resolve("dst.txt")).contains("FAIL"), Files.readString(dir.resolve("dst.txt")));
    }

    @Test
    void xbzrleSendsDeltasAndTheDestinationGetsTheSameMemory(@TempDir Path dir) throws Exception {
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            runUntilPasses(src, dir.resolve("src.txt"), 2);
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.xbzrle = true;
            // 4 MiB of dirty pages never fit in 300 ms of it, and a round of deltas (about 200 KiB)
            // takes long enough that the guest (a pass every 30 ms) always dirties its region again
            p.maxBandwidth = 1L << 20;
            Run run = start(src, dst, "unix:" + dir.resolve("x.sock"), p);
            LiveMigration.Stats s = run.mig().stats;
            // the first round sends everything; the second caches what it sends; then deltas
            waitUntil(() -> s.xbzrlePages > 3000, 60, "xbzrle pages (status " + s.status + ")");
            assertEquals(LiveMigration.Status.ACTIVE, s.status, "still iterating: the guest dirties its 4 MiB faster");
            assertTrue(s.xbzrleCacheMiss > 0, "pages missed the cache once: " + s.xbzrleCacheMiss);
            assertTrue(s.xbzrleBytes < s.xbzrlePages * 1024, "deltas are small: " + s.xbzrleBytes + " bytes for " + s.xbzrlePages);
            // the cache can be replaced while the migration runs (an empty one: misses again)
            long misses = s.xbzrleCacheMiss;
            p.xbzrleCacheSize = 1L << 20;
            waitUntil(() -> s.xbzrleCacheMiss > misses + 200, 30, "misses after the resize");
            p.downtimeLimitMs = 20_000; // now it fits: the migration finishes at its next sync
            run.await();
            assertEquals(LiveMigration.Status.COMPLETED, s.status, s.error);
            assertTrue(s.xbzrlePages > 3000);
            assertSameMemoryAndCarriesOn(dir, src, dst);
        }
    }

    @Test
    void aLinkTooSlowKeepsIteratingUntilMaxBandwidthIsRaised(@TempDir Path dir) throws Exception {
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            runUntilPasses(src, dir.resolve("src.txt"), 2);
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.maxBandwidth = 3L << 20;
            Run run = start(src, dst, "unix:" + dir.resolve("bw.sock"), p);
            LiveMigration.Stats s = run.mig().stats;
            waitUntil(() -> s.dirtySyncCount >= 4, 60, "three rounds");
            assertEquals(LiveMigration.Status.ACTIVE, s.status, "no switchover beyond the downtime limit");
            assertTrue(s.remaining >= 1L << 20, "the guest's region is dirty again after each round: " + s.remaining);
            assertTrue(s.expectedDowntimeMillis > p.downtimeLimitMs, "expected downtime " + s.expectedDowntimeMillis);
            long raisedAt = System.nanoTime();
            p.maxBandwidth = 1L << 30;
            run.await();
            assertEquals(LiveMigration.Status.COMPLETED, s.status, s.error);
            assertTrue(System.nanoTime() - raisedAt < 10_000_000_000L, "finished soon after the raise");
            assertSameMemoryAndCarriesOn(dir, src, dst);
        }
    }

    @Test
    void aVerySlowLinkIsHonouredAndCancelledAtOnce(@TempDir Path dir) throws Exception {
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            runUntilPasses(src, dir.resolve("src.txt"), 1);
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.maxBandwidth = 100L << 10; // below one 64 KiB step per 100 ms window
            Run run = start(src, dst, "unix:" + dir.resolve("slow.sock"), p);
            LiveMigration.Stats s = run.mig().stats;
            waitUntil(() -> s.status == LiveMigration.Status.ACTIVE, 30, "active");
            long b0 = s.transferred, t0 = System.nanoTime();
            Thread.sleep(3000);
            double secs = (System.nanoTime() - t0) / 1e9;
            long sent = s.transferred - b0;
            assertTrue(sent <= secs * (100 << 10) + (128 << 10), sent + " bytes in " + secs + " s at 100 KiB/s");
            assertTrue(sent >= (100 << 10), "it does send: " + sent);
            long c0 = System.nanoTime();
            cancel(run);
            assertTrue(System.nanoTime() - c0 < 1_000_000_000L, "the rate limit's wait does not delay a cancel");
            assertEquals(RunState.RUNNING, src.state());
        }
    }

    @Test
    void aCancelEndsTheThrottle(@TempDir Path dir) throws Exception {
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            runUntilPasses(src, dir.resolve("src.txt"), 2);
            double full = CpuThrottleTest.rate(src.harts.getFirst(), 1000);
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.autoConverge = true;
            p.maxBandwidth = 8L << 20;
            p.downtimeLimitMs = 100;
            p.cpuThrottleInitial = 80; // too little to converge (see below: it takes 99)
            Run run = start(src, dst, "unix:" + dir.resolve("cancel.sock"), p);
            LiveMigration.Stats s = run.mig().stats;
            waitUntil(() -> s.cpuThrottlePercentage > 0, 60, "the throttle");
            Thread.sleep(200);
            double throttled = CpuThrottleTest.rate(src.harts.getFirst(), 1000);
            assertEquals(LiveMigration.Status.ACTIVE, s.status);
            cancel(run);
            assertEquals(0, s.cpuThrottlePercentage);
            assertEquals(RunState.RUNNING, src.state());
            Thread.sleep(300);
            double after = CpuThrottleTest.rate(src.harts.getFirst(), 1000);
            // generous bounds: the machine is shared (ideally a fifth, then all of it)
            assertTrue(throttled < full * 0.6, "throttled: " + throttled + " vs " + full);
            assertTrue(after > throttled * 1.5, "full speed again: " + after + " vs " + throttled + " (before: " + full + ")");
        }
    }

    @Test
    void autoConvergeThrottlesTheGuestUntilItConverges(@TempDir Path dir) throws Exception {
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            runUntilPasses(src, dir.resolve("src.txt"), 2);
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.autoConverge = true;
            p.maxBandwidth = 8L << 20; // a round takes 0.5 s; unthrottled, the guest rewrites its region in it every time
            p.downtimeLimitMs = 100;
            p.cpuThrottleInitial = 50;
            p.cpuThrottleIncrement = 25;
            Run run = start(src, dst, "unix:" + dir.resolve("ac.sock"), p);
            LiveMigration.Stats s = run.mig().stats;
            List<Integer> seen = new CopyOnWriteArrayList<>();
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (s.status == LiveMigration.Status.SETUP || MigrationControl.isActive(s.status)) {
                    int pct = s.cpuThrottlePercentage;
                    if (pct > 0 && (seen.isEmpty() || seen.getLast() != pct)) seen.add(pct);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            run.await();
            sampler.join(5000);
            assertEquals(LiveMigration.Status.COMPLETED, s.status, s.error);
            // 50, then 75, then 99 (max-cpu-throttle): nothing less lets it converge
            assertEquals(List.of(50, 75, 99), seen);
            assertEquals(0, s.cpuThrottlePercentage, "the throttle ends with the migration");
            assertSameMemoryAndCarriesOn(dir, src, dst);
            // the destination is not throttled: it counts a pass every 30 ms
            int n = passes(dir.resolve("dst.txt")).size();
            Thread.sleep(1000);
            assertTrue(passes(dir.resolve("dst.txt")).size() - n > 10, "the destination runs at full speed");
        }
    }
}
