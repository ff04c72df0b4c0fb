package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;
import static dev.ferry.hw.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.hw.virtio.Driver.Seg;
import dev.ferry.hw.virtio.Driver.Used;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guest-controlled memory is hostile: each malformed chain or ring marks the device broken
 * (DEVICE_NEEDS_RESET, a configuration-change interrupt, one log line), nothing throws, nothing
 * outside the buffers the guest named is written, and a reset brings the device back.
 */
class VirtqueueHostileTest {
    static final long END = Driver.RAM_BASE + Driver.RAM_SIZE;

    record Case(String name, boolean legacy, BiConsumer<Driver, Driver.Queue> setup) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case c(String name, BiConsumer<Driver, Driver.Queue> setup) {
        return new Case(name, false, setup);
    }

    static Stream<Arguments> cases() {
        List<Case> l = new ArrayList<>();
        l.add(c("two-descriptor loop", (d, q) -> {
            long b = d.alloc(8, 8);
            q.writeDesc(0, b, 8, DESC_F_WRITE | DESC_F_NEXT, 1);
            q.writeDesc(1, b, 8, DESC_F_WRITE | DESC_F_NEXT, 0);
            q.publish(0);
        }));
        l.add(c("self loop", (d, q) -> {
            q.writeDesc(0, d.alloc(8, 8), 8, DESC_F_WRITE | DESC_F_NEXT, 0);
            q.publish(0);
        }));
        l.add(c("next beyond the queue", (d, q) -> {
            q.writeDesc(0, d.alloc(8, 8), 8, DESC_F_WRITE | DESC_F_NEXT, 8);
            q.publish(0);
        }));
        l.add(c("head beyond the queue", (d, q) -> q.publish(9)));
        l.add(c("available index jumps past the queue size", (d, q) -> {
            q.writeDesc(0, d.alloc(8, 8), 8, DESC_F_WRITE, 0);
            q.publish(0);
            d.wr(q.avail + 2, 2, 100);
        }));
        l.add(c("buffer outside RAM", (d, q) -> {
            q.writeDesc(0, 0x1000_0000L, 8, DESC_F_WRITE, 0);
            q.publish(0);
        }));
        l.add(c("buffer straddling the end of RAM", (d, q) -> {
            q.writeDesc(0, END - 8, 16, DESC_F_WRITE, 0);
            q.publish(0);
        }));
        l.add(c("length wrapping the address space", (d, q) -> {
            q.writeDesc(0, 0xffff_ffff_ffff_f000L, 0x2000, DESC_F_WRITE, 0);
            q.publish(0);
        }));
        l.add(c("4 GiB length from RAM", (d, q) -> {
            q.writeDesc(0, Driver.RAM_BASE + 0x100000, 0xffff_ffffL, DESC_F_WRITE, 0);
            q.publish(0);
        }));
        l.add(c("zero-length buffer", (d, q) -> {
            q.writeDesc(0, d.alloc(8, 8), 0, DESC_F_WRITE, 0);
            q.publish(0);
        }));
        l.add(c("readable after writable", (d, q) -> {
            long b = d.alloc(8, 8);
            q.writeDesc(0, b, 8, DESC_F_WRITE | DESC_F_NEXT, 1);
            q.writeDesc(1, b, 8, 0, 0);
            q.publish(0);
        }));
        l.add(c("indirect table of length 0", (d, q) -> {
            q.writeDesc(0, d.alloc(16, 16), 0, DESC_F_INDIRECT, 0);
            q.publish(0);
        }));
        l.add(c("indirect table not a whole number of descriptors", (d, q) -> {
            q.writeDesc(0, d.alloc(32, 16), 24, DESC_F_INDIRECT, 0);
            q.publish(0);
        }));
        l.add(c("indirect table outside RAM", (d, q) -> {
            q.writeDesc(0, END - 16, 32, DESC_F_INDIRECT, 0);
            q.publish(0);
        }));
        l.add(c("nested indirect table", (d, q) -> {
            long inner = d.alloc(16, 16), outer = d.alloc(16, 16);
            Driver.Queue.writeDescAt(d, inner, 0, d.alloc(8, 8), 8, DESC_F_WRITE, 0);
            Driver.Queue.writeDescAt(d, outer, 0, inner, 16, DESC_F_INDIRECT, 0);
            q.writeDesc(0, outer, 16, DESC_F_INDIRECT, 0);
            q.publish(0);
        }));
        l.add(c("indirect with NEXT", (d, q) -> {
            long t = d.alloc(16, 16);
            Driver.Queue.writeDescAt(d, t, 0, d.alloc(8, 8), 8, DESC_F_WRITE, 0);
            q.writeDesc(0, t, 16, DESC_F_INDIRECT | DESC_F_NEXT, 1);
            q.writeDesc(1, d.alloc(8, 8), 8, DESC_F_WRITE, 0);
            q.publish(0);
        }));
        l.add(c("loop inside an indirect table", (d, q) -> {
            long t = d.alloc(32, 16), b = d.alloc(8, 8);
            Driver.Queue.writeDescAt(d, t, 0, b, 8, DESC_F_WRITE | DESC_F_NEXT, 1);
            Driver.Queue.writeDescAt(d, t, 1, b, 8, DESC_F_WRITE | DESC_F_NEXT, 0);
            q.writeDesc(0, t, 32, DESC_F_INDIRECT, 0);
            q.publish(0);
        }));
        l.add(c("next beyond an indirect table", (d, q) -> {
            long t = d.alloc(32, 16);
            Driver.Queue.writeDescAt(d, t, 0, d.alloc(8, 8), 8, DESC_F_WRITE | DESC_F_NEXT, 2);
            q.writeDesc(0, t, 32, DESC_F_INDIRECT, 0);
            q.publish(0);
        }));
        l.add(c("chain of more segments than any queue may have", (d, q) -> {
            int n = QUEUE_MAX_SIZE + 100;
            long t = d.alloc(16L * n, 16), b = d.alloc(8, 8);
            for (int i = 0; i < n; i++)
                Driver.Queue.writeDescAt(d, t, i, b, 8, DESC_F_WRITE | (i + 1 < n ? DESC_F_NEXT : 0), i + 1);
            q.writeDesc(0, t, 16L * n, DESC_F_INDIRECT, 0);
            q.publish(0);
        }));
        l.add(c("descriptor table outside RAM", (d, q) -> {
            d.w(QUEUE_READY, 0);
            d.w(QUEUE_DESC_LOW, 0x1000_0000L);
            d.w(QUEUE_DESC_HIGH, 0);
            d.w(QUEUE_READY, 1);
            q.publish(0);
        }));
        l.add(c("used ring outside RAM", (d, q) -> {
            d.w(QUEUE_READY, 0);
            d.w(QUEUE_USED_LOW, END - 4);
            d.w(QUEUE_READY, 1);
            q.add(Seg.in(d.alloc(8, 8), 8));
        }));
        l.add(c("available ring at the top of the address space", (d, q) -> {
            d.w(QUEUE_READY, 0);
            d.w(QUEUE_AVAIL_LOW, 0xffff_fffeL);
            d.w(QUEUE_AVAIL_HIGH, 0xffff_ffffL);
            d.w(QUEUE_READY, 1);
        }));
        l.add(new Case("legacy: ring page beyond RAM", true, (d, q) -> {
            d.w(QUEUE_PFN, (END >>> 12) + 5);
        }));
        l.add(new Case("legacy: loop", true, (d, q) -> {
            q.writeDesc(0, d.alloc(8, 8), 8, DESC_F_WRITE | DESC_F_NEXT, 0);
            q.publish(0);
        }));
        return l.stream().map(Arguments::of);
    }

    static final class Counter extends Handler {
        final List<String> warnings = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) warnings.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileChainBreaksTheDeviceCleanly(Case hc) {
        Logger log = Logger.getLogger(VirtioMmio.class.getName());
        Counter counter = new Counter();
        log.addHandler(counter);
        try (Driver d = new Driver(new VirtioRng(new Random(5)), hc.legacy)) {
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            int gen = d.t.configGeneration();
            hc.setup.accept(d, q);
            byte[] afterSetup = d.get(Driver.RAM_BASE, (int) Driver.RAM_SIZE);
            assertDoesNotThrow(q::kick);
            assertDoesNotThrow(q::kick);

            assertTrue(d.t.isBroken(), "broken");
            assertEquals(STATUS_DEVICE_NEEDS_RESET, d.r(STATUS) & STATUS_DEVICE_NEEDS_RESET);
            assertEquals(ISR_CONFIG_CHANGE, d.r(INTERRUPT_STATUS) & ISR_CONFIG_CHANGE, "configuration change interrupt");
            assertTrue(d.irq.get());
            assertEquals(gen + 1, d.t.configGeneration());
            assertEquals(1, counter.warnings.size(), "one log line: " + counter.warnings);
            assertEquals(0, q.usedIdx(), "nothing was completed");
            byte[] after = d.get(Driver.RAM_BASE, (int) Driver.RAM_SIZE);
            // only the device's own avail_event slot may have changed; no data buffer was written
            int diffs = 0;
            for (int i = 0; i < after.length; i++) if (after[i] != afterSetup[i]) diffs++;
            assertTrue(diffs <= 2, diffs + " bytes of RAM changed");

            // a broken device stays quiet until reset, then works again
            d.w(STATUS, d.r(STATUS) | STATUS_DRIVER_OK); // the driver does not clear NEEDS_RESET
            assertEquals(STATUS_DEVICE_NEEDS_RESET, d.r(STATUS) & STATUS_DEVICE_NEEDS_RESET);
            d.negotiateAll();
            assertFalse(d.t.isBroken());
            assertEquals(0, d.r(STATUS) & STATUS_DEVICE_NEEDS_RESET);
            Driver.Queue q2 = d.queue(0, 8);
            d.driverOk();
            int h = q2.add(Seg.in(d.alloc(8, 8), 8));
            q2.kick();
            assertEquals(List.of(new Used(h, 8)), q2.takeUsed());
        } finally {
            log.removeHandler(counter);
        }
    }
}
