package dev.ferry.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Guest RAM (or ROM) held off-heap, of any size the host can map (more than 2 GiB works).
 * Every write made through this class marks the page dirty; the hart's fast write path marks
 * a page on its first write after each harvest (see {@link AddressSpace#dirtyEpoch()}).
 */
public final class RamBlock implements AutoCloseable {
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;

    public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final long base;
    private final long size;
    private final boolean readOnly;
    private final Arena arena;
    private final MemorySegment segment;
    private final DirtyLog dirty;

    public RamBlock(String name, long base, long size, boolean readOnly) {
        if (size <= 0 || (size & (PAGE_SIZE - 1)) != 0)
            throw new IllegalArgumentException(name + ": size must be a positive multiple of 4 KiB: " + size);
        if ((base & (PAGE_SIZE - 1)) != 0) throw new IllegalArgumentException(name + ": base not page-aligned");
        this.name = name;
        this.base = base;
        this.size = size;
        this.readOnly = readOnly;
        this.arena = Arena.ofShared();
        this.segment = arena.allocate(size, PAGE_SIZE); // zero-filled
        this.dirty = new DirtyLog(size >>> PAGE_SHIFT);
    }

    public String name() { return name; }
    public long base() { return base; }
    public long size() { return size; }
    public long end() { return base + size; }
    public boolean readOnly() { return readOnly; }
    public MemorySegment segment() { return segment; }
    public DirtyLog dirtyLog() { return dirty; }
    public long pages() { return size >>> PAGE_SHIFT; }

    public boolean contains(long pa) {
        return Long.compareUnsigned(pa - base, size) < 0;
    }

    /** Reads size bytes (1, 2, 4, 8) at an offset in the block, zero-extended. */
    public long read(long off, int size) {
        return switch (size) {
            case 1 -> segment.get(U8, off) & 0xffL;
            case 2 -> segment.get(LE16, off) & 0xffffL;
            case 4 -> segment.get(LE32, off) & 0xffffffffL;
            case 8 -> segment.get(LE64, off);
            default -> throw new IllegalArgumentException("size " + size);
        };
    }

    /** Writes and logs the page(s) dirty; used by the slow paths, DMA and loaders. */
    public void write(long off, int size, long v) {
        switch (size) {
            case 1 -> segment.set(U8, off, (byte) v);
            case 2 -> segment.set(LE16, off, (short) v);
            case 4 -> segment.set(LE32, off, (int) v);
            case 8 -> segment.set(LE64, off, v);
            default -> throw new IllegalArgumentException("size " + size);
        }
        markDirty(off, size);
    }

    public void markDirty(long off, long len) {
        if (len <= 0) return;
        long first = off >>> PAGE_SHIFT, last = (off + len - 1) >>> PAGE_SHIFT;
        for (long p = first; p <= last; p++) dirty.mark(p);
    }

    public void readBytes(long off, byte[] dst, int dstOff, int len) {
        MemorySegment.copy(segment, U8, off, dst, dstOff, len);
    }

    public void writeBytes(long off, byte[] src, int srcOff, int len) {
        MemorySegment.copy(src, srcOff, segment, U8, off, len);
        markDirty(off, len);
    }

    /** Loader access: writes regardless of readOnly (ROM contents are set by the board). */
    public void load(long off, byte[] src) {
        writeBytes(off, src, 0, src.length);
    }

    public boolean isZeroPage(long page) {
        long off = page << PAGE_SHIFT;
        for (long i = 0; i < PAGE_SIZE; i += 8) if (segment.get(LE64, off + i) != 0) return false;
        return true;
    }

    @Override
    public void close() {
        arena.close();
    }
}
