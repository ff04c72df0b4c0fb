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
    private final DirtySync dirtySync;
    private long[][] toSend;
    private RamBlock lastBlock;
    private final byte[] page = new byte[PAGE];
    private RamBlock lastLoadedBlock;

    // figures (query-migrate's ram section)
    public long normalPages, zeroPages, syncCount;

    public RamSection(List<RamBlock> blocks, DirtySync dirtySync) {
        this.blocks = List.copyOf(blocks);
        this.dirtySync = dirtySync;
    }

    @Override
    public int version() {
        return VERSION;
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

    @Override
    public long pendingBytes() {
        long n = 0;
        if (toSend == null) return 0;
        for (long[] bits : toSend) for (long w : bits) n += Long.bitCount(w);
        return n * PAGE;
    }

    @Override
    public boolean saveIterate(MigrationOutput out, long maxBytes) throws VMStateException {
        long start = out.bytesWritten();
        lastBlock = null; // each section names its first page's block
        boolean done = true;
        outer:
        for (int i = 0; i < blocks.size(); i++) {
            long[] bits = toSend[i];
            for (int w = 0; w < bits.length; w++) {
                while (bits[w] != 0) {
                    if (out.bytesWritten() - start >= maxBytes) {
                        done = false;
                        break outer;
                    }
                    int bit = Long.numberOfTrailingZeros(bits[w]);
                    bits[w] &= ~(1L << bit);
                    sendPage(out, blocks.get(i), ((long) w << 6) + bit);
                }
            }
        }
        out.putBe64(FLAG_EOS);
        return done;
    }

    private void sendPage(MigrationOutput out, RamBlock b, long pageIndex) throws VMStateException {
        long offset = pageIndex * PAGE;
        long cont = b == lastBlock ? FLAG_CONTINUE : 0;
        if (b.isZeroPage(pageIndex)) {
            out.putBe64(offset | FLAG_ZERO | cont);
            if (cont == 0) putIdstr(out, b.name());
            out.putByte(0);
            zeroPages++;
        } else {
            out.putBe64(offset | FLAG_PAGE | cont);
            if (cont == 0) putIdstr(out, b.name());
            b.readBytes(offset, page, 0, PAGE);
            out.putBuffer(page, 0, PAGE);
            normalPages++;
        }
        lastBlock = b;
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
            if ((flags & FLAG_MEM_SIZE) != 0) {
                long total = addr;
                long seen = 0;
                while (seen < total) {
                    String id = getIdstr(in);
                    long len = in.getBe64();
                    RamBlock b = findBlock(id);
                    if (b == null) throw new VMStateException("Unknown ramblock \"" + id + "\", cannot accept migration");
                    if (len != b.size())
                        throw new VMStateException("Length mismatch: " + id + ": 0x" + Long.toHexString(len) + " in != 0x" + Long.toHexString(b.size()));
                    seen += len;
                }
                if (seen != total) throw new VMStateException("ram: block sizes add up to " + seen + ", not " + total);
                flags &= ~FLAG_MEM_SIZE;
            }
            if ((flags & FLAG_EOS) != 0) {
                lastLoadedBlock = block;
                return;
            }
            if (flags == 0) continue;
            long kind = flags & ~FLAG_CONTINUE;
            if (kind != FLAG_ZERO && kind != FLAG_PAGE)
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
            } else {
                in.getBuffer(page, 0, PAGE);
                MemorySegment.copy(page, 0, block.segment(), ValueLayout.JAVA_BYTE, addr, PAGE);
            }
        }
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
