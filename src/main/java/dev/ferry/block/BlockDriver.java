package dev.ferry.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An open disk image as a device sees it: a byte-addressed virtual disk of {@link #size()} bytes.
 *
 * <p>Every method is safe to call from any thread; requests are serialised inside the driver
 * (a device issuing them from one worker thread is the expected use). Requests must lie inside
 * {@code [0, size())}; a request outside, a write to a read-only node or any request on an
 * inactive node throws {@link BlockException}. Metadata errors surface as
 * {@link CorruptImageException} and never as wrong data.
 *
 * <p>{@link #inactivate()} and {@link #activate()} are for migration with shared storage: an
 * inactive node holds no write lock and no cached metadata, so the other side may open and write
 * the image; {@code activate()} takes the lock again and reloads the metadata from the file.
 */
public interface BlockDriver extends AutoCloseable {

    /** The node name ({@code node-name=}, or QEMU-style {@code #blockNNN} when none was given). */
    String nodeName();

    /** The format: {@code raw} or {@code qcow2}. */
    String formatName();

    /** The image file. */
    Path path();

    /** Virtual disk size in bytes. */
    long size();

    boolean readOnly();

    /** The backing node, if this format has one and the image names one. */
    default Optional<BlockDriver> backing() {
        return Optional.empty();
    }

    /** Reads {@code dst.remaining()} bytes at {@code offset} into {@code dst}, advancing its position. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes from {@code src} at {@code offset}, advancing its position. */
    void write(long offset, ByteBuffer src) throws IOException;

    default void read(long offset, byte[] buf, int off, int len) throws IOException {
        read(offset, ByteBuffer.wrap(buf, off, len));
    }

    default void write(long offset, byte[] buf, int off, int len) throws IOException {
        write(offset, ByteBuffer.wrap(buf, off, len));
    }

    /** Makes every completed write durable (fdatasync of the image file). */
    void flush() throws IOException;

    /**
     * Tells the image the range is no longer needed. Advisory: the range may then read as
     * zeros or keep its data (parts of clusters that are not whole keep theirs).
     */
    void discard(long offset, long length) throws IOException;

    /** Makes the range read as zeros, deallocating where the format can. */
    void writeZeroes(long offset, long length) throws IOException;

    /**
     * Changes the virtual size (QEMU's {@code block_resize}). Growing makes the new area read as
     * zeros; qcow2 images only grow.
     */
    void resize(long newSize) throws IOException;

    /** Flushes, drops the image lock and every cached piece of metadata; I/O is refused until {@link #activate()}. */
    void inactivate() throws IOException;

    /** Takes the image lock again and reloads the metadata from the file. */
    void activate() throws IOException;

    boolean isActive();

    /** Flushes and closes the image (and its backing chain), releasing the lock. */
    @Override
    void close() throws IOException;
}
