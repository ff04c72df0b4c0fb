package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;
import static dev.ferry.hw.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.hw.virtio.Driver.Seg;
import dev.ferry.hw.virtio.Driver.Used;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Transport registers, feature negotiation, reset, queue setup and one request, on both interfaces. */
class VirtioMmioTest {
    static Driver rng(boolean legacy) {
        return new Driver(new VirtioRng(new Random(1)), legacy);
    }

    @Test
    void legacyIdentity() {
        try (Driver d = rng(true)) {
            assertEquals(0x74726976, d.r(MAGIC_VALUE));
            assertEquals(1, d.r(VERSION));
            assertEquals(4, d.r(DEVICE_ID));
            assertEquals(0x554d4551, d.r(VENDOR_ID));
            assertEquals(0x74726976L | 1L << 32, d.t.read(0, 8), "64-bit access is two 32-bit ones");
            assertEquals(0, d.t.read(MAGIC_VALUE, 2), "narrow register reads are zero");
            assertEquals(0, d.t.read(MAGIC_VALUE, 1));
            // legacy offers the ring bits QEMU offers, low word only
            d.w(DEVICE_FEATURES_SEL, 0);
            assertEquals((int) COMMON_FEATURES, d.r(DEVICE_FEATURES));
            d.w(DEVICE_FEATURES_SEL, 1);
            assertEquals(0, d.r(DEVICE_FEATURES));
            // modern registers read as zero in legacy mode
            assertEquals(0, d.r(QUEUE_READY));
            assertEquals(0, d.r(CONFIG_GENERATION));
            assertEquals(-1, d.r(SHM_LEN_LOW));
            assertEquals(0, d.t.read(0x300, 4), "beyond the register window");
        }
    }

    @Test
    void modernIdentityAndFeatures() {
        try (Driver d = rng(false)) {
            assertEquals(2, d.r(VERSION));
            long f = d.hostFeatures();
            assertEquals(bit(F_RING_INDIRECT_DESC) | bit(F_RING_EVENT_IDX) | bit(F_VERSION_1), f,
                    "modern hides NOTIFY_ON_EMPTY and ANY_LAYOUT, adds VERSION_1");
            d.w(DEVICE_FEATURES_SEL, 5); // QEMU: any non-zero selector is 1
            assertEquals(1, d.r(DEVICE_FEATURES));
            int st = d.negotiate(f);
            assertEquals(STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK, st);
            assertEquals(f, d.t.guestFeatures());
        }
    }

    @Test
    void modernRefusesFeaturesNotOffered() {
        try (Driver d = rng(false)) {
            int st = d.negotiate(bit(F_VERSION_1) | bit(F_NOTIFY_ON_EMPTY));
            assertEquals(0, st & STATUS_FEATURES_OK, "FEATURES_OK stays clear");
            assertEquals(0, d.t.guestFeatures());
            st = d.negotiate(bit(F_VERSION_1) | bit(F_RING_EVENT_IDX)); // a subset is fine
            assertNotEquals(0, st & STATUS_FEATURES_OK);
            assertEquals(bit(F_VERSION_1) | bit(F_RING_EVENT_IDX), d.t.guestFeatures());
            // after FEATURES_OK the accepted set no longer changes
            d.w(DRIVER_FEATURES_SEL, 0);
            d.w(DRIVER_FEATURES, 0);
            d.w(STATUS, st | STATUS_DRIVER_OK);
            assertEquals(bit(F_VERSION_1) | bit(F_RING_EVENT_IDX), d.t.guestFeatures());
        }
    }

    @Test
    void legacyFeaturesApplyAtOnceMaskedToTheOffer() {
        try (Driver d = rng(true)) {
            d.w(STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
            d.w(DRIVER_FEATURES, 0xffffffffL);
            assertEquals(COMMON_FEATURES, d.t.guestFeatures());
            d.w(DRIVER_FEATURES_SEL, 1);
            d.w(DRIVER_FEATURES, 0); // ignored: legacy has only the low word
            assertEquals(COMMON_FEATURES, d.t.guestFeatures());
        }
    }

    @Test
    void legacyQueueSetupComputesTheRingLayout() {
        try (Driver d = rng(true)) {
            d.w(GUEST_PAGE_SIZE, 4096);
            d.w(QUEUE_SEL, 0);
            assertEquals(QUEUE_MAX_SIZE, d.r(QUEUE_NUM_MAX));
            d.w(QUEUE_NUM, 16);
            d.w(QUEUE_ALIGN, 4096);
            d.w(QUEUE_PFN, 0x80010);
            assertEquals(0x80010, d.r(QUEUE_PFN));
            Virtqueue q = d.t.queue(0);
            assertEquals(0x8001_0000L, q.desc);
            assertEquals(0x8001_0000L + 16 * 16, q.avail);
            assertEquals(0x8001_1000L, q.used);
            d.w(QUEUE_ALIGN, 64);
            assertEquals((0x8001_0000L + 256 + 6 + 32 + 63) & -64L, q.used);
            d.w(QUEUE_ALIGN, 48); // not a power of two: ignored
            assertEquals(64, q.align);
            d.w(QUEUE_NUM, 4096); // beyond QueueNumMax: ignored
            assertEquals(16, q.num);
            d.w(QUEUE_SEL, 1); // rng has one queue
            assertEquals(0, d.r(QUEUE_NUM_MAX));
            d.w(QUEUE_PFN, 0x80020); // nothing happens for a queue that does not exist
            assertEquals(0, d.r(QUEUE_PFN));
            d.w(QUEUE_SEL, 5000); // ignored: above VIRTIO_QUEUE_MAX
            assertEquals(0, d.r(QUEUE_NUM_MAX));
            d.w(QUEUE_SEL, 0);
            d.w(QUEUE_PFN, 0); // legacy: resets the device
            assertEquals(0, q.desc);
            assertEquals(VirtioRng.QUEUE_SIZE, q.num);
        }
    }

    @Test
    void modernQueueSetup() {
        try (Driver d = rng(false)) {
            d.negotiateAll();
            d.w(QUEUE_SEL, 0);
            d.w(QUEUE_NUM, 8);
            d.w(QUEUE_DESC_LOW, 0x8002_0000L);
            d.w(QUEUE_DESC_HIGH, 0);
            d.w(QUEUE_AVAIL_LOW, 0x8002_1000L);
            d.w(QUEUE_USED_LOW, 0x8002_2000L);
            d.w(QUEUE_USED_HIGH, 0);
            assertEquals(0, d.r(QUEUE_READY));
            d.w(QUEUE_READY, 1);
            assertEquals(1, d.r(QUEUE_READY));
            Virtqueue q = d.t.queue(0);
            assertTrue(q.usable());
            assertEquals(0x8002_2000L, q.used);
            d.w(QUEUE_USED_LOW, 0x8003_0000L); // ignored while ready
            assertEquals(0x8002_2000L, q.used);
            // legacy registers do nothing in modern mode
            d.w(QUEUE_PFN, 0x1234);
            assertEquals(0x8002_0000L, q.desc);
            assertEquals(0, d.r(QUEUE_PFN));
            d.w(STATUS, 0);
            assertEquals(0, d.r(QUEUE_READY), "reset clears QueueReady");
            assertFalse(q.usable());
        }
    }

    @Test
    void rngRequestFillsTheBufferAndInterrupts() {
        for (boolean legacy : new boolean[] {true, false}) {
            try (Driver d = rng(legacy)) {
                d.negotiateAll();
                Driver.Queue q = d.queue(0, 8);
                d.driverOk();
                long buf = d.alloc(64, 16);
                int head = q.add(Seg.in(buf, 64));
                assertFalse(d.irq.get());
                q.kick();
                assertEquals(List.of(new Used(head, 64)), q.takeUsed());
                assertTrue(d.irq.get(), "used-buffer interrupt");
                assertEquals(ISR_USED_BUFFER, d.r(INTERRUPT_STATUS));
                d.w(INTERRUPT_ACK, ISR_USED_BUFFER);
                assertFalse(d.irq.get());
                assertEquals(0, d.r(INTERRUPT_STATUS));
                byte[] expect = new byte[64];
                new Random(1).nextBytes(expect);
                assertArrayEquals(expect, d.get(buf, 64));
            }
        }
    }

    @Test
    void resetClearsEverything() {
        try (Driver d = rng(true)) {
            d.negotiateAll();
            Driver.Queue q = d.queue(0, 8);
            d.driverOk();
            q.add(Seg.in(d.alloc(8, 8), 8));
            q.kick();
            assertTrue(d.irq.get());
            d.w(STATUS, 0);
            assertEquals(0, d.r(STATUS));
            assertEquals(0, d.r(INTERRUPT_STATUS));
            assertFalse(d.irq.get(), "reset lowers the line");
            assertEquals(0, d.t.guestFeatures());
            assertEquals(0, d.r(QUEUE_PFN));
            assertEquals(0, d.t.queue(0).lastAvailIdx);
            // the machine reset also forgets the page size
            d.w(GUEST_PAGE_SIZE, 4096);
            d.t.reset();
            d.w(QUEUE_PFN, 0x80010);
            assertEquals(0x80010L, d.t.queue(0).desc, "page shift 0 after a machine reset");
        }
    }

    @Test
    void emptySlotAnswersOnlyIdentity() {
        VirtioMmio e = VirtioMmio.empty(true);
        assertEquals(0x74726976L, e.read(MAGIC_VALUE, 4));
        assertEquals(1, e.read(VERSION, 4));
        assertEquals(0, e.read(DEVICE_ID, 4));
        assertEquals(0x554d4551L, e.read(VENDOR_ID, 4));
        e.write(STATUS, 4, 0xf);
        assertEquals(0, e.read(STATUS, 4));
        assertEquals(2, VirtioMmio.empty(false).read(VERSION, 4));
    }

    @Test
    void configSpaceAccessWidths() {
        MemDisk disk = new MemDisk(1 << 20, false);
        try (Driver d = new Driver(new VirtioBlk(disk), true)) {
            assertEquals(2048, d.t.read(CONFIG, 4), "capacity in sectors");
            assertEquals(2048, d.t.read(CONFIG, 8));
            assertEquals(0, d.t.read(CONFIG + 2, 2));
            assertEquals(254, d.t.read(CONFIG + 12, 4), "seg_max = queue size - 2");
            assertEquals(512, d.t.read(CONFIG + 20, 2), "blk_size");
            assertEquals(1, d.t.read(CONFIG + 56, 1), "write_zeroes_may_unmap");
            assertEquals(0xff, d.t.read(CONFIG + 57, 1), "past the config: all ones");
            assertEquals(0xffffffffL, d.t.read(CONFIG + 56, 4), "straddling the end: all ones");
        }
    }

    @Test
    void neverThrowsOnAnyRegisterAccess() {
        for (boolean legacy : new boolean[] {true, false}) {
            try (Driver d = new Driver(new VirtioConsole(new dev.ferry.chardev.NullBackend()), legacy)) {
                Random r = new Random(7);
                for (int i = 0; i < 20000; i++) {
                    int off = r.nextInt(0x220) & ~0;
                    int size = 1 << r.nextInt(4);
                    if (r.nextBoolean()) d.t.read(off, size);
                    else d.t.write(off, size, r.nextLong());
                }
            }
        }
    }
}
