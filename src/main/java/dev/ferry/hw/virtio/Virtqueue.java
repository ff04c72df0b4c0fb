package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;

import java.lang.invoke.VarHandle;

/**
 * One split virtqueue as the device sees it: the ring addresses and size the driver chose, the
 * device's own indices ({@code lastAvailIdx}: the next available entry to take; {@code usedIdx}:
 * the next used entry to fill), and notification bookkeeping.
 *
 * <p>Everything here runs under the transport's lock. Guest memory is read and written only
 * through the address space's DMA path; anything the driver got wrong (an index out of range, a
 * loop, a segment outside RAM, a bad indirect table) is a {@link VirtioError}, which the transport
 * turns into a broken device.
 *
 * <p>Memory ordering follows the spec: the avail index is read before the ring entries it
 * covers (acquire), a used element is written before the used index that publishes it, and the
 * used index is written before the driver's used_event / flags are read (full fences).
 */
final class Virtqueue {
    final int index;
    /** The device's queue size (QEMU's virtio_add_queue size): the size after reset. */
    final int defaultNum;
    private final VirtioMmio transport;
    private final GuestMemory mem;

    // driver-set configuration
    int num;
    int align = LEGACY_DEFAULT_ALIGN;
    long desc, avail, used;
    /** Modern QueueReady. */
    boolean enabled;

    // device indices
    int lastAvailIdx;
    int usedIdx;
    /** Whether the device wants driver notifications (QEMU's vq->notification). */
    boolean notification = true;

    // derived, not migrated
    int signalledUsed;
    boolean signalledUsedValid;
    /** Chains taken and not yet returned. */
    int inuse;

    private final long[] d = new long[4];

    Virtqueue(VirtioMmio transport, GuestMemory mem, int index, int defaultNum) {
        this.transport = transport;
        this.mem = mem;
        this.index = index;
        this.defaultNum = defaultNum;
        this.num = defaultNum;
    }

    void reset() {
        num = defaultNum;
        align = LEGACY_DEFAULT_ALIGN;
        desc = avail = used = 0;
        enabled = false;
        lastAvailIdx = usedIdx = 0;
        notification = true;
        signalledUsed = 0;
        signalledUsedValid = false;
        inuse = 0;
    }

    /** The driver set the queue up: it may be used. */
    boolean usable() {
        return num > 0 && desc != 0 && (transport.isLegacy() || enabled);
    }

    /** Legacy layout: descriptors at {@code pa}, the available ring after them, the used ring aligned. */
    void setLegacyRings(long pa) {
        desc = pa;
        updateLegacyRings();
    }

    void updateLegacyRings() {
        if (desc == 0) {
            avail = used = 0;
            return;
        }
        avail = desc + (long) DESC_SIZE * num;
        long availEnd = avail + 6 + 2L * num; // flags, idx, ring[num], used_event
        used = (availEnd + align - 1) & -(long) align;
    }

    private boolean has(int feature) {
        return transport.negotiated(feature);
    }

    // ---------------------------------------------------------------- available ring

    private int availIdx() {
        return mem.read16(avail + 2, "available ring index");
    }

    private int availFlags() {
        return mem.read16(avail, "available ring flags");
    }

    private int usedEvent() {
        return mem.read16(avail + 4 + 2L * num, "used_event");
    }

    private void setAvailEvent(int v) {
        mem.write16(used + 4 + 8L * num, v, "avail_event");
    }

    /** How many chains the driver has made available beyond those taken; checks the index is sane. */
    private int pending() {
        int idx = availIdx();
        int n = (idx - lastAvailIdx) & 0xffff;
        if (n > num)
            throw new VirtioError(String.format("queue %d: driver moved the available index from %d to %d (size %d)",
                    index, lastAvailIdx, idx, num));
        return n;
    }

    boolean isEmpty() {
        if (!usable()) return true;
        return pending() == 0;
    }

    /**
     * Enables or suppresses driver notifications: with EVENT_IDX through avail_event, otherwise
     * through the used ring's NO_NOTIFY flag. When enabling, the caller must check for work
     * again afterwards (the driver may have added buffers meanwhile).
     */
    void setNotification(boolean enable) {
        notification = enable;
        if (!usable()) return;
        if (has(F_RING_EVENT_IDX)) {
            if (enable) setAvailEvent(availIdx());
        } else {
            int flags = mem.read16(used, "used ring flags");
            flags = enable ? flags & ~USED_F_NO_NOTIFY : flags | USED_F_NO_NOTIFY;
            mem.write16(used, flags, "used ring flags");
        }
        if (enable) VarHandle.fullFence();
    }

    /** Takes the next available chain, or null when there is none (or the queue is not set up). */
    VirtqElement pop() {
        if (!usable()) return null;
        if (pending() == 0) return null;
        VarHandle.acquireFence(); // ring entries after the index that published them
        int head = mem.read16(avail + 4 + 2L * (lastAvailIdx % num), "available ring entry");
        VirtqElement e = readChain(head);
        lastAvailIdx = (lastAvailIdx + 1) & 0xffff;
        if (has(F_RING_EVENT_IDX) && notification) setAvailEvent(lastAvailIdx);
        inuse++;
        return e;
    }

    /** The next available chain without taking it (null if none). */
    VirtqElement peek() {
        if (!usable()) return null;
        if (pending() == 0) return null;
        VarHandle.acquireFence();
        int head = mem.read16(avail + 4 + 2L * (lastAvailIdx % num), "available ring entry");
        return readChain(head);
    }

    /**
     * Reads and checks one descriptor chain: indices within the table, no loops (a direct chain
     * never longer than the queue, an indirect one never longer than its table), no zero-length
     * or out-of-RAM segment, device-readable segments before device-writable ones, at most
     * {@link Virtio#QUEUE_MAX_SIZE} segments, indirect tables only when negotiated, never nested,
     * never chained, a whole number of descriptors and inside RAM.
     */
    private VirtqElement readChain(int head) {
        if (head >= num) throw new VirtioError(String.format("queue %d: driver made head %d available (size %d)", index, head, num));
        long table = desc;
        int max = num;
        int i = head;
        int visited = 0;
        boolean indirect = false;
        long[] addrs = new long[8];
        int[] lens = new int[8];
        int out = 0, in = 0;
        while (true) {
            if (++visited > max)
                throw new VirtioError(String.format("queue %d: looped or over-long descriptor chain from head %d", index, head));
            mem.readDesc(table + (long) DESC_SIZE * i, d);
            long addr = d[0];
            long len = d[1];
            int flags = (int) d[2];
            int next = (int) d[3];
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (indirect) throw new VirtioError(String.format("queue %d: nested indirect table", index));
                if (!has(F_RING_INDIRECT_DESC))
                    throw new VirtioError(String.format("queue %d: indirect descriptor without VIRTIO_F_INDIRECT_DESC", index));
                if ((flags & DESC_F_NEXT) != 0)
                    throw new VirtioError(String.format("queue %d: indirect descriptor with NEXT set", index));
                if (len == 0 || len % DESC_SIZE != 0)
                    throw new VirtioError(String.format("queue %d: invalid indirect table size %d", index, len));
                if (!mem.isRam(addr, len))
                    throw new VirtioError(String.format("queue %d: indirect table at 0x%x+%d is outside guest RAM", index, addr, len));
                table = addr;
                max = (int) (len / DESC_SIZE);
                i = 0;
                visited = 0;
                indirect = true;
                continue;
            }
            if (len == 0) throw new VirtioError(String.format("queue %d: zero-sized buffer", index));
            if (!mem.isRam(addr, len))
                throw new VirtioError(String.format("queue %d: buffer at 0x%x+%d is outside guest RAM", index, addr, len));
            if ((flags & DESC_F_WRITE) != 0) {
                in++;
            } else {
                if (in > 0) throw new VirtioError(String.format("queue %d: device-readable buffer after a writable one", index));
                out++;
            }
            int n = out + in;
            if (n > QUEUE_MAX_SIZE) throw new VirtioError(String.format("queue %d: more than %d segments in a chain", index, QUEUE_MAX_SIZE));
            if (n > addrs.length) {
                addrs = java.util.Arrays.copyOf(addrs, Math.min(QUEUE_MAX_SIZE, addrs.length * 2));
                lens = java.util.Arrays.copyOf(lens, addrs.length);
            }
            addrs[n - 1] = addr;
            lens[n - 1] = (int) len;
            if ((flags & DESC_F_NEXT) == 0) break;
            if (next >= max)
                throw new VirtioError(String.format("queue %d: next descriptor %d beyond the table (%d)", index, next, max));
            i = next;
        }
        return new VirtqElement(head, addrs, lens, out, in);
    }

    // ---------------------------------------------------------------- used ring

    /** Returns a chain to the driver with {@code len} bytes written. */
    void push(VirtqElement e, long len) {
        int written = (int) Math.min(len, 0xffffffffL);
        mem.writeUsedElem(used + 4 + 8L * (usedIdx % num), e.head, written);
        VarHandle.releaseFence(); // the element before the index that publishes it
        usedIdx = (usedIdx + 1) & 0xffff;
        mem.write16(used + 2, usedIdx, "used ring index");
        if (inuse > 0) inuse--;
    }

    /** Whether the driver wants an interrupt for what was just pushed (virtio 2.7.7/2.7.10). */
    boolean shouldNotify() {
        VarHandle.fullFence(); // the used index before reading the driver's suppression state
        if (has(F_NOTIFY_ON_EMPTY) && inuse == 0 && pending() == 0) return true;
        if (!has(F_RING_EVENT_IDX)) return (availFlags() & AVAIL_F_NO_INTERRUPT) == 0;
        boolean valid = signalledUsedValid;
        signalledUsedValid = true;
        int old = signalledUsed;
        signalledUsed = usedIdx;
        return !valid || needEvent(usedEvent(), usedIdx, old);
    }
}
