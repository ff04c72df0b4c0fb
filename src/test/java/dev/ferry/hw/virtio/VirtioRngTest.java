package dev.ferry.hw.virtio;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.hw.virtio.Driver.Seg;
import dev.ferry.hw.virtio.Driver.Used;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioRngTest {
    @Test
    void returnsEntropy() {
        try (Driver d = new Driver(new VirtioRng(), false)) {
            assertEquals(Virtio.ID_RNG, d.r(VirtioMmio.DEVICE_ID));
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            long a = d.alloc(256, 16), b = d.alloc(256, 16);
            int h1 = q.add(Seg.in(a, 256));
            int h2 = q.add(Seg.in(b, 100), Seg.in(b + 100, 156));
            q.kick();
            assertEquals(List.of(new Used(h1, 256), new Used(h2, 256)), q.takeUsed());
            byte[] x = d.get(a, 256), y = d.get(b, 256);
            int zeros = 0;
            for (byte v : x) if (v == 0) zeros++;
            assertTrue(zeros < 16, "random bytes, not zeroes");
            assertFalse(java.util.Arrays.equals(x, y));
        }
    }

    @Test
    void hugeBuffersAreFilledOnlyPartly() {
        try (Driver d = new Driver(new VirtioRng(), true)) {
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            long a = d.alloc(1 << 20, 16);
            int h = q.add(Seg.in(a, 1 << 20));
            q.kick();
            assertEquals(List.of(new Used(h, VirtioRng.MAX_PER_REQUEST)), q.takeUsed());
        }
    }
}
