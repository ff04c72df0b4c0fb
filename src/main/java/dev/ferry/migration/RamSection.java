package dev.ferry.migration;

import dev.ferry.memory.RamBlock;
import dev.ferry.migration.vmstate.VMStateException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Guest RAM as QEMU's "ram" section (version 4): the block list with its total size, then pages
 * as records {@code be64(offset | flags)} with PAGE (4 KiB of data follows), ZERO (one fill byte
 * follows) and CONTINUE (same block as the record before, no name), each round ending in EOS.
 *
 * <p>The source keeps a bitmap of pages still to send per block, filled at setup and by each
 * sync of the dirty log ({@link DirtySync}).
 *
 * <p>With XBZRLE on ({@link #enableXbzrle}), pages from the second round on may go as XBZRLE
 * records: {@code be64(offset | XBZRLE)}, the block name unless CONTINUE, the encoding byte
 * ({@link Xbzrle#ENCODING_FLAG}), a be16 length and the delta against the page as last sent,
 * which the source keeps in an {@link XbzrleCache}. The destination always accepts them.
 */
public final class RamSection implements LiveSection {
    public static final int VERSION = 4;
    public static final long FLAG_ZERO = 0x02, FLAG_MEM_SIZE = 0x04, FLAG_PAGE = 0x08, FLAG_EOS = 0x10,
            FLAG_CONTINUE = 0x20, FLAG_XBZRLE = 0x40, FLAG_COMPRESS_PAGE = 0x100;
    static final int PAGE = 4096;
    static final long PAGE_MASK = ~(long) (PAGE - 1);

    /** Takes the dirty bits of all RAM (with whatever handshake the vCPUs need) into the send bitmaps. */
    public interface DirtySync {
        void sync(List<RamBlock> blocks, long[][] toSend);
    }

    private final List<RamBlock> blocks;
    /** Each block's first byte in the address space of all RAM (the XBZRLE cache's key). */
    private final long[] blockBases;
    private final DirtySync dirtySync;
    private long[][] toSend;
    private RamBlock lastBlock;
    private final byte[] page = new byte[PAGE];
    private RamBlock lastLoadedBlock;
    private final byte[] delta = new byte[PAGE], previous = new byte[PAGE];
    private static final byte[] ZERO_PAGE = new byte[PAGE];

    // XBZRLE on the source: null when off
    private XbzrleCache cache;
    private long wantedCacheSize;
    /** XBZRLE is used from the second round on (QEMU: not in the bulk stage, where nothing is cached yet). */
    private boolean xbzrleRound;

    // figures (query-migrate's ram section)
    public long normalPages, zeroPages, syncCount;
    /** Pages looked at (sent, or skipped as unchanged): what the cache-miss rate is relative to. */
    public long pagesHandled;
    /** query-migrate's xbzrle-cache: pages sent as deltas, their bytes (without the 8-byte header), misses, overflows. */
    public long xbzrlePages, xbzrleBytes, xbzrleCacheMiss, xbzrleOverflow;

    public RamSection(List<RamBlock> blocks, DirtySync dirtySync) {
        this.blocks = List.copyOf(blocks);
        this.blockBases = new long[this.blocks.size()];
        for (int i = 1; i < blockBases.length; i++) blockBases[i] = blockBases[i - 1] + this.blocks.get(i - 1).size();
        this.dirtySync = dirtySync;
    }

    @Override
    public int version() {
        return VERSION;
    }

    /**
     * Sends the next migration's pages with XBZRLE, with a cache of {@code cacheSize} bytes
     * (made at setup); {@code cacheSize} 0 turns it off.
     */
    public void enableXbzrle(long cacheSize) {
        wantedCacheSize = cacheSize;
    }

    /**
     * A new cache size for the migration under way: as QEMU, the cache is replaced by an empty
     * one of the new size (from the next page sent); nothing happens when the size is unchanged.
     */
    public void resizeXbzrleCache(long cacheSize) {
        wantedCacheSize = cacheSize;
    }

    /** The size of the cache in use, 0 when XBZRLE is off. */
    public long xbzrleCacheSize() {
        XbzrleCache c = cache;
        return c == null ? 0 : c.size();
    }

    private void applyCacheSize() throws VMStateException {
        if (cache != null && cache.size() == wantedCacheSize) return;
        if (cache != null) cache.close();
        cache = null;
        if (wantedCacheSize == 0) return;
        try {
            cache = new XbzrleCache(wantedCacheSize, PAGE);
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            throw new VMStateException("Failed to allocate an XBZRLE cache of " + wantedCacheSize + " bytes");
        }
    }

    @Override
    public void cleanup() {
        if (cache != null) cache.close();
        cache = null;
        wantedCacheSize = 0;
        xbzrleRound = false;
    }

    public long totalBytes() {
        long t = 0;
        for (RamBlock b : blocks) t += b.size();
        return t;
    }

    @Override
    public void saveSetup(MigrationOutput out) throws VMStateException {
        toSend = new long[blocks.size()][];
        for (int i = 0; i < blocks.size(); i++) {
            RamBlock b = blocks.get(i);
            long pages = b.pages();
            long[] bits = new long[(int) ((pages + 63) >>> 6)];
            for (long p = 0; p < pages; p++) bits[(int) (p >>> 6)] |= 1L << p;
            toSend[i] = bits;
        }
        // Everything is sent at least once; start a fresh log, with the vCPUs' write paths
        // re-armed so that any write from now on is logged.
        dirtySync.sync(blocks, toSend);
        lastBlock = null;
        xbzrleRound = false;
        scanBlock = scanWord = 0;
        pagesHandled = xbzrlePages = xbzrleBytes = xbzrleCacheMiss = xbzrleOverflow = 0;
        if (cache != null) cache.close();
        cache = null;
        applyCacheSize();
        out.putBe64(totalBytes() | FLAG_MEM_SIZE);
        for (RamBlock b : blocks) {
            putIdstr(out, b.name());
            out.putBe64(b.size());
        }
        out.putBe64(FLAG_EOS);
    }

    private static void putIdstr(MigrationOutput out, String name) throws VMStateException {
        byte[] id = name.getBytes(StandardCharsets.UTF_8);
        out.putByte(id.length);
        out.putBuffer(id);
    }

    /** Takes newly dirtied pages into the send bitmaps. */
    public void sync() {
        dirtySync.sync(blocks, toSend);
        syncCount++;
    }

    /** Bytes of the pages marked to send. */
    public long pendingBytes() {
        long n = 0;
        if (toSend == null) return 0;
        for (long[] bits : toSend) for (long w : bits) n += Long.bitCount(w);
        return n * PAGE;
    }

    /** RAM could go either way with postcopy (QEMU counts it as compatible then); without it, precopy only. */
    @Override
    public Pending pending() {
        return new Pending(pendingBytes(), 0, 0);
    }

    @Override
    public boolean saveIterate(MigrationOutput out, long maxBytes) throws VMStateException {
        long start = out.bytesWritten();
        lastBlock = null; // each section names its first page's block
        if (cache != null || wantedCacheSize != 0) applyCacheSize();
        // The scan goes on from where the last one stopped and wraps around, as QEMU's page
        // search does: every dirty page gets its turn however small the budget, and a lap
        // over all of RAM is a "round" (after the first, pages go as XBZRLE deltas).
        long words = 0;
        for (long[] bits : toSend) words += bits.length;
        for (long visited = 0; visited <= words; visited++) {
            long[] bits = toSend[scanBlock];
            if (scanWord < bits.length) {
                while (bits[scanWord] != 0) {
                    if (out.bytesWritten() - start >= maxBytes) {
                        out.putBe64(FLAG_EOS);
                        return false;
                    }
                    int bit = Long.numberOfTrailingZeros(bits[scanWord]);
                    bits[scanWord] &= ~(1L << bit);
                    sendPage(out, blocks.get(scanBlock), blockBases[scanBlock], ((long) scanWord << 6) + bit);
                }
            }
            if (++scanWord >= bits.length) {
                scanWord = 0;
                if (++scanBlock == blocks.size()) {
                    scanBlock = 0;
                    if (cache != null) xbzrleRound = true; // a round is complete: deltas from now on
                }
            }
        }
        out.putBe64(FLAG_EOS);
        return true; // a whole lap found nothing left (only this thread sets bits here, at a sync)
    }

    /** Where the scan resumes: block index and word of its bitmap. */
    private int scanBlock, scanWord;

    private void sendPage(MigrationOutput out, RamBlock b, long base, long pageIndex) throws VMStateException {
        long offset = pageIndex * PAGE;
        long cont = b == lastBlock ? FLAG_CONTINUE : 0;
        boolean xbzrle = xbzrleRound && cache != null;
        pagesHandled++;
        if (b.isZeroPage(pageIndex)) {
            // the destination will hold zeros: so must a cached copy
            if (xbzrle) cache.insert(base + offset, ZERO_PAGE, syncCount);
            out.putBe64(offset | FLAG_ZERO | cont);
            if (cont == 0) putIdstr(out, b.name());
            out.putByte(0);
            zeroPages++;
        } else {
            b.readBytes(offset, page, 0, PAGE); // one copy: what is sent, encoded and cached is the same
            if (xbzrle) {
                int sent = sendDelta(out, b, offset, base + offset, cont);
                if (sent == 0) return; // unchanged since it was last sent: the destination has it
                if (sent > 0) {
                    lastBlock = b;
                    return;
                }
            }
            out.putBe64(offset | FLAG_PAGE | cont);
            if (cont == 0) putIdstr(out, b.name());
            out.putBuffer(page, 0, PAGE);
            normalPages++;
        }
        lastBlock = b;
    }

    /**
     * Sends {@link #page} as a delta against its cached copy. Returns the delta's bytes, 0 when
     * the page did not change (nothing sent), -1 when it must go whole: not cached (it is
     * cached now, when its slot is free) or a delta no smaller than a page (overflow).
     */
    private int sendDelta(MigrationOutput out, RamBlock b, long offset, long addr, long cont) throws VMStateException {
        if (!cache.contains(addr, syncCount)) {
            xbzrleCacheMiss++;
            cache.insert(addr, page, syncCount);
            return -1;
        }
        cache.read(addr, previous);
        int n = Xbzrle.encode(previous, page, PAGE, delta, PAGE - 1);
        if (n == 0) return 0;
        cache.insert(addr, page, syncCount); // sent whole or as a delta, the destination gets this content
        if (n < 0) {
            xbzrleOverflow++;
            return -1;
        }
        long start = out.bytesWritten();
        out.putBe64(offset | FLAG_XBZRLE | cont);
        if (cont == 0) putIdstr(out, b.name());
        out.putByte(Xbzrle.ENCODING_FLAG);
        out.putByte(n >>> 8);
        out.putByte(n);
        out.putBuffer(delta, 0, n);
        xbzrlePages++;
        xbzrleBytes += out.bytesWritten() - start - 8; // QEMU counts the delta without the 8-byte header
        return n;
    }

    @Override
    public void saveComplete(MigrationOutput out) throws VMStateException {
        sync();
        while (!saveIterate(out, Long.MAX_VALUE)) {
            // sends everything left
        }
    }

    // ---- loading ----

    @Override
    public void load(MigrationInput in, int versionId) throws VMStateException {
        if (versionId != VERSION) throw new VMStateException("ram: unsupported version " + versionId);
        RamBlock block = lastLoadedBlock; // CONTINUE may refer to the previous section's block
        while (true) {
            long word = in.getBe64();
            long flags = word & ~PAGE_MASK;
            long addr = word & PAGE_MASK;
            // one kind per record, as QEMU's loader switches on them: a word that mixes kinds
            // (a corrupt header, typically) is refused rather than half understood
            long kind = flags & ~FLAG_CONTINUE;
            if (kind == FLAG_MEM_SIZE) {
                long total = addr;
                long seen = 0;
                while (Long.compareUnsigned(seen, total) < 0) {
                    String id = getIdstr(in);
                    long len = in.getBe64();
                    RamBlock b = findBlock(id);
                    if (b == null) throw new VMStateException("Unknown ramblock \"" + id + "\", cannot accept migration");
                    if (len != b.size())
                        throw new VMStateException("Length mismatch: " + id + ": 0x" + Long.toHexString(len) + " in != 0x" + Long.toHexString(b.size()));
                    seen += len;
                }
                if (seen != total)
                    throw new VMStateException("ram: block sizes add up to 0x" + Long.toHexString(seen) + ", not 0x" + Long.toHexString(total));
                continue;
            }
            if (kind == FLAG_EOS) {
                lastLoadedBlock = block;
                return;
            }
            if (kind != FLAG_ZERO && kind != FLAG_PAGE && kind != FLAG_XBZRLE)
                throw new VMStateException("Unknown combination of migration flags: 0x" + Long.toHexString(flags));
            if ((flags & FLAG_CONTINUE) == 0) {
                String id = getIdstr(in);
                block = findBlock(id);
                if (block == null) throw new VMStateException("Unknown ramblock \"" + id + "\", cannot accept migration");
            } else if (block == null) {
                throw new VMStateException("Ack, bad migration stream! (CONTINUE without a block)");
            }
            if (Long.compareUnsigned(addr, block.size() - PAGE) > 0)
                throw new VMStateException("Illegal RAM offset " + Long.toHexString(addr));
            if (kind == FLAG_ZERO) {
                int fill = in.getByte();
                long pageIndex = addr / PAGE;
                if (fill != 0 || !block.isZeroPage(pageIndex)) {
                    MemorySegment s = block.segment().asSlice(addr, PAGE);
                    s.fill((byte) fill);
                }
            } else if (kind == FLAG_XBZRLE) {
                loadDelta(in, block, addr);
            } else {
                in.getBuffer(page, 0, PAGE);
                MemorySegment.copy(page, 0, block.segment(), ValueLayout.JAVA_BYTE, addr, PAGE);
            }
        }
    }

    /** An XBZRLE record's body: applied to the page as the destination holds it, or refused whole. */
    private void loadDelta(MigrationInput in, RamBlock block, long addr) throws VMStateException {
        int encoding = in.getByte();
        if (encoding != Xbzrle.ENCODING_FLAG)
            throw new VMStateException("Failed to load XBZRLE page - wrong compression! (encoding 0x" + Integer.toHexString(encoding) + ")");
        int len = (in.getByte() << 8) | in.getByte();
        if (len > PAGE) throw new VMStateException("Failed to load XBZRLE page - len overflow! (" + len + " bytes)");
        in.getBuffer(delta, 0, len);
        MemorySegment.copy(block.segment(), ValueLayout.JAVA_BYTE, addr, page, 0, PAGE);
        try {
            Xbzrle.decode(delta, len, page, PAGE);
        } catch (Xbzrle.MalformedDeltaException e) {
            throw new VMStateException("Failed to load XBZRLE page at 0x" + Long.toHexString(addr) + " of " + block.name()
                    + " - decode error: " + e.getMessage());
        }
        MemorySegment.copy(page, 0, block.segment(), ValueLayout.JAVA_BYTE, addr, PAGE);
    }

    private RamBlock findBlock(String id) {
        for (RamBlock b : blocks) if (b.name().equals(id)) return b;
        return null;
    }

    private static String getIdstr(MigrationInput in) throws VMStateException {
        int len = in.getByte();
        byte[] id = new byte[len];
        in.getBuffer(id, 0, len);
        return new String(id, StandardCharsets.UTF_8);
    }
}
