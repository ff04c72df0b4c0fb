package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.memory.AddressSpace;
import dev.ferry.memory.RamBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test virtio driver: guest RAM in an address space, a transport, and the register and ring
 * work a guest driver does (Linux's order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK,
 * queues, DRIVER_OK), writing descriptors straight into RAM.
 */
final class Driver implements AutoCloseable {
    static final long RAM_BASE = 0x8000_0000L;
    static final long RAM_SIZE = 4 << 20;

    final AddressSpace as = new AddressSpace();
    final RamBlock ram = as.addRam("ram", RAM_BASE, RAM_SIZE, false);
    final AtomicBoolean irq = new AtomicBoolean();
    final AtomicInteger irqRaises = new AtomicInteger();
    final VirtioMmio t;
    private long heap = RAM_BASE + 0x10000;

    Driver(VirtioDevice dev, boolean legacy) {
        t = new VirtioMmio(as, level -> {
            if (level && !irq.get()) irqRaises.incrementAndGet();
            irq.set(level);
        }, dev, legacy);
    }

    /** Copies this driver's RAM (as migration would) and heap position into {@code other}. */
    void copyRamTo(Driver other) {
        other.put(RAM_BASE, get(RAM_BASE, (int) RAM_SIZE));
        other.heap = heap;
    }

    @Override
    public void close() {
        t.close();
        as.close();
    }

    // ---- registers

    int r(int off) {
        return (int) t.read(off, 4);
    }

    void w(int off, long v) {
        t.write(off, 4, v);
    }

    long hostFeatures() {
        w(VirtioMmio.DEVICE_FEATURES_SEL, 0);
        long lo = r(VirtioMmio.DEVICE_FEATURES) & 0xffffffffL;
        w(VirtioMmio.DEVICE_FEATURES_SEL, 1);
        long hi = r(VirtioMmio.DEVICE_FEATURES) & 0xffffffffL;
        return hi << 32 | lo;
    }

    /** Resets, acknowledges and accepts {@code features} (FEATURES_OK on modern); returns the status. */
    int negotiate(long features) {
        w(VirtioMmio.STATUS, 0);
        w(VirtioMmio.STATUS, STATUS_ACKNOWLEDGE);
        w(VirtioMmio.STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        w(VirtioMmio.DRIVER_FEATURES_SEL, 0);
        w(VirtioMmio.DRIVER_FEATURES, features & 0xffffffffL);
        if (!t.isLegacy()) {
            w(VirtioMmio.DRIVER_FEATURES_SEL, 1);
            w(VirtioMmio.DRIVER_FEATURES, features >>> 32);
            w(VirtioMmio.STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        }
        return r(VirtioMmio.STATUS);
    }

    /** Accepts everything offered (a modern driver always accepts VERSION_1). */
    long negotiateAll() {
        long f = hostFeatures();
        negotiate(f);
        return f;
    }

    void driverOk() {
        w(VirtioMmio.STATUS, r(VirtioMmio.STATUS) | STATUS_DRIVER_OK);
    }

    long alloc(long size, long align) {
        heap = (heap + align - 1) & -align;
        long a = heap;
        heap += size;
        assertTrue(heap <= RAM_BASE + RAM_SIZE, "test heap exhausted");
        return a;
    }

    /** A buffer in RAM holding {@code data}. */
    long buffer(byte[] data) {
        long a = alloc(Math.max(1, data.length), 16);
        put(a, data);
        return a;
    }

    void put(long pa, byte[] data) {
        assertTrue(as.dmaWrite(pa, data, 0, data.length));
    }

    byte[] get(long pa, int len) {
        byte[] b = new byte[len];
        assertTrue(as.dmaRead(pa, b, 0, len));
        return b;
    }

    long rd(long pa, int size) {
        return as.read(pa, size);
    }

    void wr(long pa, int size, long v) {
        as.write(pa, size, v);
    }

    /** Sets queue {@code idx} up with {@code num} entries, legacy or modern style. */
    Queue queue(int idx, int num) {
        w(VirtioMmio.QUEUE_SEL, idx);
        assertEquals(QUEUE_MAX_SIZE, r(VirtioMmio.QUEUE_NUM_MAX));
        Queue q = new Queue(this, idx, num);
        w(VirtioMmio.QUEUE_NUM, num);
        if (t.isLegacy()) {
            w(VirtioMmio.GUEST_PAGE_SIZE, 4096);
            w(VirtioMmio.QUEUE_ALIGN, 4096);
            w(VirtioMmio.QUEUE_PFN, q.desc >>> 12);
        } else {
            w(VirtioMmio.QUEUE_DESC_LOW, q.desc);
            w(VirtioMmio.QUEUE_DESC_HIGH, q.desc >>> 32);
            w(VirtioMmio.QUEUE_AVAIL_LOW, q.avail);
            w(VirtioMmio.QUEUE_AVAIL_HIGH, q.avail >>> 32);
            w(VirtioMmio.QUEUE_USED_LOW, q.used);
            w(VirtioMmio.QUEUE_USED_HIGH, q.used >>> 32);
            w(VirtioMmio.QUEUE_READY, 1);
        }
        return q;
    }

    /** A device-readable or device-writable segment. */
    record Seg(long addr, long len, boolean write) {
        static Seg out(long addr, long len) {
            return new Seg(addr, len, false);
        }

        static Seg in(long addr, long len) {
            return new Seg(addr, len, true);
        }
    }

    record Used(int id, int len) {
    }

    /** One split virtqueue in the legacy layout (page-aligned used ring), which also serves modern. */
    static final class Queue {
        final Driver d;
        final int idx, num;
        final long desc, avail, used;
        int availIdx;
        int lastUsed;
        int nextDesc;

        Queue(Driver d, int idx, int num) {
            this.d = d;
            this.idx = idx;
            this.num = num;
            long availSize = 6 + 2L * num;
            long usedOff = (16L * num + availSize + 4095) & -4096L;
            long base = d.alloc(usedOff + 6 + 8L * num, 4096);
            desc = base;
            avail = base + 16L * num;
            used = base + usedOff;
        }

        /** The same ring (addresses and driver indices) seen by another driver whose RAM is a copy. */
        Queue(Driver d, Queue from) {
            this.d = d;
            this.idx = from.idx;
            this.num = from.num;
            this.desc = from.desc;
            this.avail = from.avail;
            this.used = from.used;
            this.availIdx = from.availIdx;
            this.lastUsed = from.lastUsed;
            this.nextDesc = from.nextDesc;
        }

        void writeDesc(int i, long addr, long len, int flags, int next) {
            long p = desc + 16L * i;
            d.wr(p, 8, addr);
            d.wr(p + 8, 4, len);
            d.wr(p + 12, 2, flags);
            d.wr(p + 14, 2, next);
        }

        static void writeDescAt(Driver d, long table, int i, long addr, long len, int flags, int next) {
            long p = table + 16L * i;
            d.wr(p, 8, addr);
            d.wr(p + 8, 4, len);
            d.wr(p + 12, 2, flags);
            d.wr(p + 14, 2, next);
        }

        /** Puts {@code head} in the available ring and publishes it (does not notify). */
        void publish(int head) {
            d.wr(avail + 4 + 2L * (availIdx % num), 2, head);
            availIdx = (availIdx + 1) & 0xffff;
            d.wr(avail + 2, 2, availIdx);
        }

        /** Writes a direct chain and publishes it; returns its head. */
        int add(Seg... segs) {
            int head = nextDesc;
            for (int k = 0; k < segs.length; k++) {
                int i = (head + k) % num;
                boolean last = k == segs.length - 1;
                writeDesc(i, segs[k].addr(), segs[k].len(), (segs[k].write() ? DESC_F_WRITE : 0) | (last ? 0 : DESC_F_NEXT),
                        last ? 0 : (i + 1) % num);
            }
            nextDesc = (head + segs.length) % num;
            publish(head);
            return head;
        }

        /** Writes the segments into an indirect table, one descriptor pointing at it, and publishes it. */
        int addIndirect(Seg... segs) {
            long table = d.alloc(16L * segs.length, 16);
            for (int k = 0; k < segs.length; k++) {
                boolean last = k == segs.length - 1;
                writeDescAt(d, table, k, segs[k].addr(), segs[k].len(),
                        (segs[k].write() ? DESC_F_WRITE : 0) | (last ? 0 : DESC_F_NEXT), last ? 0 : k + 1);
            }
            int head = nextDesc;
            writeDesc(head, table, 16L * segs.length, DESC_F_INDIRECT, 0);
            nextDesc = (head + 1) % num;
            publish(head);
            return head;
        }

        void kick() {
            d.w(VirtioMmio.QUEUE_NOTIFY, idx);
        }

        int usedIdx() {
            return (int) d.rd(used + 2, 2);
        }

        /** Used elements added since the last call. */
        List<Used> takeUsed() {
            List<Used> l = new ArrayList<>();
            int u = usedIdx();
            while (lastUsed != u) {
                long p = used + 4 + 8L * (lastUsed % num);
                l.add(new Used((int) d.rd(p, 4), (int) d.rd(p + 4, 4)));
                lastUsed = (lastUsed + 1) & 0xffff;
            }
            return l;
        }

        void setAvailFlags(int f) {
            d.wr(avail, 2, f);
        }

        void setUsedEvent(int v) {
            d.wr(avail + 4 + 2L * num, 2, v);
        }

        int availEvent() {
            return (int) d.rd(used + 4 + 8L * num, 2);
        }

        int usedFlags() {
            return (int) d.rd(used, 2);
        }
    }
}
