package dev.ferry.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A qcow2 image (versions 2 and 3), implemented from docs/interop/qcow2.txt.
 *
 * <p>Reads: standard, zero and compressed (zlib/deflate) clusters, unallocated ones from the
 * backing chain. Writes allocate clusters with refcount updates (refcount blocks and a larger
 * refcount table are made when needed), copy on write clusters and L2 tables shared with internal
 * snapshots (refcount &gt; 1) and keep the COPIED flags of the active tables right; partial writes
 * to unallocated clusters copy the rest from the backing file. Metadata is written through as it
 * changes in this order: a new cluster's refcount and its data are written at once; the L1/L2
 * entries that point at new clusters are kept in memory and written by a commit (on
 * {@link #flush()}, before snapshot operations, or when too many are pending) after an fdatasync,
 * and the clusters they replaced are freed only after a second fdatasync. A crash or power loss
 * thus loses unflushed writes, as on a real disk, and leaves at worst leaked clusters.
 *
 * <p>Internal snapshots: list, create (with a VM state area), delete and apply, as
 * {@code qemu-img snapshot} does; {@link #writeVmState}/{@link #readVmState} reach the VM state
 * area past the end of the virtual disk, as QEMU's savevm/loadvm do.
 *
 * <p>Refused: encryption, external data files, extended L2 entries, zstd compression, unknown
 * incompatible features; images marked corrupt are opened read-only only; an image with the dirty
 * bit set has its refcounts recomputed when opened read-write.
 */
public final class Qcow2Image implements BlockDriver {
    static final long L1E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long L2E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long REFT_OFFSET_MASK = 0xfffffffffffffe00L;
    static final long OFLAG_COPIED = 1L << 63;
    static final long OFLAG_COMPRESSED = 1L << 62;
    static final long OFLAG_ZERO = 1L;
    static final long MAX_L1_BYTES = 32L << 20;
    static final long MAX_REFTABLE_BYTES = 8L << 20;
    static final int MAX_SNAPSHOTS = 65536;
    static final long MAX_SNAPSHOTS_BYTES = 64L << 20;
    static final int MAX_SNAPSHOT_EXTRA = 1024;
    static final long MAX_HOST_OFFSET = 1L << 56;
    private static final int L2_CACHE_TABLES = 64;
    private static final int RB_CACHE_BLOCKS = 64;
    private static final byte[] ZEROS = new byte[65536];

    private final ImageFile file;
    private final String nodeName;
    private final boolean readOnly;
    private final OpenOptions options;
    private final Set<ImageFile.Perm> perm;
    private final Set<ImageFile.Perm> unshared;
    private final Set<Path> chain;
    private BlockDriver backing;

    private Qcow2Header h;
    private volatile long size;
    private int cb;
    private int cs;
    private int l2Bits;
    private int l2Entries;
    private int refBits;
    private int rbBits;
    private long maxRefcount;
    private long[] l1 = new long[0];
    private long[] refTable = new long[0];
    private final List<Snap> snaps = new ArrayList<>();
    private long snapshotsBytes;
    private final LinkedHashMap<Long, long[]> l2Cache = lru(L2_CACHE_TABLES);
    private final LinkedHashMap<Long, byte[]> rbCache = lru(RB_CACHE_BLOCKS);
    private final Set<Long> refBlockSet = new HashSet<>();
    /** L2 tables changed in memory and not yet written (pinned: never evicted before a commit). */
    private final LinkedHashMap<Long, long[]> dirtyL2 = new LinkedHashMap<>();
    /** Active L1 entries changed in memory and not yet written. */
    private final java.util.TreeSet<Integer> dirtyL1 = new java.util.TreeSet<>();
    /** Clusters whose refcount drops once the pointers that replaced them are durable. */
    private final List<Long> pendingFree = new ArrayList<>();
    private static final int MAX_DIRTY_L2 = 32;
    private static final int MAX_PENDING_FREE = 65536;
    private final Set<Long> l2Set = new HashSet<>();
    private long freeHint;
    private long zcacheHost = -1;
    private byte[] zcache;
    private boolean active = true;
    private boolean closed;

    /** A snapshot table entry as read, with extra data Ferry does not know kept for rewriting. */
    private static final class Snap {
        long l1Offset;
        int l1Size;
        String id;
        String name;
        long dateSec;
        int dateNsec;
        long vmClock;
        long vmStateSize;
        long diskSize;
        long icount = -1;
        byte[] extra = new byte[0];

        Qcow2Snapshot info() {
            return new Qcow2Snapshot(id, name, dateSec, dateNsec, vmClock, vmStateSize, diskSize, icount, l1Offset, l1Size);
        }

        byte[] encode() {
            byte[] idb = id.getBytes(StandardCharsets.UTF_8);
            byte[] nb = name.getBytes(StandardCharsets.UTF_8);
            byte[] ex = Arrays.copyOf(extra, Math.max(24, extra.length));
            ByteBuffer e = ByteBuffer.wrap(ex);
            e.putLong(0, vmStateSize);
            e.putLong(8, diskSize);
            e.putLong(16, icount);
            int len = 40 + ex.length + idb.length + nb.length;
            ByteBuffer b = ByteBuffer.allocate((len + 7) & ~7);
            b.putLong(l1Offset).putInt(l1Size).putShort((short) idb.length).putShort((short) nb.length)
                    .putInt((int) dateSec).putInt(dateNsec).putLong(vmClock).putInt((int) vmStateSize)
                    .putInt(ex.length).put(ex).put(idb).put(nb);
            return b.array();
        }
    }

    private static <V> LinkedHashMap<Long, V> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, V> e) {
                return size() > max;
            }
        };
    }

    private Qcow2Image(ImageFile file, String nodeName, OpenOptions o, Set<ImageFile.Perm> perm,
                       Set<ImageFile.Perm> unshared, Set<Path> chain) {
        this.file = file;
        this.nodeName = nodeName;
        this.readOnly = o.readOnly();
        this.options = o;
        this.perm = perm;
        this.unshared = unshared;
        this.chain = chain;
    }

    static Qcow2Image open(ImageFile file, String nodeName, OpenOptions o, Set<ImageFile.Perm> perm,
                           Set<ImageFile.Perm> unshared, Set<Path> chain) throws IOException {
        Qcow2Image img = new Qcow2Image(file, nodeName, o, perm, unshared, chain);
        try {
            if (o.inactive()) {
                // the header only (size, backing file): the tables belong to whoever holds the image now
                img.loadHeader();
                img.openBacking();
                img.active = false;
                return img;
            }
            file.setPermissions(perm, unshared);
            img.load();
            img.openBacking();
            if (!img.readOnly) img.prepareForWriting();
            return img;
        } catch (IOException | RuntimeException e) {
            if (img.backing != null) {
                try {
                    img.backing.close();
                } catch (IOException s) {
                    e.addSuppressed(s);
                }
            }
            throw e;
        }
    }

    /** Opens a qcow2 image (a shorthand for {@link Images#open} with the format given). */
    public static Qcow2Image open(Path path, OpenOptions o) throws IOException {
        return (Qcow2Image) Images.open(path, o.withFormat("qcow2"));
    }

    // ------------------------------------------------------------------ metadata loading

    private void load() throws IOException {
        loadHeader();

        long needL1 = l1EntriesFor(size);
        if (h.l1Size > MAX_L1_BYTES / 8) throw new UnsupportedImageException("Active L1 table too large");
        if (needL1 > MAX_L1_BYTES / 8) throw new UnsupportedImageException("Image is too big");
        if (h.l1Size < needL1) throw new CorruptImageException("L1 table is too small");
        if (h.l1Size > 0) checkTable("Active L1 table", h.l1TableOffset, h.l1Size * 8);
        l1 = readLongs(h.l1TableOffset, (int) h.l1Size);

        if (h.refcountTableClusters == 0) throw new CorruptImageException("Image does not contain a reference count table");
        if (h.refcountTableClusters > MAX_REFTABLE_BYTES / cs) throw new UnsupportedImageException("Reference count table too large");
        checkTable("Reference count table", h.refcountTableOffset, h.refcountTableClusters * cs);
        refTable = readLongs(h.refcountTableOffset, (int) (h.refcountTableClusters * cs / 8));

        if (h.nbSnapshots > MAX_SNAPSHOTS) throw new UnsupportedImageException("Too many snapshots");
        snaps.clear();
        snapshotsBytes = 0;
        if (h.nbSnapshots > 0) readSnapshots();

        checkNoOverlap("Active L1 table", h.l1TableOffset, h.l1Size * 8, "reference count table",
                h.refcountTableOffset, h.refcountTableClusters * cs);
        checkNoOverlap("Snapshot table", h.snapshotsOffset, snapshotsBytes, "reference count table",
                h.refcountTableOffset, h.refcountTableClusters * cs);
        checkNoOverlap("Snapshot table", h.snapshotsOffset, snapshotsBytes, "active L1 table",
                h.l1TableOffset, h.l1Size * 8);

        refBlockSet.clear();
        for (long e : refTable) if ((e & REFT_OFFSET_MASK) != 0) refBlockSet.add(e & REFT_OFFSET_MASK);
        l2Set.clear();
        for (long e : l1) if ((e & L1E_OFFSET_MASK) != 0) l2Set.add(e & L1E_OFFSET_MASK);
        l2Cache.clear();
        rbCache.clear();
        freeHint = 0;
        zcacheHost = -1;
        zcache = null;
    }

    /** The header and what follows from it; no table is read. */
    private void loadHeader() throws IOException {
        h = Qcow2Header.read(file);
        size = h.size;
        cb = h.clusterBits;
        cs = 1 << cb;
        l2Bits = cb - 3;
        l2Entries = 1 << l2Bits;
        refBits = 1 << h.refcountOrder;
        rbBits = cb + 3 - h.refcountOrder;
        maxRefcount = refBits == 64 ? Long.MAX_VALUE : (1L << refBits) - 1;
    }

    private long l1EntriesFor(long bytes) {
        int shift = cb + l2Bits;
        return (bytes >>> shift) + ((bytes & ((1L << shift) - 1)) != 0 ? 1 : 0);
    }

    private void checkTable(String what, long off, long bytes) throws CorruptImageException {
        if (off < 0 || (off & (cs - 1)) != 0) throw new CorruptImageException(what + " offset 0x" + Long.toHexString(off) + " invalid (unaligned)");
        if (off < cs) throw new CorruptImageException(what + " overlaps the qcow2 header");
        if (bytes < 0 || off > file.length() - bytes)
            throw new CorruptImageException(what + " at 0x" + Long.toHexString(off) + " is past the end of the image file");
    }

    private static void checkNoOverlap(String a, long aOff, long aLen, String b, long bOff, long bLen) throws CorruptImageException {
        if (aLen <= 0 || bLen <= 0) return;
        if (aOff < bOff + bLen && bOff < aOff + aLen) throw new CorruptImageException(a + " overlaps the " + b);
    }

    private long[] readLongs(long off, int n) throws IOException {
        long[] r = new long[n];
        if (n == 0) return r;
        ByteBuffer b = ByteBuffer.allocate(n * 8);
        file.readFully(off, b);
        b.flip().asLongBuffer().get(r);
        return r;
    }

    private void readSnapshots() throws IOException {
        long start = h.snapshotsOffset;
        if ((start & (cs - 1)) != 0 || start < cs) throw new CorruptImageException("Snapshot table offset invalid");
        long end = file.length();
        long p = start;
        for (long i = 0; i < h.nbSnapshots; i++) {
            p = (p + 7) & ~7L;
            if (p - start + 40 > MAX_SNAPSHOTS_BYTES) throw new CorruptImageException("Snapshot table too large");
            if (p + 40 > end) throw new CorruptImageException("Snapshot table is past the end of the image file");
            ByteBuffer hd = ByteBuffer.allocate(40);
            file.readFully(p, hd);
            hd.flip();
            Snap s = new Snap();
            s.l1Offset = hd.getLong();
            s.l1Size = hd.getInt();
            int idLen = hd.getShort() & 0xffff;
            int nameLen = hd.getShort() & 0xffff;
            s.dateSec = Integer.toUnsignedLong(hd.getInt());
            s.dateNsec = hd.getInt();
            s.vmClock = hd.getLong();
            long vm32 = Integer.toUnsignedLong(hd.getInt());
            long extraLen = Integer.toUnsignedLong(hd.getInt());
            if (extraLen > MAX_SNAPSHOT_EXTRA) throw new CorruptImageException("Too much extra metadata in snapshot table entry");
            long total = 40 + extraLen + idLen + nameLen;
            if (p - start + total > MAX_SNAPSHOTS_BYTES) throw new CorruptImageException("Snapshot table too large");
            if (p + total > end) throw new CorruptImageException("Snapshot table is past the end of the image file");
            ByteBuffer rest = ByteBuffer.allocate((int) (total - 40));
            file.readFully(p + 40, rest);
            byte[] r = rest.array();
            s.extra = Arrays.copyOfRange(r, 0, (int) extraLen);
            s.id = new String(r, (int) extraLen, idLen, StandardCharsets.UTF_8);
            s.name = new String(r, (int) extraLen + idLen, nameLen, StandardCharsets.UTF_8);
            ByteBuffer ex = ByteBuffer.wrap(s.extra);
            s.vmStateSize = extraLen >= 8 ? ex.getLong(0) : vm32;
            s.diskSize = extraLen >= 16 ? ex.getLong(8) : size;
            s.icount = extraLen >= 24 ? ex.getLong(16) : -1;
            if (Integer.toUnsignedLong(s.l1Size) > MAX_L1_BYTES / 8) throw new CorruptImageException("Snapshot L1 table too large");
            if (s.l1Size != 0) checkTable("Snapshot L1 table", s.l1Offset, s.l1Size * 8L);
            snaps.add(s);
            p += total;
        }
        snapshotsBytes = p - start;
    }

    private void openBacking() throws IOException {
        if (h.backingFile == null) return;
        Path bp = file.path.resolveSibling(h.backingFile);
        if (chain.size() >= Images.MAX_BACKING_DEPTH) throw new BlockException("Backing chain of '" + file.path + "' is too deep");
        chain.add(realPath(file.path));
        if (chain.contains(realPath(bp)))
            throw new CorruptImageException("Backing file '" + h.backingFile + "' of '" + file.path + "' loops back into its own chain");
        OpenOptions bo = new OpenOptions(Optional.ofNullable(h.backingFormat), true, Optional.empty(), options.locking(),
                options.forceShare(), options.warnings(), options.noFlush(), options.inactive());
        try {
            backing = Images.open(bp, bo, Images.Role.BACKING, chain);
        } catch (BlockException e) {
            throw new BlockException("Could not open backing file: " + e.getMessage(), e);
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private void prepareForWriting() throws IOException {
        if ((h.incompatible & Qcow2Header.INCOMPAT_CORRUPT) != 0)
            throw new CorruptImageException("qcow2: Image is corrupt; cannot be opened read/write");
        if (h.bitmapsExtension && (h.autoclear & Qcow2Header.AUTOCLEAR_BITMAPS) != 0)
            throw new UnsupportedImageException("qcow2 image '" + file.path + "' holds persistent dirty bitmaps, which "
                    + "Ferry cannot keep consistent: open it read-only");
        if ((h.incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0) {
            repairRefcounts();
            commit(true);
            h.incompatible &= ~Qcow2Header.INCOMPAT_DIRTY;
            writeHeaderLong(Qcow2Header.OFF_INCOMPAT, h.incompatible);
            file.flush();
        }
        if (h.version >= 3 && h.autoclear != 0) {
            // an implementation may only write to an image with unknown auto-clear features once it cleared them
            h.autoclear = 0;
            writeHeaderLong(Qcow2Header.OFF_AUTOCLEAR, 0);
        }
    }

    // ------------------------------------------------------------------ BlockDriver

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public String formatName() {
        return "qcow2";
    }

    @Override
    public Path path() {
        return file.path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public Optional<BlockDriver> backing() {
        return Optional.ofNullable(backing);
    }

    /** The backing file name as stored in the header (empty when none). */
    public synchronized Optional<String> backingFileName() {
        return Optional.ofNullable(h.backingFile);
    }

    /** The backing format as stored in the header extension (empty when none). */
    public synchronized Optional<String> backingFormat() {
        return Optional.ofNullable(h.backingFormat);
    }

    public synchronized int clusterSize() {
        return cs;
    }

    /** 2 or 3. */
    public synchronized int version() {
        return h.version;
    }

    public synchronized int refcountBits() {
        return refBits;
    }

    private void checkUsable(boolean write) throws BlockException {
        if (closed) throw new BlockException("Node '" + nodeName + "' is closed");
        if (!active) throw new BlockException("Node '" + nodeName + "' is inactive (migrated away)");
        if (write && readOnly) throw new BlockException("Block node '" + nodeName + "' is read-only");
    }

    private void checkRequest(long offset, long len, boolean write) throws BlockException {
        checkUsable(write);
        if (offset < 0 || len < 0 || offset > size - len)
            throw new BlockException("Request [" + offset + ", +" + len + ") is outside the image '" + file.path
                    + "' of " + size + " bytes");
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        checkRequest(offset, dst.remaining(), false);
        readGuest(offset, dst);
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        checkRequest(offset, src.remaining(), true);
        writeGuest(offset, src);
    }

    @Override
    public synchronized void flush() throws IOException {
        if (closed || !active || readOnly) return;
        commit(true);
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        checkRequest(offset, length, true);
        long end = offset + length;
        long first = alignUp(offset);
        long last = end == size ? alignUp(end) : end & ~(long) (cs - 1);
        for (long g = first; g < last; g += cs) {
            discardCluster(g);
            maybeCommit();
        }
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) throws IOException {
        checkRequest(offset, length, true);
        long end = offset + length;
        long g = offset;
        while (g < end) {
            long clusterStart = g & ~(long) (cs - 1);
            long clusterEnd = clusterStart + cs;
            long stop = Math.min(end, clusterEnd);
            boolean whole = g == clusterStart && (stop == clusterEnd || stop == size);
            if (whole) {
                zeroCluster(clusterStart);
                maybeCommit();
            } else {
                long e = l2EntryFor(g);
                if (!readsAsZero(e)) writeGuest(g, ByteBuffer.allocate((int) (stop - g)));
            }
            g = stop;
        }
    }

    @Override
    public synchronized void resize(long newSize) throws IOException {
        checkUsable(true);
        if (newSize < 0 || (newSize & 511) != 0) throw new BlockException("The new size must be a multiple of 512 bytes");
        if (newSize < size) throw new BlockException("Ferry does not shrink qcow2 images");
        if (newSize == size) return;
        if (h.version < 3 && !snaps.isEmpty()) throw new BlockException("Can't resize a v2 image which has snapshots");
        long need = l1EntriesFor(newSize);
        if (need > MAX_L1_BYTES / 8) throw new BlockException("The image size is too large for file format 'qcow2'");
        if (need > l1.length) growL1(need, true);
        long old = size;
        size = newSize;
        writeHeaderLong(Qcow2Header.OFF_SIZE, newSize);
        h.size = newSize;
        // the new area reads as zeros: no leftover VM state, no backing file data showing through
        long backingEnd = backing == null ? 0 : Math.min(newSize, backing.size());
        long span = 1L << (cb + l2Bits);
        long g = old;
        while (g < newSize) {
            long l1i = g >>> (cb + l2Bits);
            long l1End = Math.min(newSize, (l1i + 1) * span);
            boolean mapped = l1i < l1.length && (l1[(int) l1i] & L1E_OFFSET_MASK) != 0;
            if (mapped || g < backingEnd) {
                long end = mapped ? l1End : Math.min(l1End, backingEnd);
                writeZeroes(g, end - g);
                g = end;
            } else {
                g = l1End;
            }
        }
        commit(true);
    }

    private long alignUp(long v) {
        return (v + cs - 1) & ~(long) (cs - 1);
    }

    @Override
    public synchronized void inactivate() throws IOException {
        if (!active || closed) return;
        if (!readOnly) commit(true);
        file.releaseLocks();
        l1 = new long[0];
        refTable = new long[0];
        snaps.clear();
        l2Cache.clear();
        rbCache.clear();
        refBlockSet.clear();
        l2Set.clear();
        zcacheHost = -1;
        zcache = null;
        active = false;
        if (backing != null) backing.inactivate();
    }

    @Override
    public synchronized void activate() throws IOException {
        if (active || closed) return;
        if (backing != null) backing.activate();
        try {
            file.setPermissions(perm, unshared);
            try {
                file.refreshLength();
                load();
                if (!readOnly) prepareForWriting();
            } catch (IOException | RuntimeException e) {
                try {
                    file.releaseLocks();
                } catch (IOException s) {
                    e.addSuppressed(s);
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            // all or nothing: the backing chain goes back to inactive too
            if (backing != null) {
                try {
                    backing.inactivate();
                } catch (IOException s) {
                    e.addSuppressed(s);
                }
            }
            throw e;
        }
        active = true;
    }

    @Override
    public synchronized boolean isActive() {
        return active;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        IOException first = null;
        try {
            if (active && !readOnly) commit(true);
        } catch (IOException e) {
            first = e;
        }
        closed = true;
        try {
            file.close();
        } catch (IOException e) {
            if (first == null) first = e;
        }
        if (backing != null) {
            try {
                backing.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return "qcow2:" + file.path;
    }

    // ------------------------------------------------------------------ cluster mapping

    private long l2EntryFor(long guest) throws IOException {
        long l1i = guest >>> (cb + l2Bits);
        if (l1i >= l1.length) return 0;
        long off = l1[(int) l1i] & L1E_OFFSET_MASK;
        if (off == 0) return 0;
        return l2Table(off)[l2Index(guest)];
    }

    private int l2Index(long guest) {
        return (int) ((guest >>> cb) & (l2Entries - 1));
    }

    private long[] l2Table(long off) throws IOException {
        long[] t = dirtyL2.get(off);
        if (t != null) return t;
        t = l2Cache.get(off);
        if (t != null) return t;
        if ((off & (cs - 1)) != 0) throw new CorruptImageException("L2 table offset 0x" + Long.toHexString(off) + " unaligned");
        if (off > file.lengthCovering(off + cs) - cs)
            throw new CorruptImageException("L2 table at 0x" + Long.toHexString(off) + " is past the end of the image file");
        String clash = metadataAt(off, cs, true);
        if (clash != null) throw new CorruptImageException("L2 table at 0x" + Long.toHexString(off) + " overlaps the " + clash);
        t = readLongs(off, l2Entries);
        l2Cache.put(off, t);
        return t;
    }

    /** What metadata (other than L2 tables when {@code skipL2}) lies in {@code [off, off+len)}, or null. */
    private String metadataAt(long off, long len, boolean skipL2) {
        long endOff = off + len;
        if (off < cs) return "qcow2 header";
        if (h.l1Size > 0 && off < h.l1TableOffset + alignUp(h.l1Size * 8) && h.l1TableOffset < endOff) return "active L1 table";
        long rtLen = h.refcountTableClusters * cs;
        if (off < h.refcountTableOffset + rtLen && h.refcountTableOffset < endOff) return "refcount table";
        if (snapshotsBytes > 0 && off < h.snapshotsOffset + alignUp(snapshotsBytes) && h.snapshotsOffset < endOff) return "snapshot table";
        for (long c = off; c < endOff; c += cs) {
            long cl = c & ~(long) (cs - 1);
            if (refBlockSet.contains(cl)) return "refcount block";
            if (!skipL2 && l2Set.contains(cl)) return "active L2 table";
        }
        for (Snap s : snaps) {
            if (s.l1Size > 0 && off < s.l1Offset + alignUp(s.l1Size * 8L) && s.l1Offset < endOff) return "snapshot L1 table";
        }
        return null;
    }

    private void checkDataCluster(long host) throws IOException {
        if ((host & (cs - 1)) != 0)
            throw new CorruptImageException("Cluster allocation offset 0x" + Long.toHexString(host) + " unaligned");
        if (host >= file.lengthCovering(host + 1))
            throw new CorruptImageException("Data cluster at 0x" + Long.toHexString(host) + " is past the end of the image file");
    }

    private boolean readsAsZero(long e) {
        if ((e & OFLAG_COMPRESSED) != 0) return false;
        if ((e & OFLAG_ZERO) != 0) return true;
        return (e & L2E_OFFSET_MASK) == 0 && backing == null;
    }

    // ------------------------------------------------------------------ reads

    private void readGuest(long offset, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            int inCl = (int) (offset & (cs - 1));
            int n = Math.min(dst.remaining(), cs - inCl);
            ByteBuffer part = dst.slice(dst.position(), n);
            readInCluster(offset, inCl, part);
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    private static void fillZeros(ByteBuffer b) {
        while (b.hasRemaining()) b.put(ZEROS, 0, Math.min(ZEROS.length, b.remaining()));
    }

    private void readInCluster(long guest, int inCl, ByteBuffer part) throws IOException {
        long e = l2EntryFor(guest);
        if ((e & OFLAG_COMPRESSED) != 0) {
            byte[] d = decompress(e);
            part.put(d, inCl, part.remaining());
            return;
        }
        if ((e & OFLAG_ZERO) != 0) {
            fillZeros(part);
            return;
        }
        long host = e & L2E_OFFSET_MASK;
        if (host == 0) {
            readUnallocated(guest, part);
            return;
        }
        checkDataCluster(host);
        file.readZeroPadded(host + inCl, part);
    }

    private void readUnallocated(long guest, ByteBuffer part) throws IOException {
        if (backing != null) {
            long bsize = backing.size();
            if (guest < bsize) {
                int k = (int) Math.min(part.remaining(), bsize - guest);
                backing.read(guest, part.slice(part.position(), k));
                part.position(part.position() + k);
            }
        }
        fillZeros(part);
    }

    private int compressedOffsetBits() {
        return 62 - (cb - 8);
    }

    /** First and last host cluster index holding a compressed cluster's data. */
    private long[] compressedSpan(long e) {
        int x = compressedOffsetBits();
        long coff = e & ((1L << x) - 1);
        long nsec = ((e >>> x) & ((1L << (cb - 8)) - 1)) + 1;
        long start = coff & ~511L;
        long end = start + nsec * 512;
        return new long[] {coff, end, start >>> cb, (end - 1) >>> cb};
    }

    private byte[] decompress(long e) throws IOException {
        long[] span = compressedSpan(e);
        long coff = span[0];
        if (coff == zcacheHost && zcache != null) return zcache;
        if (coff >= MAX_HOST_OFFSET || coff < cs)
            throw new CorruptImageException("Compressed cluster offset 0x" + Long.toHexString(coff) + " invalid");
        if (coff >= file.lengthCovering(coff + 1))
            throw new CorruptImageException("Compressed cluster at 0x" + Long.toHexString(coff) + " is past the end of the image file");
        int csize = (int) (span[1] - coff);
        byte[] in = new byte[csize + 1]; // one spare byte: raw inflate may want to look past the end
        file.readZeroPadded(coff, ByteBuffer.wrap(in, 0, csize));
        byte[] out = new byte[cs];
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(in);
            int n = 0;
            while (n < cs) {
                int k = inf.inflate(out, n, cs - n);
                if (k == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) break;
                n += k;
            }
            if (n < cs)
                throw new CorruptImageException("Compressed cluster at 0x" + Long.toHexString(coff) + " decompresses to "
                        + n + " bytes instead of " + cs);
        } catch (DataFormatException ex) {
            throw new CorruptImageException("Compressed cluster at 0x" + Long.toHexString(coff) + " cannot be decompressed: "
                    + ex.getMessage(), ex);
        } finally {
            inf.end();
        }
        zcacheHost = coff;
        zcache = out;
        return out;
    }

    // ------------------------------------------------------------------ writes

    private void writeGuest(long offset, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            int inCl = (int) (offset & (cs - 1));
            int n = Math.min(src.remaining(), cs - inCl);
            ByteBuffer part = src.slice(src.position(), n);
            writeInCluster(offset, inCl, part);
            src.position(src.position() + n);
            offset += n;
            maybeCommit();
        }
    }

    private int l1IndexChecked(long guest) throws BlockException {
        long l1i = guest >>> (cb + l2Bits);
        if (l1i >= MAX_L1_BYTES / 8) throw new BlockException("Offset 0x" + Long.toHexString(guest) + " is beyond what a qcow2 L1 table can map");
        return (int) l1i;
    }

    private void writeInCluster(long guest, int inCl, ByteBuffer part) throws IOException {
        int l1i = l1IndexChecked(guest);
        long e = l2EntryFor(guest);
        if (l1i < l1.length && (l1[l1i] & OFLAG_COPIED) != 0 && (e & (OFLAG_COMPRESSED | OFLAG_ZERO)) == 0
                && (e & OFLAG_COPIED) != 0 && (e & L2E_OFFSET_MASK) != 0) {
            long host = e & L2E_OFFSET_MASK;
            checkDataCluster(host);
            String clash = metadataAt(host, cs, false);
            if (clash != null)
                throw new CorruptImageException("Preventing invalid write on metadata (overlaps with " + clash + ")");
            file.writeFully(host + inCl, part);
            return;
        }
        long start = guest & ~(long) (cs - 1);
        byte[] data = new byte[cs];
        if (part.remaining() != cs) readInCluster(start, 0, ByteBuffer.wrap(data));
        part.get(data, inCl, part.remaining());
        replaceCluster(l1i, l2Index(guest), e, data);
    }

    /** Points the guest cluster at a newly allocated cluster holding {@code data}, then drops the old one. */
    private void replaceCluster(int l1i, int l2i, long old, byte[] data) throws IOException {
        writableL2(l1i);
        long host = allocClusters(1);
        file.writeFully(host, ByteBuffer.wrap(data));
        setL2Entry(l1i, l2i, host | OFLAG_COPIED);
        deferRelease(old);
    }

    private void setL2Entry(int l1i, int l2i, long value) throws IOException {
        long off = l1[l1i] & L1E_OFFSET_MASK;
        long[] t = l2Table(off);
        t[l2i] = value;
        dirtyL2.put(off, t);
    }

    private void setL1Entry(int l1i, long value) {
        l1[l1i] = value;
        dirtyL1.add(l1i);
    }

    /**
     * Writes the pending L1/L2 entries once what they point at is durable, then frees what they
     * replaced once they are durable themselves.
     */
    private void commit(boolean durable) throws IOException {
        if (dirtyL2.isEmpty() && dirtyL1.isEmpty() && pendingFree.isEmpty()) {
            if (durable) file.flush();
            return;
        }
        file.flush(); // new clusters' refcounts and contents first
        for (Map.Entry<Long, long[]> e : dirtyL2.entrySet()) {
            writeLongs(e.getKey(), e.getValue());
            l2Cache.put(e.getKey(), e.getValue());
        }
        dirtyL2.clear();
        for (int i : dirtyL1) file.writeFully(h.l1TableOffset + 8L * i, ByteBuffer.allocate(8).putLong(0, l1[i]));
        dirtyL1.clear();
        if (!pendingFree.isEmpty() || durable) file.flush(); // the new pointers before the old clusters may be reused
        List<Long> frees = new ArrayList<>(pendingFree);
        pendingFree.clear();
        for (long c : frees) updateRefcount(c, -1);
    }

    private void maybeCommit() throws IOException {
        if (dirtyL2.size() > MAX_DIRTY_L2 || pendingFree.size() > MAX_PENDING_FREE) commit(false);
    }

    /** The L2 table of L1 entry {@code l1i}, allocated or copied (when shared) so that it may be written. */
    private long[] writableL2(int l1i) throws IOException {
        if (l1i >= l1.length) growL1(l1i + 1L, false);
        long l1e = l1[l1i];
        long off = l1e & L1E_OFFSET_MASK;
        if (off == 0) {
            long n = allocClusters(1);
            long[] t = new long[l2Entries];
            dirtyL2.put(n, t);
            l2Set.add(n);
            setL1Entry(l1i, n | OFLAG_COPIED);
            return t;
        }
        long[] old = l2Table(off);
        if ((l1e & OFLAG_COPIED) != 0) return old;
        long[] copy = old.clone();
        for (int j = 0; j < copy.length; j++) copy[j] = withCopiedFlag(copy[j]);
        long n = allocClusters(1);
        dirtyL2.put(n, copy);
        l2Set.remove(off);
        l2Set.add(n);
        setL1Entry(l1i, n | OFLAG_COPIED);
        pendingFree.add(off >>> cb);
        return copy;
    }

    /** An L2 entry with its COPIED flag set exactly when its cluster's refcount is 1. */
    private long withCopiedFlag(long e) throws IOException {
        if ((e & OFLAG_COMPRESSED) != 0) return e & ~OFLAG_COPIED;
        long host = e & L2E_OFFSET_MASK;
        if (host == 0) return e & ~OFLAG_COPIED;
        return getRefcount(host >>> cb) == 1 ? e | OFLAG_COPIED : e & ~OFLAG_COPIED;
    }

    private void writeLongs(long off, long[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8);
        b.asLongBuffer().put(v);
        file.writeFully(off, b);
    }

    /** Drops the host clusters an L2 entry referenced, once the entry replacing it is durable. */
    private void deferRelease(long e) {
        if ((e & OFLAG_COMPRESSED) != 0) {
            long[] span = compressedSpan(e);
            for (long c = span[2]; c <= span[3]; c++) pendingFree.add(c);
            return;
        }
        long host = e & L2E_OFFSET_MASK;
        if (host != 0) pendingFree.add(host >>> cb);
    }

    private void discardCluster(long g) throws IOException {
        long e = l2EntryFor(g);
        if (e == 0) return; // advisory: unallocated stays as it is
        long target;
        if (h.version >= 3) target = backing != null ? OFLAG_ZERO : 0;
        else if (backing == null) target = 0;
        else return; // version 2 cannot hide the backing file's data
        if ((e & ~OFLAG_COPIED) == target) return;
        setEntryTo(g, e, target);
    }

    private void zeroCluster(long g) throws IOException {
        long e = l2EntryFor(g);
        if (readsAsZero(e) && (e & L2E_OFFSET_MASK) == 0) return;
        if (h.version >= 3) {
            setEntryTo(g, e, backing != null ? OFLAG_ZERO : 0);
        } else if (backing == null) {
            setEntryTo(g, e, 0);
        } else {
            writeGuest(g, ByteBuffer.allocate(cs));
        }
    }

    private void setEntryTo(long g, long old, long target) throws IOException {
        int l1i = l1IndexChecked(g);
        writableL2(l1i);
        setL2Entry(l1i, l2Index(g), target);
        deferRelease(old);
    }

    private void growL1(long minEntries, boolean exact) throws IOException {
        long max = MAX_L1_BYTES / 8;
        if (minEntries > max) throw new BlockException("The L1 table of '" + file.path + "' would exceed 32 MiB");
        long newSize = exact ? minEntries : Math.min(max, Math.max(minEntries, l1.length + (l1.length + 1) / 2));
        if (newSize <= l1.length) return;
        commit(false); // the new table is written whole: no pending entries may point at unwritten tables
        long bytes = newSize * 8;
        int nClusters = (int) ((bytes + cs - 1) >>> cb);
        long off = allocClusters(nClusters);
        long[] n = Arrays.copyOf(l1, (int) newSize);
        ByteBuffer b = ByteBuffer.allocate(nClusters * cs);
        b.asLongBuffer().put(n);
        file.writeFully(off, b);
        file.flush();
        ByteBuffer hb = ByteBuffer.allocate(12).putInt(0, (int) newSize).putLong(4, off);
        file.writeFully(Qcow2Header.OFF_L1, hb);
        file.flush();
        long oldOff = h.l1TableOffset;
        long oldClusters = (l1.length * 8L + cs - 1) >>> cb;
        h.l1TableOffset = off;
        h.l1Size = newSize;
        l1 = n;
        if (oldOff != 0) for (long c = 0; c < oldClusters; c++) updateRefcount((oldOff >>> cb) + c, -1);
    }

    private void writeHeaderLong(int off, long v) throws IOException {
        file.writeFully(off, ByteBuffer.allocate(8).putLong(0, v));
    }

    // ------------------------------------------------------------------ refcounts

    private byte[] refBlock(long off) throws IOException {
        byte[] b = rbCache.get(off);
        if (b != null) return b;
        if ((off & (cs - 1)) != 0) throw new CorruptImageException("Refcount block offset 0x" + Long.toHexString(off) + " unaligned");
        if (off < cs) throw new CorruptImageException("Refcount block overlaps the qcow2 header");
        if (off > file.lengthCovering(off + cs) - cs)
            throw new CorruptImageException("Refcount block at 0x" + Long.toHexString(off) + " is past the end of the image file");
        b = new byte[cs];
        file.readFully(off, ByteBuffer.wrap(b));
        rbCache.put(off, b);
        return b;
    }

    private long rcGet(byte[] b, int i) {
        switch (refBits) {
            case 8:
                return b[i] & 0xffL;
            case 16:
                return ((b[2 * i] & 0xffL) << 8) | (b[2 * i + 1] & 0xffL);
            case 32:
                return ByteBuffer.wrap(b).getInt(4 * i) & 0xffffffffL;
            case 64:
                return ByteBuffer.wrap(b).getLong(8 * i);
            default: {
                int bit = i * refBits;
                return ((b[bit >>> 3] & 0xff) >>> (bit & 7)) & ((1 << refBits) - 1);
            }
        }
    }

    /** Sets entry {@code i}; returns the byte range changed as (start, length). */
    private int[] rcSet(byte[] b, int i, long v) {
        switch (refBits) {
            case 8:
                b[i] = (byte) v;
                return new int[] {i, 1};
            case 16:
                b[2 * i] = (byte) (v >>> 8);
                b[2 * i + 1] = (byte) v;
                return new int[] {2 * i, 2};
            case 32:
                ByteBuffer.wrap(b).putInt(4 * i, (int) v);
                return new int[] {4 * i, 4};
            case 64:
                ByteBuffer.wrap(b).putLong(8 * i, v);
                return new int[] {8 * i, 8};
            default: {
                int bit = i * refBits;
                int mask = ((1 << refBits) - 1) << (bit & 7);
                b[bit >>> 3] = (byte) ((b[bit >>> 3] & ~mask) | (((int) v << (bit & 7)) & mask));
                return new int[] {bit >>> 3, 1};
            }
        }
    }

    private long getRefcount(long cluster) throws IOException {
        long ti = cluster >>> rbBits;
        if (ti >= refTable.length) return 0;
        long bo = refTable[(int) ti] & REFT_OFFSET_MASK;
        if (bo == 0) return 0;
        return rcGet(refBlock(bo), (int) (cluster & ((1L << rbBits) - 1)));
    }

    private void setRefcount(long cluster, long v) throws IOException {
        long ti = cluster >>> rbBits;
        long bo = ti < refTable.length ? refTable[(int) ti] & REFT_OFFSET_MASK : 0;
        if (bo == 0) throw new CorruptImageException("Cluster 0x" + Long.toHexString(cluster << cb) + " has no refcount block");
        byte[] b = refBlock(bo);
        int[] r = rcSet(b, (int) (cluster & ((1L << rbBits) - 1)), v);
        file.writeFully(bo + r[0], ByteBuffer.wrap(b, r[0], r[1]));
        if (v == 0) freed(cluster);
    }

    private void updateRefcount(long cluster, long delta) throws IOException {
        long v = getRefcount(cluster);
        long n = v + delta;
        if (n < 0) throw new CorruptImageException("Refcount of cluster 0x" + Long.toHexString(cluster << cb) + " would drop below 0");
        if (n > maxRefcount || (delta > 0 && n < v))
            throw new BlockException("Refcount of cluster 0x" + Long.toHexString(cluster << cb) + " would overflow ("
                    + refBits + "-bit refcounts): Numerical result out of range");
        setRefcount(cluster, n);
    }

    private void freed(long cluster) {
        if (cluster < freeHint) freeHint = cluster;
        long off = cluster << cb;
        l2Cache.remove(off);
        dirtyL2.remove(off);
        l2Set.remove(off);
        if (zcacheHost >= 0 && (zcacheHost >>> cb) <= cluster && cluster <= ((zcacheHost + cs) >>> cb)) {
            zcacheHost = -1;
            zcache = null;
        }
    }

    private long findFreeRun(int n) throws IOException {
        long c = freeHint;
        long runStart = c;
        long firstFree = -1;
        long limit = MAX_HOST_OFFSET >>> cb;
        while (c - runStart < n) {
            if (c >= limit) throw new BlockException("Image '" + file.path + "' is full (host offsets past 2^56)");
            if (getRefcount(c) == 0) {
                if (firstFree < 0) firstFree = c;
            } else {
                runStart = c + 1;
            }
            c++;
        }
        if (firstFree >= 0) freeHint = firstFree;
        return runStart;
    }

    /** Allocates {@code n} contiguous clusters (refcount 1); returns the host offset of the first. */
    private long allocClusters(int n) throws IOException {
        for (int attempt = 0; attempt < 10000; attempt++) {
            long start = findFreeRun(n);
            if (ensureRefBlocks(start, n)) continue;
            String clash = metadataAt(start << cb, (long) n << cb, false);
            if (clash != null)
                throw new CorruptImageException("Refcounts say cluster 0x" + Long.toHexString(start << cb)
                        + " is free but it holds the " + clash);
            for (int i = 0; i < n; i++) setRefcount(start + i, 1);
            if (start == freeHint) freeHint = start + n;
            return start << cb;
        }
        throw new CorruptImageException("Could not allocate " + n + " cluster(s): refcount structures keep changing");
    }

    /** Makes refcount blocks exist for clusters {@code [start, start+n)}; true if any structure changed. */
    private boolean ensureRefBlocks(long start, int n) throws IOException {
        long first = start >>> rbBits;
        long last = (start + n - 1) >>> rbBits;
        boolean changed = false;
        for (long ti = first; ti <= last; ti++) {
            if (ti >= refTable.length) {
                growRefTable(ti + 1);
                return true;
            }
            if ((refTable[(int) ti] & REFT_OFFSET_MASK) == 0) {
                createRefBlock((int) ti);
                changed = true;
            }
        }
        return changed;
    }

    private void createRefBlock(int ti) throws IOException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            long c = findFreeRun(1);
            String clash = metadataAt(c << cb, cs, false);
            if (clash != null)
                throw new CorruptImageException("Refcounts say cluster 0x" + Long.toHexString(c << cb) + " is free but it holds the " + clash);
            if ((c >>> rbBits) == ti) {
                byte[] b = new byte[cs];
                rcSet(b, (int) (c & ((1L << rbBits) - 1)), 1);
                installRefBlock(ti, c << cb, b);
                return;
            }
            if (ensureRefBlocks(c, 1)) continue;
            setRefcount(c, 1);
            installRefBlock(ti, c << cb, new byte[cs]);
            return;
        }
        throw new CorruptImageException("Could not place a refcount block");
    }

    private void installRefBlock(int ti, long off, byte[] b) throws IOException {
        file.writeFully(off, ByteBuffer.wrap(b));
        rbCache.put(off, b);
        refBlockSet.add(off);
        refTable[ti] = off;
        file.writeFully(h.refcountTableOffset + 8L * ti, ByteBuffer.allocate(8).putLong(0, off));
    }

    /**
     * Moves the refcount table to a larger one at the end of the image, with refcount blocks
     * describing the new table and themselves, then frees the old table.
     */
    private void growRefTable(long neededEntries) throws IOException {
        long rbEntries = 1L << rbBits;
        long coverageEnd = (long) refTable.length << rbBits;
        long fileEnd = (file.length() + cs - 1) >>> cb;
        long e0 = Math.max(fileEnd, coverageEnd);
        long blocks = 0;
        long tableClusters = 0;
        long entries = 0;
        for (int i = 0; i < 64; i++) {
            long endCluster = e0 + blocks + tableClusters;
            long lastIdx = (endCluster - 1) >>> rbBits;
            long ent = Math.max(Math.max(neededEntries, lastIdx + 1), refTable.length + (refTable.length + 1) / 2);
            long tc = (ent * 8 + cs - 1) >>> cb;
            ent = tc * cs / 8;
            long firstIdx = e0 >>> rbBits;
            long nb = ((e0 + blocks + tc - 1) >>> rbBits) - firstIdx + 1;
            if (nb == blocks && tc == tableClusters) {
                entries = ent;
                break;
            }
            blocks = nb;
            tableClusters = tc;
        }
        if (entries == 0) throw new CorruptImageException("Could not size a new refcount table");
        if (tableClusters * cs > MAX_REFTABLE_BYTES)
            throw new BlockException("Image '" + file.path + "' would need a refcount table larger than 8 MiB");
        if ((e0 + blocks + tableClusters) << cb > MAX_HOST_OFFSET) throw new BlockException("Image '" + file.path + "' is full");
        long[] nt = Arrays.copyOf(refTable, (int) entries);
        long firstIdx = e0 >>> rbBits;
        long areaEnd = e0 + blocks + tableClusters;
        for (long k = 0; k < blocks; k++) {
            long ti = firstIdx + k;
            long blockCluster = e0 + k;
            byte[] b = new byte[cs];
            long from = Math.max(e0, ti << rbBits);
            long to = Math.min(areaEnd, (ti + 1) << rbBits);
            for (long c = from; c < to; c++) rcSet(b, (int) (c & (rbEntries - 1)), 1);
            file.writeFully(blockCluster << cb, ByteBuffer.wrap(b));
            rbCache.put(blockCluster << cb, b);
            refBlockSet.add(blockCluster << cb);
            nt[(int) ti] = blockCluster << cb;
        }
        long tableOff = (e0 + blocks) << cb;
        ByteBuffer tb = ByteBuffer.allocate((int) (tableClusters * cs));
        tb.asLongBuffer().put(nt);
        file.writeFully(tableOff, tb);
        file.flush();
        ByteBuffer hb = ByteBuffer.allocate(12).putLong(0, tableOff).putInt(8, (int) tableClusters);
        file.writeFully(Qcow2Header.OFF_REFTABLE, hb);
        file.flush();
        long oldOff = h.refcountTableOffset;
        long oldClusters = h.refcountTableClusters;
        h.refcountTableOffset = tableOff;
        h.refcountTableClusters = tableClusters;
        refTable = nt;
        for (long c = 0; c < oldClusters; c++) updateRefcount((oldOff >>> cb) + c, -1);
    }

    // ------------------------------------------------------------------ snapshots

    /** The snapshot table. */
    public synchronized List<Qcow2Snapshot> snapshots() throws BlockException {
        checkUsable(false);
        List<Qcow2Snapshot> r = new ArrayList<>();
        for (Snap s : snaps) r.add(s.info());
        return r;
    }

    /** Where the VM state area starts (guest offset): the first L1 entry past the virtual disk. */
    public synchronized long vmStateOffset() {
        return l1EntriesFor(size) << (cb + l2Bits);
    }

    /** Writes VM state at {@code pos} of the active VM state area (as QEMU's savevm does before creating the snapshot). */
    public synchronized void writeVmState(long pos, ByteBuffer src) throws IOException {
        checkUsable(true);
        if (pos < 0) throw new BlockException("Negative VM state offset");
        writeGuest(vmStateOffset() + pos, src);
    }

    /** Reads VM state at {@code pos} of the active VM state area (after {@link #applySnapshot}, the snapshot's). */
    public synchronized void readVmState(long pos, ByteBuffer dst) throws IOException {
        checkUsable(false);
        if (pos < 0) throw new BlockException("Negative VM state offset");
        readGuest(vmStateOffset() + pos, dst);
    }

    private Snap find(String idOrName) throws BlockException {
        for (Snap s : snaps) if (s.id.equals(idOrName)) return s;
        for (Snap s : snaps) if (s.name.equals(idOrName)) return s;
        throw new BlockException("Can't find the snapshot '" + idOrName + "'");
    }

    /** Creates a disk-only snapshot dated now, as {@code qemu-img snapshot -c NAME} does. */
    public Qcow2Snapshot createSnapshot(String name) throws IOException {
        Instant now = Instant.now();
        return createSnapshot(name, 0, 0, now.getEpochSecond(), now.getNano(), 0);
    }

    /**
     * Creates an internal snapshot of the active state. The VM state (when {@code vmStateSize > 0})
     * must already be written with {@link #writeVmState}; it becomes the snapshot's, and the active
     * image drops it (as QEMU does, so the next snapshot does not copy it).
     */
    public synchronized Qcow2Snapshot createSnapshot(String name, long vmStateSize, long vmClockNanos, long dateSeconds,
                                                     int dateNanos, long icount) throws IOException {
        checkUsable(true);
        if (name.getBytes(StandardCharsets.UTF_8).length > 0xffff) throw new BlockException("Snapshot name too long");
        commit(true);
        if (snaps.size() >= MAX_SNAPSHOTS) throw new BlockException("Too many snapshots (the limit is " + MAX_SNAPSHOTS + ")");
        long max = 0;
        for (Snap s : snaps) {
            try {
                max = Math.max(max, Long.parseLong(s.id));
            } catch (NumberFormatException e) {
                // a non-numeric ID takes no part in numbering
            }
        }
        Snap s = new Snap();
        s.id = Long.toString(max + 1);
        s.name = name;
        s.dateSec = dateSeconds;
        s.dateNsec = dateNanos;
        s.vmClock = vmClockNanos;
        s.vmStateSize = vmStateSize;
        s.diskSize = size;
        s.icount = icount;
        s.l1Size = l1.length;
        // the copy of the active L1 table
        long[] copy = l1.clone();
        long l1Clusters = (copy.length * 8L + cs - 1) >>> cb;
        s.l1Offset = copy.length == 0 ? 0 : allocClusters((int) l1Clusters);
        if (copy.length > 0) {
            ByteBuffer b = ByteBuffer.allocate((int) (l1Clusters * cs));
            b.asLongBuffer().put(copy);
            file.writeFully(s.l1Offset, b);
        }
        try {
            adjustTree(copy, +1);
        } catch (IOException | RuntimeException e) {
            freeRange(s.l1Offset, l1Clusters);
            throw e;
        }
        fixCopiedFlags();
        snaps.add(s);
        try {
            writeSnapshotTable();
        } catch (IOException | RuntimeException e) {
            snaps.remove(s);
            throw e;
        }
        if (vmStateSize > 0) dropActiveVmState(vmStateSize);
        commit(true);
        return s.info();
    }

    /** Removes a snapshot (by ID, else by name) and frees what only it used. */
    public synchronized void deleteSnapshot(String idOrName) throws IOException {
        checkUsable(true);
        Snap s = find(idOrName);
        commit(true);
        long[] sl1 = readLongs(s.l1Offset, s.l1Size);
        snaps.remove(s);
        try {
            writeSnapshotTable();
        } catch (IOException | RuntimeException e) {
            snaps.add(s);
            throw e;
        }
        adjustTree(sl1, -1);
        freeRange(s.l1Offset, (s.l1Size * 8L + cs - 1) >>> cb);
        fixCopiedFlags();
        commit(true);
    }

    /** Makes a snapshot's state the active one (QEMU's snapshot "goto", {@code qemu-img snapshot -a}). */
    public synchronized void applySnapshot(String idOrName) throws IOException {
        checkUsable(true);
        Snap s = find(idOrName);
        if (s.diskSize != size) throw new UnsupportedImageException("qcow2: Loading snapshots with different disk size is not supported");
        commit(true);
        long[] sl1 = readLongs(s.l1Offset, s.l1Size);
        if (sl1.length > l1.length) growL1(sl1.length, true);
        adjustTree(sl1, +1);
        file.flush();
        long[] old = l1;
        long[] nl1 = new long[old.length];
        for (int i = 0; i < sl1.length; i++) nl1[i] = sl1[i] & ~OFLAG_COPIED;
        writeLongs(h.l1TableOffset, nl1);
        file.flush();
        l1 = nl1;
        l2Set.clear();
        for (long e : l1) if ((e & L1E_OFFSET_MASK) != 0) l2Set.add(e & L1E_OFFSET_MASK);
        adjustTree(old, -1);
        fixCopiedFlags();
        commit(true);
    }

    private void freeRange(long off, long clusters) throws IOException {
        if (off == 0) return;
        for (long c = 0; c < clusters; c++) updateRefcount((off >>> cb) + c, -1);
    }

    /** Adds {@code delta} to the refcount of every L2 table and cluster an L1 table reaches; undone on failure. */
    private void adjustTree(long[] table, int delta) throws IOException {
        List<Long> done = new ArrayList<>();
        try {
            for (long l1e : table) {
                long off = l1e & L1E_OFFSET_MASK;
                if (off == 0) continue;
                long[] t = l2Table(off).clone();
                for (long e : t) {
                    if ((e & OFLAG_COMPRESSED) != 0) {
                        long[] span = compressedSpan(e);
                        for (long c = span[2]; c <= span[3]; c++) {
                            updateRefcount(c, delta);
                            done.add(c);
                        }
                    } else if ((e & L2E_OFFSET_MASK) != 0) {
                        long c = (e & L2E_OFFSET_MASK) >>> cb;
                        updateRefcount(c, delta);
                        done.add(c);
                    }
                }
                updateRefcount(off >>> cb, delta);
                done.add(off >>> cb);
            }
        } catch (IOException | RuntimeException e) {
            if (delta > 0) {
                for (int i = done.size() - 1; i >= 0; i--) {
                    try {
                        updateRefcount(done.get(i), -delta);
                    } catch (IOException s) {
                        e.addSuppressed(s);
                        break;
                    }
                }
            }
            throw e;
        }
    }

    /** Sets the COPIED flags of the active L1 table and its L2 tables from the refcounts. */
    private void fixCopiedFlags() throws IOException {
        for (int i = 0; i < l1.length; i++) {
            long off = l1[i] & L1E_OFFSET_MASK;
            if (off == 0) continue;
            long want = getRefcount(off >>> cb) == 1 ? off | OFLAG_COPIED : off;
            if (l1[i] != want) setL1Entry(i, want);
            long[] t = l2Table(off);
            for (int j = 0; j < t.length; j++) {
                long w = withCopiedFlag(t[j]);
                if (w != t[j]) {
                    t[j] = w;
                    file.writeFully(off + 8L * j, ByteBuffer.allocate(8).putLong(0, w));
                }
            }
        }
    }

    /** Takes the VM state out of the active L1 table (whole L1 entries past the virtual disk). */
    private void dropActiveVmState(long vmStateSize) throws IOException {
        long first = vmStateOffset() >>> (cb + l2Bits);
        long last = Math.min(l1.length, l1EntriesFor(vmStateOffset() + vmStateSize));
        List<Long> dropped = new ArrayList<>();
        for (long i = first; i < last; i++) {
            long off = l1[(int) i] & L1E_OFFSET_MASK;
            if (off == 0) continue;
            dropped.add(l1[(int) i]);
            setL1Entry((int) i, 0);
            l2Set.remove(off);
        }
        commit(true); // the L1 entries are gone for good before their trees lose a reference
        for (long e : dropped) adjustTree(new long[] {e}, -1);
    }

    private void writeSnapshotTable() throws IOException {
        List<byte[]> parts = new ArrayList<>();
        long total = 0;
        for (Snap s : snaps) {
            byte[] b = s.encode();
            parts.add(b);
            total += b.length;
        }
        if (total > MAX_SNAPSHOTS_BYTES) throw new BlockException("Snapshot table too large");
        long clusters = (total + cs - 1) >>> cb;
        long off = 0;
        if (!snaps.isEmpty()) {
            off = allocClusters((int) clusters);
            ByteBuffer b = ByteBuffer.allocate((int) (clusters * cs));
            for (byte[] p : parts) b.put(p);
            b.clear();
            file.writeFully(off, b);
            file.flush();
        }
        ByteBuffer hb = ByteBuffer.allocate(12).putInt(0, snaps.size()).putLong(4, off);
        file.writeFully(Qcow2Header.OFF_SNAPSHOTS, hb);
        file.flush();
        long oldOff = h.snapshotsOffset;
        long oldClusters = (snapshotsBytes + cs - 1) >>> cb;
        boolean hadTable = h.nbSnapshots > 0;
        h.snapshotsOffset = off;
        h.nbSnapshots = snaps.size();
        snapshotsBytes = total;
        if (hadTable) freeRange(oldOff, oldClusters);
    }

    // ------------------------------------------------------------------ check and repair

    /**
     * The outcome of {@link #check()}: like {@code qemu-img check}, corruptions are refcounts lower
     * than the references (or wrong COPIED flags, or metadata pointing outside the file), leaks are
     * refcounts higher than the references.
     */
    public record CheckResult(long corruptions, long leaks, List<String> messages) {
        public boolean clean() {
            return corruptions == 0 && leaks == 0;
        }
    }

    /** Recomputes every refcount from the metadata and compares with the stored ones. */
    public synchronized CheckResult check() throws IOException {
        checkUsable(false);
        if (!readOnly) commit(false);
        Map<Long, Long> ref = new HashMap<>();
        List<String> msgs = new ArrayList<>();
        long[] corrupt = {0};
        countReferences(ref, msgs, corrupt);
        long leaks = 0;
        Set<Long> all = new HashSet<>(ref.keySet());
        for (int ti = 0; ti < refTable.length; ti++) {
            long bo = refTable[ti] & REFT_OFFSET_MASK;
            if (bo == 0) continue;
            byte[] b;
            try {
                b = refBlock(bo);
            } catch (CorruptImageException e) {
                continue;
            }
            for (int i = 0; i < (1 << rbBits); i++) if (rcGet(b, i) != 0) all.add(((long) ti << rbBits) + i);
        }
        for (long c : all) {
            long stored = getRefcount(c);
            long want = ref.getOrDefault(c, 0L);
            if (stored < want) {
                corrupt[0]++;
                msgs.add("ERROR cluster " + c + " refcount=" + stored + " reference=" + want);
            } else if (stored > want) {
                leaks++;
                msgs.add("Leaked cluster " + c + " refcount=" + stored + " reference=" + want);
            }
        }
        // COPIED flags of the active tables
        for (long l1e : l1) {
            long off = l1e & L1E_OFFSET_MASK;
            if (off == 0) continue;
            if ((getRefcount(off >>> cb) == 1) != ((l1e & OFLAG_COPIED) != 0)) {
                corrupt[0]++;
                msgs.add("ERROR OFLAG_COPIED L2 cluster: l1_entry=" + Long.toHexString(l1e));
            }
            long[] t;
            try {
                t = l2Table(off);
            } catch (CorruptImageException e) {
                continue;
            }
            for (long e : t) {
                if ((e & OFLAG_COMPRESSED) != 0 || (e & L2E_OFFSET_MASK) == 0) continue;
                if ((getRefcount((e & L2E_OFFSET_MASK) >>> cb) == 1) != ((e & OFLAG_COPIED) != 0)) {
                    corrupt[0]++;
                    msgs.add("ERROR OFLAG_COPIED data cluster: l2_entry=" + Long.toHexString(e));
                }
            }
        }
        return new CheckResult(corrupt[0], leaks, msgs);
    }

    private void countReferences(Map<Long, Long> ref, List<String> msgs, long[] corrupt) throws IOException {
        inc(ref, 0, cs);
        if (l1.length > 0) inc(ref, h.l1TableOffset, l1.length * 8L);
        inc(ref, h.refcountTableOffset, h.refcountTableClusters * cs);
        for (long e : refTable) {
            long bo = e & REFT_OFFSET_MASK;
            if (bo == 0) continue;
            if ((bo & (cs - 1)) != 0 || bo >= file.length()) {
                corrupt[0]++;
                msgs.add("ERROR refcount block at 0x" + Long.toHexString(bo) + " is unaligned or outside the image");
                continue;
            }
            inc(ref, bo, cs);
        }
        if (h.nbSnapshots > 0) inc(ref, h.snapshotsOffset, snapshotsBytes);
        for (Snap s : snaps) {
            if (s.l1Size == 0) continue;
            inc(ref, s.l1Offset, s.l1Size * 8L);
            countTree(readLongs(s.l1Offset, s.l1Size), ref, msgs, corrupt);
        }
        countTree(l1, ref, msgs, corrupt);
    }

    private void countTree(long[] table, Map<Long, Long> ref, List<String> msgs, long[] corrupt) throws IOException {
        for (long l1e : table) {
            long off = l1e & L1E_OFFSET_MASK;
            if (off == 0) continue;
            long[] t;
            try {
                t = l2Table(off);
            } catch (CorruptImageException e) {
                corrupt[0]++;
                msgs.add("ERROR " + e.getMessage());
                continue;
            }
            inc(ref, off, cs);
            for (long e : t) {
                if ((e & OFLAG_COMPRESSED) != 0) {
                    long[] span = compressedSpan(e);
                    for (long c = span[2]; c <= span[3]; c++) ref.merge(c, 1L, Long::sum);
                } else if ((e & L2E_OFFSET_MASK) != 0) {
                    long host = e & L2E_OFFSET_MASK;
                    if ((host & (cs - 1)) != 0) {
                        corrupt[0]++;
                        msgs.add("ERROR offset=" + Long.toHexString(host) + ": Cluster is not properly aligned; L2 entry corrupted.");
                        continue;
                    }
                    ref.merge(host >>> cb, 1L, Long::sum);
                }
            }
        }
    }

    private void inc(Map<Long, Long> ref, long off, long len) {
        if (len <= 0) return;
        for (long c = off >>> cb; c <= (off + len - 1) >>> cb; c++) ref.merge(c, 1L, Long::sum);
    }

    /**
     * Recomputes the refcounts and writes the right ones (what an image left dirty by lazy
     * refcounts needs before it may be written). Refuses when a refcount block is missing for a
     * used cluster: {@code qemu-img check -r all} rebuilds those.
     */
    private void repairRefcounts() throws IOException {
        Map<Long, Long> ref = new HashMap<>();
        List<String> msgs = new ArrayList<>();
        long[] corrupt = {0};
        countReferences(ref, msgs, corrupt);
        if (corrupt[0] != 0)
            throw new CorruptImageException("qcow2 image '" + file.path + "' was not closed cleanly (dirty bit) and its metadata is "
                    + "inconsistent (" + msgs.get(0) + "); run 'qemu-img check -r all' on it");
        for (Map.Entry<Long, Long> e : ref.entrySet()) {
            long c = e.getKey();
            long ti = c >>> rbBits;
            if (ti >= refTable.length || (refTable[(int) ti] & REFT_OFFSET_MASK) == 0)
                throw new CorruptImageException("qcow2 image '" + file.path + "' was not closed cleanly (dirty bit) and cluster 0x"
                        + Long.toHexString(c << cb) + " has no refcount block; run 'qemu-img check -r all' on it");
            if (e.getValue() > maxRefcount) throw new CorruptImageException("Refcount overflow in '" + file.path + "'");
        }
        for (int ti = 0; ti < refTable.length; ti++) {
            long bo = refTable[ti] & REFT_OFFSET_MASK;
            if (bo == 0) continue;
            byte[] b = refBlock(bo);
            for (int i = 0; i < (1 << rbBits); i++) {
                long c = ((long) ti << rbBits) + i;
                long want = ref.getOrDefault(c, 0L);
                if (rcGet(b, i) != want) setRefcount(c, want);
            }
        }
        fixCopiedFlags();
    }

    // ------------------------------------------------------------------ creation

    /** Creates a qcow2 image as {@code qemu-img create -f qcow2} does (same layout: header, refcount table, refcount block, L1). */
    public static void create(Path path, Qcow2CreateOptions o) throws IOException {
        int cs = o.clusterSize();
        if (cs < 512 || cs > (2 << 20) || Integer.bitCount(cs) != 1)
            throw new BlockException("Cluster size must be a power of two between 512 and 2048k");
        int cbits = Integer.numberOfTrailingZeros(cs);
        if (o.version() != 2 && o.version() != 3) throw new BlockException("Invalid qcow2 version " + o.version());
        int rb = o.refcountBits();
        if (rb < 1 || rb > 64 || Integer.bitCount(rb) != 1) throw new BlockException("Refcount width must be a power of two and may not exceed 64 bits");
        if (o.version() == 2 && rb != 16)
            throw new BlockException("Different refcount widths than 16 bits require compatibility level 1.1 or above (use compat=1.1 or greater)");
        int order = Integer.numberOfTrailingZeros(rb);
        long size = o.size();
        String backingFmt = o.backingFormat().orElse(null);
        if (o.backingFile().isPresent()) {
            Path bp = path.resolveSibling(o.backingFile().get());
            if (backingFmt == null) backingFmt = Images.probe(bp);
            if (size < 0) {
                OpenOptions bo = OpenOptions.defaults().withFormat(backingFmt).withReadOnly(true).withForceShare(true)
                        .withWarnings(m -> { });
                try (BlockDriver b = Images.open(bp, bo, Images.Role.BACKING, new HashSet<>())) {
                    size = b.size();
                }
            }
        }
        if (size < 0) throw new BlockException("Image creation needs a size parameter");
        size = (size + 511) & ~511L;
        int l2Bits = cbits - 3;
        long l1Entries = (size + (1L << (cbits + l2Bits)) - 1) >>> (cbits + l2Bits);
        if (l1Entries * 8 > MAX_L1_BYTES)
            throw new BlockException("The image size is too large for file format 'qcow2' (try using a larger cluster size)");

        // the header cluster
        ByteBuffer c0 = ByteBuffer.allocate(cs);
        c0.put(Qcow2Header.encodeNew(o.version(), cbits, size, order, 0, 0));
        if (backingFmt != null && o.backingFile().isPresent()) {
            byte[] f = backingFmt.getBytes(StandardCharsets.UTF_8);
            c0.putInt(Qcow2Header.EXT_BACKING_FORMAT).putInt(f.length).put(f);
            c0.position((c0.position() + 7) & ~7);
        }
        if (o.version() >= 3) {
            String[][] features = {
                    {"0", "0", "dirty bit"}, {"0", "1", "corrupt bit"}, {"0", "2", "external data file"},
                    {"0", "3", "compression type"}, {"0", "4", "extended L2 entries"}, {"1", "0", "lazy refcounts"},
                    {"2", "0", "bitmaps"}, {"2", "1", "raw external data"}};
            c0.putInt(Qcow2Header.EXT_FEATURE_TABLE).putInt(features.length * 48);
            for (String[] f : features) {
                byte[] entry = new byte[48];
                entry[0] = (byte) Integer.parseInt(f[0]);
                entry[1] = (byte) Integer.parseInt(f[1]);
                byte[] n = f[2].getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(n, 0, entry, 2, n.length);
                c0.put(entry);
            }
        }
        c0.putInt(Qcow2Header.EXT_END).putInt(0);
        if (o.backingFile().isPresent()) {
            byte[] name = o.backingFile().get().getBytes(StandardCharsets.UTF_8);
            if (name.length > 1023) throw new BlockException("Backing file name too long");
            if (c0.remaining() < name.length) throw new BlockException("Backing file name too long for the cluster size");
            c0.putLong(8, c0.position()).putInt(16, name.length);
            c0.put(name);
        }

        // layout: header, refcount table, refcount blocks, L1 table
        long l1Clusters = (l1Entries * 8 + cs - 1) >>> cbits;
        long rbEntries = (long) cs * 8 / rb;
        long rtClusters = 1;
        long blocks = 1;
        for (int i = 0; i < 64; i++) {
            long total = 1 + rtClusters + blocks + l1Clusters;
            long nb = (total + rbEntries - 1) / rbEntries;
            long nr = (nb * 8 + cs - 1) >>> cbits;
            if (nb == blocks && nr == rtClusters) break;
            blocks = nb;
            rtClusters = nr;
        }
        long total = 1 + rtClusters + blocks + l1Clusters;
        long rtOff = (long) cs;
        long blocksOff = (1 + rtClusters) * cs;
        long l1Off = l1Entries == 0 ? 0 : (1 + rtClusters + blocks) * cs;
        c0.putInt(36, (int) l1Entries).putLong(40, l1Off);
        c0.putLong(48, rtOff).putInt(56, (int) rtClusters);

        ImageFile f = ImageFile.create(path, OpenOptions.Locking.AUTO);
        try (f) {
            f.setPermissions(EnumSet.of(ImageFile.Perm.CONSISTENT_READ, ImageFile.Perm.WRITE, ImageFile.Perm.RESIZE),
                    EnumSet.of(ImageFile.Perm.WRITE, ImageFile.Perm.RESIZE));
            f.truncate(0);
            c0.clear();
            f.writeFully(0, c0);
            ByteBuffer rt = ByteBuffer.allocate((int) (rtClusters * cs));
            for (long k = 0; k < blocks; k++) rt.putLong((int) (8 * k), blocksOff + k * cs);
            f.writeFully(rtOff, rt);
            for (long k = 0; k < blocks; k++) {
                ByteBuffer b = ByteBuffer.allocate(cs);
                long from = k * rbEntries;
                long to = Math.min(total, from + rbEntries);
                byte[] arr = b.array();
                for (long c = from; c < to; c++) {
                    int i = (int) (c - from);
                    switch (rb) {
                        case 64 -> b.putLong(8 * i, 1);
                        case 32 -> b.putInt(4 * i, 1);
                        case 16 -> b.putShort(2 * i, (short) 1);
                        case 8 -> arr[i] = 1;
                        default -> {
                            int bit = i * rb;
                            arr[bit >>> 3] |= (byte) (1 << (bit & 7));
                        }
                    }
                }
                f.writeFully(blocksOff + k * cs, b);
            }
            if (l1Clusters > 0) {
                for (long k = 0; k < l1Clusters; k++) f.writeFully(l1Off + k * cs, ByteBuffer.allocate(cs));
            }
            f.flush();
        }
    }
}
