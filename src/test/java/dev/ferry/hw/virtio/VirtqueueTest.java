package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;
import static dev.ferry.hw.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.hw.virtio.Driver.Seg;
import dev.ferry.hw.virtio.Driver.Used;
import dev.ferry.memory.RamBlock;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Split-ring behaviour: indirect tables, event index, interrupt and notification suppression, ordering, dirty logging. */
class VirtqueueTest {
    static Driver rng(boolean legacy) {
        return new Driver(new VirtioRng(new Random(3)), legacy);
    }

    @Test
    void indirectAndMixedChains() {
        try (Driver d = rng(false)) {
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            long a = d.alloc(16, 16), b = d.alloc(32, 16);
            int h = q.addIndirect(Seg.in(a, 16), Seg.in(b, 32));
            q.kick();
            assertEquals(List.of(new Used(h, 48)), q.takeUsed());
            // a direct descriptor followed by an indirect table (INDIRECT without NEXT ends the chain)
            long c = d.alloc(8, 8), table = d.alloc(16, 16), e = d.alloc(8, 8);
            Driver.Queue.writeDescAt(d, table, 0, e, 8, DESC_F_WRITE, 0);
            q.writeDesc(3, c, 8, DESC_F_WRITE | DESC_F_NEXT, 4);
            q.writeDesc(4, table, 16, DESC_F_INDIRECT, 0);
            q.publish(3);
            q.kick();
            assertEquals(List.of(new Used(3, 16)), q.takeUsed());
            assertFalse(d.t.isBroken());
        }
    }

    @Test
    void eventIndexSuppressesInterruptsUntilUsedEvent() {
        try (Driver d = rng(false)) {
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            long buf = d.alloc(8, 8);
            q.setUsedEvent(5); // "interrupt me when used idx passes 5"
            q.add(Seg.in(buf, 8));
            q.kick();
            assertTrue(d.irq.get(), "the first completion always interrupts");
            assertEquals(1, q.availEvent(), "device asks for a notification at the next entry");
            d.w(INTERRUPT_ACK, 1);
            for (int i = 0; i < 4; i++) { // used idx 2..5: no interrupt until it passes used_event = 5
                q.add(Seg.in(buf, 8));
                q.kick();
                assertFalse(d.irq.get(), "suppressed at used idx " + (i + 2));
            }
            q.add(Seg.in(buf, 8));
            q.kick();
            assertEquals(6, q.usedIdx());
            assertTrue(d.irq.get(), "used idx moved past used_event");
            assertEquals(6, q.availEvent());
        }
    }

    @Test
    void noInterruptFlagAndNotifyOnEmpty() {
        try (Driver d = rng(true)) {
            d.negotiate(bit(F_RING_INDIRECT_DESC)); // neither EVENT_IDX nor NOTIFY_ON_EMPTY
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            q.setAvailFlags(AVAIL_F_NO_INTERRUPT);
            q.add(Seg.in(d.alloc(8, 8), 8));
            q.kick();
            assertEquals(1, q.usedIdx());
            assertFalse(d.irq.get(), "NO_INTERRUPT honoured");
            q.setAvailFlags(0);
            q.add(Seg.in(d.alloc(8, 8), 8));
            q.kick();
            assertTrue(d.irq.get());
        }
        try (Driver d = rng(true)) {
            d.negotiate(bit(F_NOTIFY_ON_EMPTY));
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            q.setAvailFlags(AVAIL_F_NO_INTERRUPT);
            q.add(Seg.in(d.alloc(8, 8), 8));
            q.kick();
            assertTrue(d.irq.get(), "NOTIFY_ON_EMPTY overrides NO_INTERRUPT once the queue is empty");
        }
    }

    @Test
    void deviceSideNotificationSuppression() {
        try (Driver d = rng(true)) {
            d.negotiate(0);
            Driver.Queue q = d.queue(0, 8);
            Virtqueue vq = d.t.queue(0);
            synchronized (d.t) {
                vq.setNotification(false);
            }
            assertEquals(USED_F_NO_NOTIFY, q.usedFlags());
            synchronized (d.t) {
                vq.setNotification(true);
            }
            assertEquals(0, q.usedFlags());
        }
        try (Driver d = rng(false)) {
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            q.add(Seg.in(d.alloc(8, 8), 8));
            q.add(Seg.in(d.alloc(8, 8), 8));
            synchronized (d.t) {
                d.t.queue(0).setNotification(true);
            }
            assertEquals(2, q.availEvent(), "with EVENT_IDX, enabling points avail_event at the driver's index");
        }
    }

    @Test
    void manyRequestsWrapTheRingIndices() {
        try (Driver d = rng(true)) {
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 4);
            d.driverOk();
            long buf = d.alloc(4, 4);
            for (int i = 0; i < 70000; i += 3) { // past the 16-bit index wrap
                int h1 = q.add(Seg.in(buf, 4));
                int h2 = q.add(Seg.in(buf, 2));
                int h3 = q.add(Seg.in(buf, 1));
                q.kick();
                assertEquals(List.of(new Used(h1, 4), new Used(h2, 2), new Used(h3, 1)), q.takeUsed());
            }
            assertFalse(d.t.isBroken());
        }
    }

    @Test
    void usedRingWritesAreLoggedDirty() {
        try (Driver d = rng(true)) {
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            long buf = d.alloc(64, 4096);
            q.add(Seg.in(buf, 64));
            d.ram.dirtyLog().takeAll();
            q.kick();
            assertTrue(d.ram.dirtyLog().isDirty((q.used - Driver.RAM_BASE) >>> RamBlock.PAGE_SHIFT), "used ring page");
            assertTrue(d.ram.dirtyLog().isDirty((buf - Driver.RAM_BASE) >>> RamBlock.PAGE_SHIFT), "data page");
        }
    }
}
