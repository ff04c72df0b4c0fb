package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;
import static dev.ferry.hw.virtio.VirtioBlk.*;
import static dev.ferry.hw.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.hw.virtio.Driver.Seg;
import dev.ferry.hw.virtio.Driver.Used;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** virtio-blk requests driven through the rings, as Linux's virtio_blk lays them out. */
class VirtioBlkTest {
    static final int DISK = 1 << 20;

    final MemDisk disk = new MemDisk(DISK, false);

    /** A set-up blk device: driver, queue 0, DRIVER_OK. */
    static final class Blk implements AutoCloseable {
        final Driver d;
        final VirtioBlk blk;
        final Driver.Queue q;

        Blk(MemDisk disk, VirtioBlk.Options o, boolean legacy) {
            blk = new VirtioBlk(disk, o);
            d = new Driver(blk, legacy);
            d.negotiateAll();
            q = d.queue(0, 128);
            d.driverOk();
        }

        Blk(MemDisk disk) {
            this(disk, VirtioBlk.Options.defaults(), false);
        }

        long header(int type, long sector) {
            byte[] h = new byte[16];
            GuestMemory.putLe32(h, 0, type);
            GuestMemory.putLe64(h, 8, sector);
            return d.buffer(h);
        }

        /** Submits a chain, waits for the worker, returns the status byte and checks the used length. */
        int run(long statusAddr, Seg... segs) {
            int h = q.add(segs);
            q.kick();
            blk.drain();
            List<Used> u = q.takeUsed();
            assertEquals(1, u.size());
            assertEquals(h, u.get(0).id());
            long in = 0;
            for (Seg s : segs) if (s.write()) in += s.len();
            assertEquals(in, u.get(0).len() & 0xffffffffL, "used length is every writable byte");
            return d.get(statusAddr, 1)[0] & 0xff;
        }

        int simple(int type, long sector, long data, int dataLen, boolean dataIn) {
            long st = d.alloc(1, 1);
            d.put(st, new byte[] {(byte) 0xee});
            Seg hdr = Seg.out(header(type, sector), 16);
            Seg status = Seg.in(st, 1);
            if (dataLen == 0) return run(st, hdr, status);
            return run(st, hdr, new Seg(data, dataLen, dataIn), status);
        }

        @Override
        public void close() {
            d.close();
        }
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void writeThenReadBack() {
        for (boolean legacy : new boolean[] {true, false}) {
            MemDisk disk = new MemDisk(DISK, false);
            try (Blk b = new Blk(disk, VirtioBlk.Options.defaults(), legacy)) {
                byte[] data = pattern(4096, 1);
                long buf = b.d.buffer(data);
                assertEquals(S_OK, b.simple(T_OUT, 8, buf, 4096, false));
                assertArrayEquals(data, Arrays.copyOfRange(disk.data, 8 * 512, 8 * 512 + 4096));
                long rbuf = b.d.alloc(4096, 16);
                assertEquals(S_OK, b.simple(T_IN, 8, rbuf, 4096, true));
                assertArrayEquals(data, b.d.get(rbuf, 4096));
                assertTrue(b.d.irq.get());
            }
        }
    }

    @Test
    void scatterGatherAcrossSegmentsAndIndirect() {
        try (Blk b = new Blk(disk)) {
            byte[] data = pattern(1536, 2);
            // header and data in one segment (any layout), data split unevenly
            byte[] hdrAndFirst = new byte[16 + 100];
            GuestMemory.putLe32(hdrAndFirst, 0, T_OUT);
            GuestMemory.putLe64(hdrAndFirst, 8, 3);
            System.arraycopy(data, 0, hdrAndFirst, 16, 100);
            long a = b.d.buffer(hdrAndFirst);
            long rest = b.d.buffer(Arrays.copyOfRange(data, 100, 1536));
            long st = b.d.alloc(1, 1);
            assertEquals(S_OK, b.run(st, Seg.out(a, 116), Seg.out(rest, 1436), Seg.in(st, 1)));
            assertArrayEquals(data, Arrays.copyOfRange(disk.data, 3 * 512, 3 * 512 + 1536));
            // read back through an indirect table, the status byte sharing the last segment
            long r1 = b.d.alloc(512, 16), r2 = b.d.alloc(1025, 16);
            int h = b.q.addIndirect(Seg.out(b.header(T_IN, 3), 16), Seg.in(r1, 512), Seg.in(r2, 1025));
            b.q.kick();
            b.blk.drain();
            assertEquals(List.of(new Used(h, 1537)), b.q.takeUsed());
            assertArrayEquals(Arrays.copyOfRange(data, 0, 512), b.d.get(r1, 512));
            assertArrayEquals(Arrays.copyOfRange(data, 512, 1536), b.d.get(r2, 1024));
            assertEquals(S_OK, b.d.get(r2 + 1024, 1)[0]);
        }
    }

    @Test
    void flushGetIdAndUnsupported() {
        try (Blk b = new Blk(disk, VirtioBlk.Options.defaults().withSerial("ferry-disk-0"), false)) {
            assertEquals(S_OK, b.simple(T_FLUSH, 0, 0, 0, false));
            assertEquals(1, disk.flushes.get());
            long id = b.d.alloc(20, 4);
            assertEquals(S_OK, b.simple(T_GET_ID, 0, id, 20, true));
            assertEquals("ferry-disk-0\0", new String(b.d.get(id, 13), StandardCharsets.US_ASCII));
            assertEquals(S_UNSUPP, b.simple(T_SCSI_CMD, 0, 0, 0, false));
            assertEquals(S_UNSUPP, b.simple(99, 0, 0, 0, false));
        }
        try (Blk b = new Blk(new MemDisk(DISK, false), VirtioBlk.Options.defaults().withSerial("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), true)) {
            long id = b.d.alloc(20, 4);
            assertEquals(S_OK, b.simple(T_GET_ID, 0, id, 20, true));
            assertEquals("ABCDEFGHIJKLMNOPQRST", new String(b.d.get(id, 20), StandardCharsets.US_ASCII), "20 bytes, no NUL");
        }
    }

    static long segment(Blk b, long sector, int count, int flags) {
        byte[] s = new byte[16];
        GuestMemory.putLe64(s, 0, sector);
        GuestMemory.putLe32(s, 8, count);
        GuestMemory.putLe32(s, 12, flags);
        return b.d.buffer(s);
    }

    int dwz(Blk b, int type, long sector, int count, int flags) {
        long st = b.d.alloc(1, 1);
        return b.run(st, Seg.out(b.header(type, 0), 16), Seg.out(segment(b, sector, count, flags), 16), Seg.in(st, 1));
    }

    @Test
    void discardAndWriteZeroes() {
        Arrays.fill(disk.data, (byte) 0x5a);
        try (Blk b = new Blk(disk)) {
            assertEquals(S_OK, dwz(b, T_WRITE_ZEROES, 4, 2, 0));
            assertEquals(0, disk.data[4 * 512]);
            assertEquals(0, disk.data[6 * 512 - 1]);
            assertEquals(0x5a, disk.data[6 * 512]);
            assertEquals(S_OK, dwz(b, T_WRITE_ZEROES, 10, 1, WRITE_ZEROES_FLAG_UNMAP));
            assertEquals(S_OK, dwz(b, T_DISCARD, 20, 8, 0));
            assertEquals(1, disk.discards.get());
            assertEquals(S_UNSUPP, dwz(b, T_DISCARD, 20, 8, WRITE_ZEROES_FLAG_UNMAP), "discard with UNMAP");
            assertEquals(S_UNSUPP, dwz(b, T_WRITE_ZEROES, 20, 8, 4), "unknown flag");
            assertEquals(S_IOERR, dwz(b, T_DISCARD, 2040, 16, 0), "past the end");
            // two segments in one request: QEMU supports one
            long st = b.d.alloc(1, 1);
            assertEquals(S_UNSUPP, b.run(st, Seg.out(b.header(T_DISCARD, 0), 16), Seg.out(segment(b, 1, 1, 0), 16),
                    Seg.out(segment(b, 2, 1, 0), 16), Seg.in(st, 1)));
            // DISCARD's type without the OUT bit
            assertEquals(S_UNSUPP, b.run(st, Seg.out(b.header(T_DISCARD & ~T_OUT, 0), 16), Seg.out(segment(b, 1, 1, 0), 16),
                    Seg.in(st, 1)));
        }
    }

    @Test
    void rangeAndAlignmentErrors() {
        try (Blk b = new Blk(disk)) {
            long buf = b.d.alloc(4096, 16);
            assertEquals(S_IOERR, b.simple(T_IN, 2047, buf, 1024, true), "past the end");
            assertEquals(S_IOERR, b.simple(T_IN, -1L, buf, 512, true), "sector wraps");
            assertEquals(S_IOERR, b.simple(T_IN, 0, buf, 100, true), "not whole sectors");
            assertEquals(S_OK, b.simple(T_IN, 2047, buf, 512, true), "the last sector");
            disk.failing = true;
            assertEquals(S_IOERR, b.simple(T_IN, 0, buf, 512, true), "backend failure");
            assertEquals(S_IOERR, b.simple(T_FLUSH, 0, 0, 0, false));
            disk.failing = false;
        }
        MemDisk big = new MemDisk(DISK, false);
        try (Blk b = new Blk(big, new VirtioBlk.Options(null, 4096, 256, true, true, true, REQUEST_MAX_SECTORS,
                REQUEST_MAX_SECTORS), false)) {
            assertEquals(4096, b.d.t.read(CONFIG + 20, 4));
            long buf = b.d.alloc(4096, 16);
            assertEquals(S_IOERR, b.simple(T_IN, 1, buf, 4096, true), "sector not aligned to the logical block");
            assertEquals(S_IOERR, b.simple(T_IN, 0, buf, 512, true), "not a whole logical block");
            assertEquals(S_OK, b.simple(T_IN, 8, buf, 4096, true));
        }
    }

    @Test
    void readOnlyDrive() {
        MemDisk ro = new MemDisk(DISK, true);
        ro.data[0] = 42;
        try (Blk b = new Blk(ro)) {
            assertNotEquals(0, b.d.t.hostFeatures() & bit(F_RO));
            long buf = b.d.buffer(new byte[512]);
            assertEquals(S_IOERR, b.simple(T_OUT, 0, buf, 512, false));
            assertEquals(S_IOERR, dwz(b, T_WRITE_ZEROES, 0, 1, 0));
            assertEquals(S_IOERR, dwz(b, T_DISCARD, 0, 1, 0));
            assertEquals(S_OK, b.simple(T_FLUSH, 0, 0, 0, false));
            assertEquals(S_OK, b.simple(T_IN, 0, buf, 512, true));
            assertEquals(42, b.d.get(buf, 1)[0]);
            assertEquals(42, ro.data[0]);
        }
    }

    @Test
    void featuresAndConfigAsQemu() {
        try (Driver d = new Driver(new VirtioBlk(disk), true)) {
            long f = d.hostFeatures();
            long expect = bit(F_SEG_MAX) | bit(F_GEOMETRY) | bit(F_BLK_SIZE) | bit(F_SCSI) | bit(F_FLUSH) | bit(F_TOPOLOGY)
                    | bit(F_CONFIG_WCE) | bit(F_DISCARD) | bit(F_WRITE_ZEROES) | bit(F_NOTIFY_ON_EMPTY)
                    | bit(F_RING_INDIRECT_DESC) | bit(F_RING_EVENT_IDX);
            assertEquals(expect, f, "legacy: SCSI on, ANY_LAYOUT off");
            assertEquals(2, d.t.read(CONFIG + 16, 2), "cylinders: 2048 sectors / (16 * 63), at least 2");
        }
        try (Driver d = new Driver(new VirtioBlk(disk), false)) {
            long f = d.hostFeatures();
            long expect = bit(F_SEG_MAX) | bit(F_GEOMETRY) | bit(F_BLK_SIZE) | bit(F_FLUSH) | bit(F_TOPOLOGY)
                    | bit(F_CONFIG_WCE) | bit(F_DISCARD) | bit(F_WRITE_ZEROES) | bit(F_RING_INDIRECT_DESC)
                    | bit(F_RING_EVENT_IDX) | bit(F_VERSION_1);
            assertEquals(expect, f);
            assertEquals(0, d.t.read(CONFIG + 8, 4), "size_max");
            assertEquals(16, d.t.read(CONFIG + 18, 1), "heads");
            assertEquals(63, d.t.read(CONFIG + 19, 1), "sectors");
            assertEquals(1, d.t.read(CONFIG + 32, 1), "writeback");
            assertEquals(1, d.t.read(CONFIG + 34, 2), "num_queues");
            assertEquals(REQUEST_MAX_SECTORS, d.t.read(CONFIG + 36, 4), "max_discard_sectors");
            assertEquals(1, d.t.read(CONFIG + 40, 4), "max_discard_seg");
            assertEquals(1, d.t.read(CONFIG + 44, 4), "discard_sector_alignment");
            assertEquals(REQUEST_MAX_SECTORS, d.t.read(CONFIG + 48, 4), "max_write_zeroes_sectors");
            assertEquals(1, d.t.read(CONFIG + 52, 4), "max_write_zeroes_seg");
        }
    }

    @Test
    void geometryFromTheMbr() {
        MemDisk mbr = new MemDisk(8 << 20, false);
        mbr.data[510] = 0x55;
        mbr.data[511] = (byte) 0xaa;
        int p = 0x1be;
        mbr.data[p + 5] = 7; // end head: 8 heads
        mbr.data[p + 6] = 32; // end sector: 32 sectors
        GuestMemory.putLe32(mbr.data, p + 12, 1000);
        int[] g = VirtioBlk.guessGeometry(mbr);
        assertArrayEquals(new int[] {16384 / (8 * 32), 8, 32}, g);
        assertArrayEquals(new int[] {16, 16, 63}, VirtioBlk.guessGeometry(new MemDisk(8 << 20, false)));
        assertArrayEquals(new int[] {2, 16, 63}, VirtioBlk.guessGeometry(new MemDisk(4096, false)));
    }

    @Test
    void writeCacheSwitchedOffFlushesEveryWrite() {
        try (Blk b = new Blk(disk)) {
            b.d.t.write(CONFIG + 32, 1, 0);
            assertEquals(0, b.d.t.read(CONFIG + 32, 1));
            assertFalse(b.blk.writeCacheEnabled());
            long buf = b.d.buffer(new byte[512]);
            assertEquals(S_OK, b.simple(T_OUT, 0, buf, 512, false));
            assertEquals(1, disk.flushes.get(), "writethrough");
            b.d.w(STATUS, 0); // reset restores the drive's setting
            assertTrue(b.blk.writeCacheEnabled());
        }
    }

    @Test
    void slowDiskDoesNotStallTheNotifyingThread() throws Exception {
        try (Blk b = new Blk(disk)) {
            disk.gate = new CountDownLatch(1);
            long buf = b.d.alloc(512, 16), st = b.d.alloc(1, 1);
            b.q.add(Seg.out(b.header(T_IN, 0), 16), Seg.in(buf, 512), Seg.in(st, 1));
            long t0 = System.nanoTime();
            b.q.kick(); // returns although the disk is blocked
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
            assertEquals(0, b.q.usedIdx());
            assertEquals(1, b.blk.inflight());
            Thread opener = new Thread(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                disk.gate.countDown();
            });
            opener.start();
            b.blk.drain(); // waits for the request to finish
            assertEquals(0, b.blk.inflight());
            assertEquals(1, b.q.usedIdx());
            opener.join();
        }
    }

    @Test
    void completionsFollowSubmissionOrder() {
        try (Blk b = new Blk(disk)) {
            int[] heads = new int[20];
            long[] st = new long[20];
            for (int i = 0; i < 20; i++) {
                st[i] = b.d.alloc(1, 1);
                heads[i] = b.q.add(Seg.out(b.header(i % 2 == 0 ? T_FLUSH : T_IN, 0), 16),
                        Seg.in(b.d.alloc(512, 16), 512), Seg.in(st[i], 1));
            }
            b.q.kick();
            b.blk.drain();
            List<Used> u = b.q.takeUsed();
            assertEquals(20, u.size());
            for (int i = 0; i < 20; i++) assertEquals(heads[i], u.get(i).id());
        }
    }

    @Test
    void malformedRequestsBreakTheDevice() {
        try (Blk b = new Blk(disk)) {
            long st = b.d.alloc(1, 1);
            b.q.add(Seg.out(b.d.alloc(8, 8), 8), Seg.in(st, 1)); // header too short
            b.q.kick();
            b.blk.drain();
            assertTrue(b.d.t.isBroken());
            assertEquals(STATUS_DEVICE_NEEDS_RESET, b.d.r(STATUS) & STATUS_DEVICE_NEEDS_RESET);
            assertEquals(0, b.q.usedIdx());
        }
        try (Blk b = new Blk(new MemDisk(DISK, false))) {
            b.q.add(Seg.out(b.header(T_IN, 0), 16)); // no status byte
            b.q.kick();
            b.blk.drain();
            assertTrue(b.d.t.isBroken());
        }
    }

    @Test
    void resetWithRequestsInFlightDropsTheirCompletions() throws Exception {
        try (Blk b = new Blk(disk)) {
            disk.gate = new CountDownLatch(1);
            b.q.add(Seg.out(b.header(T_IN, 0), 16), Seg.in(b.d.alloc(512, 16), 512), Seg.in(b.d.alloc(1, 1), 1));
            b.q.kick();
            Thread opener = new Thread(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                disk.gate.countDown();
            });
            opener.start();
            b.d.w(STATUS, 0); // waits for the request (as QEMU drains), then resets
            assertEquals(0, b.blk.inflight());
            assertEquals(0, b.d.r(STATUS));
            assertEquals(0, b.d.r(INTERRUPT_STATUS));
            opener.join();
        }
    }

    @Test
    void randomReadsAndWritesMatchAModel() {
        byte[] model = new byte[DISK];
        Random r = new Random(11);
        try (Blk b = new Blk(disk, VirtioBlk.Options.defaults(), true)) {
            long[] bufs = new long[16];
            for (int i = 0; i < bufs.length; i++) bufs[i] = b.d.alloc(8192, 16);
            long st = b.d.alloc(16, 16);
            for (int round = 0; round < 40; round++) {
                // a batch of requests on disjoint sectors, kicked together, completed by the worker
                int n = 1 + r.nextInt(8);
                int[] sectors = new int[n], lens = new int[n];
                boolean[] writes = new boolean[n];
                for (int k = 0; k < n; k++) {
                    sectors[k] = 128 * (k * 2) + r.nextInt(64) + round % 3;
                    lens[k] = 512 * (1 + r.nextInt(16));
                    writes[k] = r.nextBoolean();
                    if (writes[k]) {
                        byte[] data = pattern(lens[k], r.nextInt());
                        b.d.put(bufs[k], data);
                        System.arraycopy(data, 0, model, sectors[k] * 512, lens[k]);
                        b.q.add(Seg.out(b.header(T_OUT, sectors[k]), 16), Seg.out(bufs[k], lens[k]), Seg.in(st + k, 1));
                    } else {
                        b.q.add(Seg.out(b.header(T_IN, sectors[k]), 16), Seg.in(bufs[k], lens[k]), Seg.in(st + k, 1));
                    }
                }
                b.q.kick();
                b.blk.drain();
                assertEquals(n, b.q.takeUsed().size());
                for (int k = 0; k < n; k++) {
                    assertEquals(S_OK, b.d.get(st + k, 1)[0]);
                    if (!writes[k]) assertArrayEquals(Arrays.copyOfRange(model, sectors[k] * 512, sectors[k] * 512 + lens[k]),
                            b.d.get(bufs[k], lens[k]), "read of sector " + sectors[k]);
                }
            }
            assertArrayEquals(model, disk.data);
            assertEquals(0, b.q.usedFlags(), "notifications enabled again after the handler");
        }
    }
}
