package dev.ferry.machine;

import static dev.ferry.machine.LinuxMigrationTest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linux rewriting 96 MiB ({@code ab& 96}) migrated over a link too slow for that, with xbzrle
 * and auto-converge: it finishes, and the destination's a-b loop carries on with no FAIL line.
 */
@Tag("linux")
class LinuxConvergenceTest {
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void xbzrleAndAutoConvergeOverASlowLink(@TempDir Path dir) throws Exception {
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
            p.maxBandwidth = 32L << 20;
            p.xbzrle = true;
            p.autoConverge = true;
            LiveMigration mig = new LiveMigration(src, uri, p, null);
            AtomicInteger maxThrottle = new AtomicInteger();
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (mig.stats.status == LiveMigration.Status.NONE || mig.stats.status == LiveMigration.Status.SETUP
                        || MigrationControl.isActive(mig.stats.status)) {
                    maxThrottle.accumulateAndGet(mig.stats.cpuThrottlePercentage, Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long t0 = System.nanoTime();
            mig.run();
            long secs = (System.nanoTime() - t0) / 1_000_000_000L;
            in.join(60_000);
            sampler.join(5000);
            LiveMigration.Stats s = mig.stats;
            System.out.printf("linux xbzrle+auto-converge: %d s, syncs %d, xbzrle pages %d bytes %d misses %d overflows %d, max throttle %d%%%n",
                    secs, s.dirtySyncCount, s.xbzrlePages, s.xbzrleBytes, s.xbzrleCacheMiss, s.xbzrleOverflow, maxThrottle.get());
            assertEquals(LiveMigration.Status.COMPLETED, s.status, s.error);
            assertTrue(s.xbzrlePages > 0, "pages went as deltas");
            assertEquals(0, s.cpuThrottlePercentage, "the throttle ended with the migration");
            assertEquals(RunState.RUNNING, dst.state());
            int last = abPasses(srcOut).getLast();
            waitForAb(dstOut, 2, 120);
            List<Integer> after = abPasses(dstOut);
            assertTrue(after.getFirst() > last, "the destination's passes continue the source's: " + last + " -> " + after);
            assertFalse(Files.readString(dstOut).contains("FAIL"), Files.readString(dstOut));
            assertFalse(Files.readString(srcOut).contains("FAIL"), Files.readString(srcOut));
        }
    }
}
