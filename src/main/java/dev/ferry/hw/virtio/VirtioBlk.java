package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;

import dev.ferry.migration.vmstate.VMStateDescription;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * virtio-blk (device ID 2) as QEMU 7.2's {@code virtio-blk-device} presents a drive: one request
 * queue of 256, the feature bits SEG_MAX, GEOMETRY, BLK_SIZE, TOPOLOGY, FLUSH, CONFIG_WCE,
 * DISCARD and WRITE_ZEROES (RO for a read-only drive; the legacy interface adds SCSI and drops
 * ANY_LAYOUT, as QEMU does), and QEMU's config space (capacity, seg_max = queue size - 2,
 * size_max 0, a geometry guessed from the size or the MBR, blk_size, writeback, num_queues 1,
 * max_discard_sectors, discard_sector_alignment, max_discard_seg 1, max_write_zeroes_sectors,
 * max_write_zeroes_seg 1, write_zeroes_may_unmap 1).
 *
 * <p>Requests: IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES; SCSI and unknown types complete
 * with UNSUPP. A request outside the disk, not a whole number of logical blocks, or writing a
 * read-only drive completes with IOERR; a request without its 16-byte header or status byte
 * breaks the device (as QEMU's virtio_error). Any descriptor layout is accepted.
 *
 * <p><b>Threads.</b> The vCPU that notifies only takes the chains off the ring; a worker thread
 * per device reads the headers, does the I/O through the {@link BlockBackend} and the DMA, and
 * completes requests in the order they were taken (which the spec allows; FLUSH thereby covers
 * every write taken before it). {@link #drain()} waits until none is in flight: migration calls
 * it (the transport's pre-save does) and a device reset does.
 */
public final class VirtioBlk extends VirtioDevice {
    // request types and status
    static final int T_IN = 0, T_OUT = 1, T_SCSI_CMD = 2, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11,
            T_WRITE_ZEROES = 13;
    static final int T_BARRIER = 0x8000_0000;
    static final int S_OK = 0, S_IOERR = 1, S_UNSUPP = 2;
    static final int WRITE_ZEROES_FLAG_UNMAP = 1;
    static final int ID_BYTES = 20;

    // feature bits
    public static final int F_SIZE_MAX = 1, F_SEG_MAX = 2, F_GEOMETRY = 4, F_RO = 5, F_BLK_SIZE = 6, F_SCSI = 7,
            F_FLUSH = 9, F_TOPOLOGY = 10, F_CONFIG_WCE = 11, F_MQ = 12, F_DISCARD = 13, F_WRITE_ZEROES = 14;

    /** BDRV_REQUEST_MAX_SECTORS: QEMU's largest request, and its default discard/write-zeroes limits. */
    public static final int REQUEST_MAX_SECTORS = Integer.MAX_VALUE >> 9;
    static final int SECTOR_SHIFT = 9;
    private static final int CHUNK = 256 * 1024;

    private static final System.Logger LOG = System.getLogger(VirtioBlk.class.getName());

    /**
     * QEMU's virtio-blk properties: {@code serial}, {@code logical_block_size},
     * {@code queue-size}, the drive's write cache ({@code cache=writeback} is QEMU's default),
     * {@code discard}, {@code write-zeroes}, {@code max-discard-sectors},
     * {@code max-write-zeroes-sectors}.
     */
    public record Options(String serial, int logicalBlockSize, int queueSize, boolean writeCache, boolean discard,
                          boolean writeZeroes, int maxDiscardSectors, int maxWriteZeroesSectors) {
        public Options {
            if (logicalBlockSize < 512 || Integer.bitCount(logicalBlockSize) != 1)
                throw new IllegalArgumentException("logical_block_size must be a power of two >= 512");
            if (queueSize < 3 || queueSize > QUEUE_MAX_SIZE)
                throw new IllegalArgumentException("queue-size must be in 3.." + QUEUE_MAX_SIZE);
        }

        public static Options defaults() {
            return new Options(null, 512, 256, true, true, true, REQUEST_MAX_SECTORS, REQUEST_MAX_SECTORS);
        }

        public Options withSerial(String s) {
            return new Options(s, logicalBlockSize, queueSize, writeCache, discard, writeZeroes, maxDiscardSectors,
                    maxWriteZeroesSectors);
        }

        public Options withWriteCache(boolean wc) {
            return new Options(serial, logicalBlockSize, queueSize, wc, discard, writeZeroes, maxDiscardSectors,
                    maxWriteZeroesSectors);
        }
    }

    private final BlockBackend backend;
    private final Options opts;
    private final int cyls, heads, secs;
    private final ExecutorService worker;

    /** Write cache enabled (the config space's writeback byte); guarded by the transport. */
    private boolean wce;

    private final Object drainLock = new Object();
    private int inflight; // guarded by drainLock

    public VirtioBlk(BlockBackend backend) {
        this(backend, Options.defaults());
    }

    public VirtioBlk(BlockBackend backend, Options opts) {
        this.backend = backend;
        this.opts = opts;
        this.wce = opts.writeCache();
        int[] g = guessGeometry(backend);
        cyls = g[0];
        heads = g[1];
        secs = g[2];
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "virtio-blk-worker");
            t.setDaemon(true);
            return t;
        });
    }

    public BlockBackend backend() {
        return backend;
    }

    public Options options() {
        return opts;
    }

    @Override
    public int deviceId() {
        return ID_BLOCK;
    }

    @Override
    public String name() {
        return "virtio-blk";
    }

    @Override
    protected int[] queueSizes() {
        return new int[] {opts.queueSize()};
    }

    @Override
    protected long deviceFeatures() {
        long f = bit(F_SEG_MAX) | bit(F_GEOMETRY) | bit(F_TOPOLOGY) | bit(F_BLK_SIZE) | bit(F_CONFIG_WCE) | bit(F_FLUSH);
        if (opts.discard()) f |= bit(F_DISCARD);
        if (opts.writeZeroes()) f |= bit(F_WRITE_ZEROES);
        if (backend.isReadOnly()) f |= bit(F_RO);
        return f;
    }

    @Override
    protected long hostFeatures(long common, boolean legacy) {
        long f = common | deviceFeatures();
        if (legacy) f = (f & ~bit(F_ANY_LAYOUT)) | bit(F_SCSI);
        return f;
    }

    // ---------------------------------------------------------------- config space

    private long sectors() {
        return backend.size() >>> SECTOR_SHIFT;
    }

    private int sectorMask() {
        return (opts.logicalBlockSize() >> SECTOR_SHIFT) - 1;
    }

    private int configSize() {
        int size = 36; // up to num_queues
        if (opts.discard()) size = Math.max(size, 48);
        if (opts.writeZeroes()) size = Math.max(size, 57);
        return size;
    }

    @Override
    protected byte[] readConfig() {
        byte[] c = new byte[60];
        int blk = opts.logicalBlockSize();
        GuestMemory.putLe64(c, 0, sectors());
        GuestMemory.putLe32(c, 8, 0); // size_max
        GuestMemory.putLe32(c, 12, opts.queueSize() - 2); // seg_max
        GuestMemory.putLe16(c, 16, cyls);
        c[18] = (byte) heads;
        long length = backend.size();
        c[19] = (byte) (length > 0 && length / heads / secs % blk != 0 ? secs & ~sectorMask() : secs);
        GuestMemory.putLe32(c, 20, blk);
        c[24] = 0; // physical_block_exp
        c[25] = 0; // alignment_offset
        GuestMemory.putLe16(c, 26, 0); // min_io_size
        GuestMemory.putLe32(c, 28, 0); // opt_io_size
        c[32] = (byte) (wce ? 1 : 0);
        GuestMemory.putLe16(c, 34, 1); // num_queues
        if (opts.discard()) {
            GuestMemory.putLe32(c, 36, opts.maxDiscardSectors());
            GuestMemory.putLe32(c, 40, 1); // max_discard_seg
            GuestMemory.putLe32(c, 44, blk >> SECTOR_SHIFT); // discard_sector_alignment
        }
        if (opts.writeZeroes()) {
            GuestMemory.putLe32(c, 48, opts.maxWriteZeroesSectors());
            GuestMemory.putLe32(c, 52, 1); // max_write_zeroes_seg
            c[56] = 1; // write_zeroes_may_unmap
        }
        return java.util.Arrays.copyOf(c, configSize());
    }

    @Override
    protected void writeConfig(int offset, int size, long value) {
        // Only the writeback byte is writable (QEMU applies the config's wce on every write).
        if (offset <= 32 && offset + size > 32 && 32 < configSize()) wce = ((value >>> (8 * (32 - offset))) & 0xff) != 0;
    }

    @Override
    protected void featuresAcked(long features) {
        if ((features & bit(F_CONFIG_WCE)) == 0) wce = (features & bit(F_FLUSH)) != 0;
    }

    /** Whether writes are cached (no flush after each write). */
    public boolean writeCacheEnabled() {
        synchronized (transport) {
            return wce;
        }
    }

    /** QEMU's hd_geometry_guess without translation: the MBR's geometry if it has a usable one, else 16 heads, 63 sectors. */
    static int[] guessGeometry(BlockBackend b) {
        long sectors = b.size() >>> SECTOR_SHIFT;
        if (sectors >= 1) {
            byte[] mbr = new byte[512];
            try {
                b.read(0, mbr, 0, 512);
                if ((mbr[510] & 0xff) == 0x55 && (mbr[511] & 0xff) == 0xaa) {
                    for (int i = 0; i < 4; i++) {
                        int p = 0x1be + 16 * i;
                        long nrSects = GuestMemory.le32(mbr, p + 12) & 0xffffffffL;
                        int endHead = mbr[p + 5] & 0xff;
                        if (nrSects == 0 || endHead == 0) continue;
                        int h = endHead + 1;
                        int s = mbr[p + 6] & 63;
                        if (s == 0) continue;
                        long c = sectors / ((long) h * s);
                        if (c < 1 || c > 16383) continue;
                        if (h > 16) break; // a BIOS translation: use the size-based geometry
                        return new int[] {(int) c, h, s};
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no MBR guess
            }
        }
        long c = sectors / (16 * 63);
        c = Math.max(2, Math.min(16383, c));
        return new int[] {(int) c, 16, 63};
    }

    // ---------------------------------------------------------------- requests

    private record Request(VirtqElement elem, long epoch) {
    }

    @Override
    protected void handleNotify(int q) {
        Virtqueue vq = queue(0);
        do {
            vq.setNotification(false);
            VirtqElement e;
            while ((e = vq.pop()) != null) submit(new Request(e, transport.resetEpoch()));
            vq.setNotification(true);
        } while (!vq.isEmpty());
    }

    private void submit(Request r) {
        synchronized (drainLock) {
            inflight++;
        }
        try {
            worker.execute(() -> serve(r));
        } catch (RejectedExecutionException e) { // closed
            done();
        }
    }

    private void done() {
        synchronized (drainLock) {
            inflight--;
            drainLock.notifyAll();
        }
    }

    /** Requests taken from the queue and not yet completed. */
    public int inflight() {
        synchronized (drainLock) {
            return inflight;
        }
    }

    /** Waits until no request is in flight. Must not be called with the transport's lock held. */
    public void drain() {
        synchronized (drainLock) {
            boolean interrupted = false;
            while (inflight > 0) {
                try {
                    drainLock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    @Override
    protected void quiesce() {
        drain();
    }

    /** On the worker thread: the whole request, then its completion under the transport lock. */
    private void serve(Request r) {
        try {
            String broken = null;
            int status;
            try {
                status = execute(r.elem);
            } catch (VirtioError e) {
                broken = e.getMessage();
                status = -1;
            }
            synchronized (transport) {
                if (r.epoch != transport.resetEpoch()) return; // the device was reset meanwhile
                if (broken != null) {
                    transport.markBroken(broken);
                } else {
                    transport.guard(() -> transport.complete(queue(0), r.elem, r.elem.inBytes()));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "virtio-blk: request failed", e);
        } finally {
            done();
        }
    }

    /** Runs one request; returns the status it completed with (already written to the guest). */
    private int execute(VirtqElement e) {
        var as = transport.addressSpace();
        if (e.outBytes() < 16 || e.inBytes() < 1) throw new VirtioError("request without its header or status byte");
        byte[] hdr = new byte[16];
        e.readOut(as, 0, hdr, 0, 16);
        int type = GuestMemory.le32(hdr, 0);
        long sector = GuestMemory.le64(hdr, 8);
        long dataIn = e.inBytes() - 1;
        long dataOut = e.outBytes() - 16;
        int status;
        switch (type & ~(T_OUT | T_BARRIER)) {
            case T_IN -> status = (type & T_OUT) != 0 ? write(e, sector, dataOut) : read(e, sector, dataIn);
            case T_FLUSH -> status = flush();
            case T_GET_ID -> status = getId(e, dataIn);
            case T_DISCARD & ~T_OUT, T_WRITE_ZEROES & ~T_OUT -> status = discardOrZero(e, type, dataOut);
            default -> status = S_UNSUPP; // SCSI pass-through and unknown requests
        }
        e.writeIn(as, e.inBytes() - 1, new byte[] {(byte) status}, 0, 1);
        return status;
    }

    private boolean rangeOk(long sector, long bytes) {
        long n = bytes >>> SECTOR_SHIFT;
        if (n > REQUEST_MAX_SECTORS) return false;
        if ((sector & sectorMask()) != 0) return false;
        if (bytes % opts.logicalBlockSize() != 0) return false;
        long total = sectors();
        return Long.compareUnsigned(sector, total) <= 0 && n <= total - sector;
    }

    private int read(VirtqElement e, long sector, long bytes) {
        if (!rangeOk(sector, bytes)) return S_IOERR;
        var as = transport.addressSpace();
        byte[] buf = new byte[(int) Math.min(CHUNK, bytes)];
        try {
            for (long pos = 0; pos < bytes; ) {
                int n = (int) Math.min(buf.length, bytes - pos);
                backend.read((sector << SECTOR_SHIFT) + pos, buf, 0, n);
                e.writeIn(as, pos, buf, 0, n);
                pos += n;
            }
            return S_OK;
        } catch (IOException ex) {
            ioError("read", sector, ex);
            return S_IOERR;
        }
    }

    private int write(VirtqElement e, long sector, long bytes) {
        if (!rangeOk(sector, bytes)) return S_IOERR;
        if (backend.isReadOnly()) return S_IOERR;
        var as = transport.addressSpace();
        byte[] buf = new byte[(int) Math.min(CHUNK, bytes)];
        try {
            for (long pos = 0; pos < bytes; ) {
                int n = (int) Math.min(buf.length, bytes - pos);
                e.readOut(as, 16 + pos, buf, 0, n);
                backend.write((sector << SECTOR_SHIFT) + pos, buf, 0, n);
                pos += n;
            }
            if (!writeCacheEnabled()) backend.flush();
            return S_OK;
        } catch (IOException ex) {
            ioError("write", sector, ex);
            return S_IOERR;
        }
    }

    private int flush() {
        try {
            backend.flush();
            return S_OK;
        } catch (IOException ex) {
            ioError("flush", 0, ex);
            return S_IOERR;
        }
    }

    private int getId(VirtqElement e, long room) {
        byte[] serial = (opts.serial() == null ? "" : opts.serial()).getBytes(StandardCharsets.US_ASCII);
        int n = (int) Math.min(serial.length + 1, Math.min(room, ID_BYTES));
        byte[] id = java.util.Arrays.copyOf(serial, n); // NUL-terminated only when shorter than the buffer
        e.writeIn(transport.addressSpace(), 0, id, 0, n);
        return S_OK;
    }

    private int discardOrZero(VirtqElement e, int type, long dataOut) {
        boolean zeroes = (type & ~T_BARRIER) == T_WRITE_ZEROES;
        if ((type & T_OUT) == 0 || dataOut > 16) return S_UNSUPP; // one segment per request, as QEMU
        if (dataOut < 16) throw new VirtioError("discard/write-zeroes request without its segment");
        if (zeroes ? !opts.writeZeroes() : !opts.discard()) return S_UNSUPP;
        byte[] seg = new byte[16];
        e.readOut(transport.addressSpace(), 16, seg, 0, 16);
        long sector = GuestMemory.le64(seg, 0);
        long count = GuestMemory.le32(seg, 8) & 0xffffffffL;
        int flags = GuestMemory.le32(seg, 12);
        long max = (zeroes ? opts.maxWriteZeroesSectors() : opts.maxDiscardSectors()) & 0xffffffffL;
        if (count > max) return S_IOERR;
        long bytes = count << SECTOR_SHIFT;
        if (!rangeOk(sector, bytes)) return S_IOERR;
        if ((flags & ~WRITE_ZEROES_FLAG_UNMAP) != 0) return S_UNSUPP;
        if (!zeroes && (flags & WRITE_ZEROES_FLAG_UNMAP) != 0) return S_UNSUPP;
        if (backend.isReadOnly()) return S_IOERR;
        try {
            if (zeroes) backend.writeZeroes(sector << SECTOR_SHIFT, bytes);
            else backend.discard(sector << SECTOR_SHIFT, bytes);
            if (zeroes && !writeCacheEnabled()) backend.flush();
            return S_OK;
        } catch (IOException ex) {
            ioError(zeroes ? "write-zeroes" : "discard", sector, ex);
            return S_IOERR;
        }
    }

    private void ioError(String what, long sector, IOException ex) {
        LOG.log(Level.WARNING, "virtio-blk: {0} at sector {1} failed: {2}", what, Long.toUnsignedString(sector), ex.toString());
    }

    // ---------------------------------------------------------------- lifecycle and state

    @Override
    protected void reset() {
        wce = opts.writeCache();
    }

    static final VMStateDescription<VirtioBlk> VMSTATE = VMStateDescription.<VirtioBlk>builder("virtio-blk")
            .version(1)
            .bool("wce", b -> b.wce, (b, v) -> b.wce = v)
            .build();

    @Override
    public VMStateDescription<VirtioBlk> vmstate() {
        return VMSTATE;
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) worker.shutdownNow();
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
