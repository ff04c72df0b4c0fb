package dev.ferry.machine;

import static dev.ferry.machine.ColdMigrationTest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.cpu.Hart;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The vCPU throttle on its own: the demo guest never idles (it polls the timer), so its instruction rate shows it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CpuThrottleTest {
    /** Guest instructions per second over {@code millis}. */
    static double rate(Hart h, long millis) throws InterruptedException {
        long i0 = h.instructionsRetired(), t0 = System.nanoTime();
        Thread.sleep(millis);
        return (h.instructionsRetired() - i0) / ((System.nanoTime() - t0) / 1e9);
    }

    @Test
    void aThrottledHartRunsItsShareAndFullSpeedOnceItEnds(@TempDir Path dir) throws Exception {
        try (VirtMachine m = demoMachine(dir, "g")) {
            m.start();
            m.resume();
            waitForPasses(dir.resolve("g.txt"), 2);
            Hart h = m.harts.getFirst();
            rate(h, 1500); // the interpreter warms up: rates from here on compare
            double full = rate(h, 1000);
            CpuThrottle t = new CpuThrottle(m.harts);
            t.set(80); // runs 10 ms in 50: a fifth of the time
            assertTrue(t.active());
            assertEquals(80, t.percentage());
            Thread.sleep(200);
            double throttled = rate(h, 1500);
            t.stop();
            assertFalse(t.active());
            double after = rate(h, 1000);
            System.out.printf("cpu throttle 80%%: %.0f, %.0f, then %.0f instructions/s%n", full, throttled, after);
            // a fifth ideally; generous bounds, as the machine is shared
            assertTrue(throttled < Math.max(full, after) * 0.45, "throttled " + throttled + " vs " + full + " and " + after);
            assertTrue(after > throttled * 2, "after " + after + " vs throttled " + throttled);
            // still a working guest
            int n = passes(dir.resolve("g.txt")).size();
            waitForPasses(dir.resolve("g.txt"), n + 3);
        }
    }
}
