package dev.ferry.migration;

import dev.ferry.migration.vmstate.VMStateException;
import dev.ferry.migration.vmstate.VMStateReader;
import java.io.IOException;
import java.io.InputStream;

/** The reading end of a migration stream: buffered, with the look-ahead that subsection headers need. */
public final class MigrationInput implements VMStateReader, AutoCloseable {
    private final InputStream in;
    private final byte[] buf = new byte[256 * 1024];
    private int pos, limit;
    private long consumed;
    private boolean eof;

    public MigrationInput(InputStream in) {
        this.in = in;
    }

    /** Bytes read so far (the stream offset of the next byte). */
    public long position() {
        return consumed + pos;
    }

    /** Makes at least {@code n} bytes available; false at the end of the stream. */
    private boolean fill(int n) throws VMStateException {
        if (limit - pos >= n) return true;
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            consumed += pos;
            pos = 0;
        }
        while (limit < n && !eof) {
            int r;
            try {
                r = in.read(buf, limit, buf.length - limit);
            } catch (IOException e) {
                throw new VMStateException("migration stream: " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
            }
            if (r < 0) eof = true;
            else limit += r;
        }
        return limit - pos >= n;
    }

    private VMStateException truncated() {
        return new VMStateException("unexpected end of migration stream at offset " + position());
    }

    @Override
    public int getByte() throws VMStateException {
        if (!fill(1)) throw truncated();
        return buf[pos++] & 0xff;
    }

    @Override
    public int peekByte(int offset) throws VMStateException {
        if (offset >= buf.length) return -1;
        if (!fill(offset + 1)) return -1;
        return buf[pos + offset] & 0xff;
    }

    @Override
    public void getBuffer(byte[] dst, int offset, int length) throws VMStateException {
        while (length > 0) {
            if (!fill(1)) throw truncated();
            int n = Math.min(length, limit - pos);
            System.arraycopy(buf, pos, dst, offset, n);
            pos += n;
            offset += n;
            length -= n;
        }
    }

    @Override
    public int getBe32() throws VMStateException {
        if (!fill(4)) throw truncated();
        int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    @Override
    public long getBe64() throws VMStateException {
        return ((long) getBe32() << 32) | (getBe32() & 0xffffffffL);
    }

    /** True when the stream has ended exactly here. */
    public boolean atEnd() throws VMStateException {
        return !fill(1);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
