package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;
import static dev.ferry.hw.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.hw.virtio.Driver.Seg;
import dev.ferry.hw.virtio.Driver.Used;
import dev.ferry.migration.vmstate.VMStateException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Transport and device state round trips: save mid-run, copy RAM, load into a fresh machine's
 * transport, and the guest's rings carry on there.
 */
class VirtioStateTest {
    static byte[] save(VirtioMmio t) throws VMStateException {
        return t.vmstate().save(t);
    }

    static void load(VirtioMmio t, byte[] b) throws VMStateException {
        t.vmstate().load(t, b, 1);
    }

    @Test
    void rngTransportRoundTripBothInterfaces() throws Exception {
        for (boolean legacy : new boolean[] {true, false}) {
            Driver a = new Driver(new VirtioRng(new Random(9)), legacy);
            a.negotiateAll();
            Driver.Queue qa = a.queue(0, 8);
            a.driverOk();
            long buf = a.alloc(16, 16);
            for (int i = 0; i < 11; i++) { // indices past the ring size
                qa.add(Seg.in(buf, 16));
                qa.kick();
            }
            qa.takeUsed();
            assertTrue(a.irq.get());
            a.w(QUEUE_SEL, 0);
            byte[] state = save(a.t);

            try (Driver b = new Driver(new VirtioRng(new Random(9)), legacy)) {
                a.copyRamTo(b);
                load(b.t, state);
                assertTrue(b.irq.get(), "the interrupt line follows the loaded status");
                assertEquals(a.r(STATUS), b.r(STATUS));
                assertEquals(a.r(INTERRUPT_STATUS), b.r(INTERRUPT_STATUS));
                assertEquals(a.t.guestFeatures(), b.t.guestFeatures());
                if (legacy) assertEquals(a.r(QUEUE_PFN), b.r(QUEUE_PFN));
                else assertEquals(1, b.r(QUEUE_READY));
                b.w(INTERRUPT_ACK, ISR_USED_BUFFER);
                Driver.Queue qb = new Driver.Queue(b, qa);
                int h = qb.add(Seg.in(buf, 16));
                qb.kick();
                assertEquals(List.of(new Used(h, 16)), qb.takeUsed());
                assertEquals(12, qb.usedIdx());
                assertTrue(b.irq.get());
                assertArrayEquals(state, save(a.t), "saving does not disturb the source");
            }
            a.close();
        }
    }

    @Test
    void blkSaveDrainsInFlightRequestsFirst() throws Exception {
        MemDisk disk = new MemDisk(1 << 20, false);
        Driver a = new Driver(new VirtioBlk(disk), false);
        a.negotiateAll();
        Driver.Queue q = a.queue(0, 64);
        a.driverOk();
        a.t.write(CONFIG + 32, 1, 0); // writethrough: device state to carry
        disk.gate = new CountDownLatch(1);
        byte[] hdr = new byte[16];
        long st = a.alloc(1, 1), data = a.alloc(512, 16);
        q.add(Seg.out(a.buffer(hdr), 16), Seg.in(data, 512), Seg.in(st, 1));
        q.kick();
        assertEquals(0, q.usedIdx());
        Thread opener = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            disk.gate.countDown();
        });
        opener.start();
        byte[] state = save(a.t); // pre-save waits for the request
        opener.join();
        assertEquals(1, q.usedIdx());
        try (Driver b = new Driver(new VirtioBlk(disk), false)) {
            a.copyRamTo(b);
            load(b.t, state);
            assertEquals(0, b.t.read(CONFIG + 32, 1), "writeback setting carried");
            assertEquals(1, b.t.queue(0).usedIdx);
            assertEquals(1, b.t.queue(0).lastAvailIdx);
            Driver.Queue qb = new Driver.Queue(b, q);
            qb.takeUsed();
            int h = qb.add(Seg.out(b.buffer(hdr), 16), Seg.in(data, 512), Seg.in(st, 1));
            qb.kick();
            ((VirtioBlk) b.t.device()).drain();
            assertEquals(List.of(new Used(h, 513)), qb.takeUsed());
        }
        a.close();
    }

    @Test
    void consoleRoundTripKeepsThePortOpen() throws Exception {
        VirtioConsoleTest.Guest g = new VirtioConsoleTest.Guest(false, VirtioConsole.DEFAULT_MAX_PORTS, true);
        g.sendControl(0, VirtioConsole.PORT_OPEN, 1);
        byte[] state = save(g.d.t);
        TestChar chr = new TestChar();
        try (Driver b = new Driver(new VirtioConsole(chr), false)) {
            g.d.copyRamTo(b);
            int pokes = chr.acceptInputCalls.get();
            load(b.t, state);
            assertTrue(((VirtioConsole) b.t.device()).guestConnected());
            assertTrue(chr.acceptInputCalls.get() > pokes, "input resumes after loading");
            assertEquals(2, chr.offer("hi"));
            Driver.Queue rx = new Driver.Queue(b, g.rx);
            List<Used> u = rx.takeUsed();
            assertEquals(1, u.size());
            assertEquals("hi", new String(b.get(g.rxBufs.get(u.get(0).id()), 2)));
        }
        g.close();
    }

    @Test
    void loadRejectsAnotherDeviceOrInterface() throws Exception {
        try (Driver blk = new Driver(new VirtioBlk(new MemDisk(4096, false)), true);
             Driver rng = new Driver(new VirtioRng(), true);
             Driver modernRng = new Driver(new VirtioRng(), false)) {
            byte[] s = save(blk.t);
            VMStateException e = assertThrows(VMStateException.class, () -> load(rng.t, s));
            assertTrue(e.getMessage().contains("device_id"), e.getMessage());
            byte[] r = save(rng.t);
            e = assertThrows(VMStateException.class, () -> load(modernRng.t, r));
            assertTrue(e.getMessage().contains("legacy"), e.getMessage());
        }
    }

    @Test
    void loadValidatesAndLeavesTheTargetUnchangedOnFailure() throws Exception {
        try (Driver a = new Driver(new VirtioRng(), false); Driver b = new Driver(new VirtioRng(), false)) {
            a.negotiateAll();
            a.queue(0, 8);
            a.t.queue(0).num = 4096; // not a size a driver can set
            byte[] bad = save(a.t);
            b.negotiateAll();
            b.queue(0, 8);
            byte[] before = save(b.t);
            VMStateException e = assertThrows(VMStateException.class, () -> load(b.t, bad));
            assertTrue(e.getMessage().contains("size 4096"), e.getMessage());
            assertArrayEquals(before, save(b.t), "declared state restored");

            a.t.queue(0).num = 8;
            byte[] ok = save(a.t);
            byte[] features = Arrays.copyOf(ok, ok.length); // claim a feature the device does not offer
            // guest_features follows device_id(4) legacy(1) 3 selectors(12) driver_features(8)
            features[4 + 1 + 12 + 8] = (byte) 0x80;
            e = assertThrows(VMStateException.class, () -> load(b.t, features));
            assertTrue(e.getMessage().contains("not offered"), e.getMessage());
            byte[] truncated = Arrays.copyOf(ok, ok.length - 3);
            assertThrows(VMStateException.class, () -> load(b.t, truncated));
            assertArrayEquals(before, save(b.t));
        }
    }

    @Test
    void jsonDescription() throws Exception {
        try (Driver d = new Driver(new VirtioBlk(new MemDisk(4096, false)), true)) {
            String json = d.t.vmstate().describe("virtio-mmio@10008000", 0, d.t);
            for (String s : List.of("\"vmsd_name\": \"virtio-mmio\"", "\"vq\"", "\"last_avail_idx\"", "\"virtio-blk\"", "\"wce\""))
                assertTrue(json.contains(s), s + " in " + json);
        }
    }

    @Test
    void emptySlotHasAState() throws Exception {
        VirtioMmio e = VirtioMmio.empty(true);
        byte[] s = e.vmstate().save(e);
        e.vmstate().load(VirtioMmio.empty(true), s, 1);
    }
}
