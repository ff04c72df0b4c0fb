package dev.ferry.migration;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The source's copy of pages as last sent, which XBZRLE deltas are computed against: QEMU's
 * page cache, direct-mapped (a page can only live in the slot its page number selects) and
 * aged by dirty sync: a slot holding a page cached or hit in the last two syncs is not taken
 * by another page, so the hot pages stay. Off-heap, {@code size} bytes (a power of two).
 *
 * <p>Keeping it exact is what makes deltas correct: whatever the destination holds for a
 * cached page, the cache holds too. Only the migration thread uses it.
 */
public final class XbzrleCache implements AutoCloseable {
    /** A slot this many syncs old (or older) may be taken by another page. */
    static final long FRESH_SYNCS = 2;

    private final int pageSize;
    private final long size;
    private final int slots;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment data;
    private final long[] addrs, ages;

    public XbzrleCache(long size, int pageSize) {
        if (size < pageSize || Long.bitCount(size) != 1) throw new IllegalArgumentException("cache size " + size);
        long n = size / pageSize;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("cache size " + size + " too large");
        this.pageSize = pageSize;
        this.size = size;
        this.slots = (int) n;
        this.data = arena.allocate(size, 64);
        this.addrs = new long[slots];
        this.ages = new long[slots];
        Arrays.fill(addrs, -1);
    }

    public long size() {
        return size;
    }

    private int slot(long addr) {
        return (int) ((addr / pageSize) & (slots - 1));
    }

    /** Whether the page at {@code addr} is cached; a hit makes its slot fresh for {@code age}. */
    public boolean contains(long addr, long age) {
        int s = slot(addr);
        if (addrs[s] != addr) return false;
        ages[s] = age;
        return true;
    }

    /** Copies the cached page at {@code addr} (which must be cached) into {@code dst}. */
    public void read(long addr, byte[] dst) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) slot(addr) * pageSize, dst, 0, pageSize);
    }

    /**
     * Caches {@code page} as the content of {@code addr}. Returns false, caching nothing, when
     * the slot holds another page that is still fresh.
     */
    public boolean insert(long addr, byte[] page, long age) {
        int s = slot(addr);
        if (addrs[s] != -1 && addrs[s] != addr && ages[s] + FRESH_SYNCS > age) return false;
        MemorySegment.copy(page, 0, data, ValueLayout.JAVA_BYTE, (long) s * pageSize, pageSize);
        addrs[s] = addr;
        ages[s] = age;
        return true;
    }

    @Override
    public void close() {
        arena.close();
    }
}
