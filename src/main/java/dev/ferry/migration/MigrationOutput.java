package dev.ferry.migration;

import dev.ferry.migration.vmstate.VMStateException;
import dev.ferry.migration.vmstate.VMStateWriter;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The writing end of a migration stream, as QEMU's QEMUFile: writes are batched in a buffer,
 * bytes are counted, and the first error sticks: once the channel failed, every later write
 * fails at once with that error, so a broken stream stops instead of carrying on.
 */
public final class MigrationOutput implements VMStateWriter, AutoCloseable {
    private final OutputStream out;
    private final byte[] buf = new byte[256 * 1024];
    private int pos;
    private long transferred;
    private IOException error;

    public MigrationOutput(OutputStream out) {
        this.out = out;
    }

    /** Bytes handed to the channel so far plus those still buffered. */
    public long bytesWritten() {
        return transferred + pos;
    }

    public IOException error() {
        return error;
    }

    private VMStateException fail() {
        return new VMStateException("migration stream: " + (error.getMessage() == null ? error.toString() : error.getMessage()), error);
    }

    @Override
    public void putByte(int b) throws VMStateException {
        if (pos == buf.length) drain();
        buf[pos++] = (byte) b;
    }

    @Override
    public void putBuffer(byte[] src, int offset, int length) throws VMStateException {
        while (length > 0) {
            if (pos == buf.length) drain();
            int n = Math.min(length, buf.length - pos);
            System.arraycopy(src, offset, buf, pos, n);
            pos += n;
            offset += n;
            length -= n;
        }
    }

    @Override
    public void putBe32(int v) throws VMStateException {
        if (buf.length - pos < 4) drain();
        buf[pos] = (byte) (v >>> 24);
        buf[pos + 1] = (byte) (v >>> 16);
        buf[pos + 2] = (byte) (v >>> 8);
        buf[pos + 3] = (byte) v;
        pos += 4;
    }

    @Override
    public void putBe64(long v) throws VMStateException {
        putBe32((int) (v >>> 32));
        putBe32((int) v);
    }

    private void drain() throws VMStateException {
        if (error != null) throw fail();
        try {
            out.write(buf, 0, pos);
        } catch (IOException e) {
            error = e;
            throw fail();
        }
        transferred += pos;
        pos = 0;
    }

    /** Pushes everything buffered to the channel. */
    public void flush() throws VMStateException {
        drain();
        try {
            out.flush();
        } catch (IOException e) {
            error = e;
            throw fail();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (error == null) flush();
        } catch (VMStateException e) {
            // the error is kept in 'error'
        } finally {
            out.close();
        }
        if (error != null) throw error;
    }
}
