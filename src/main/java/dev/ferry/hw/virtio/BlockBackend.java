package dev.ferry.hw.virtio;

import java.io.IOException;

/**
 * The disk image behind a virtio-blk device: byte-addressed, thread-safe enough for one worker
 * thread per device. Failures are {@link IOException}s; the device reports them to the guest
 * as VIRTIO_BLK_S_IOERR.
 */
public interface BlockBackend {
    /** Reads {@code len} bytes at {@code offset} (offset + len never exceeds {@link #size()}). */
    void read(long offset, byte[] buf, int off, int len) throws IOException;

    /** Writes {@code len} bytes at {@code offset}; never called on a read-only backend. */
    void write(long offset, byte[] buf, int off, int len) throws IOException;

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /** The range's contents are no longer needed (they may read back as anything, or unchanged). */
    void discard(long offset, long len) throws IOException;

    /** The range reads back as zeroes afterwards. */
    void writeZeroes(long offset, long len) throws IOException;

    /** Size in bytes. */
    long size();

    boolean isReadOnly();
}
