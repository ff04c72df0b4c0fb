package dev.ferry.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One bit per guest page, set when the page is written. Migration harvests and clears it;
 * marking is atomic so that harvesting (an atomic exchange per word) never loses a mark made
 * concurrently by a vCPU or a DMA-ing device.
 */
public final class DirtyLog {
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private final long[] bits;
    private final long pages;

    public DirtyLog(long pages) {
        if (pages > (long) Integer.MAX_VALUE * 64) throw new IllegalArgumentException("too many pages: " + pages);
        this.pages = pages;
        this.bits = new long[(int) ((pages + 63) >>> 6)];
    }

    public long pages() {
        return pages;
    }

    public void mark(long page) {
        long bit = 1L << page;
        int w = (int) (page >>> 6);
        // the page's data was written just before: that store must not pass the check below, or
        // a harvest in between could take the bit, send the old data, and the write be lost
        VarHandle.fullFence();
        if ((((long) WORDS.getOpaque(bits, w)) & bit) == 0) WORDS.getAndBitwiseOr(bits, w, bit);
    }

    public void markRange(long firstPage, long count) {
        for (long p = firstPage; p < firstPage + count; p++) mark(p);
    }

    public void markAll() {
        markRange(0, pages);
    }

    public boolean isDirty(long page) {
        return ((long) WORDS.getVolatile(bits, (int) (page >>> 6)) & (1L << page)) != 0;
    }

    /** Atomically takes the bits of one 64-page word and clears them. */
    public long takeWord(int word) {
        return (long) WORDS.getAndSet(bits, word, 0L);
    }

    public int words() {
        return bits.length;
    }

    /** Atomically takes every set bit, clearing the log; returns a snapshot bitmap. */
    public long[] takeAll() {
        long[] out = new long[bits.length];
        for (int w = 0; w < bits.length; w++) out[w] = takeWord(w);
        return out;
    }

    public long countDirty() {
        long n = 0;
        for (int w = 0; w < bits.length; w++) n += Long.bitCount((long) WORDS.getVolatile(bits, w));
        return n;
    }
}
