package dev.ferry.migration.vmstate;

import java.util.Objects;

/** A {@link VMStateReader} over (a slice of) a byte array. */
public final class ByteArrayVMStateReader implements VMStateReader {
    private final byte[] buf;
    private final int start;
    private final int end;
    private int pos;

    public ByteArrayVMStateReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public ByteArrayVMStateReader(byte[] buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.length);
        this.buf = buf;
        this.start = offset;
        this.pos = offset;
        this.end = offset + length;
    }

    private void need(int n) throws VMStateException {
        if (end - pos < n) {
            pos = end; // like a QEMUFile at EOF: nothing more can be read
            throw VMStateException.endOfStream();
        }
    }

    @Override
    public int getByte() throws VMStateException {
        need(1);
        return buf[pos++] & 0xFF;
    }

    @Override
    public int peekByte(int offset) {
        if (offset < 0 || offset >= end - pos) return -1;
        return buf[pos + offset] & 0xFF;
    }

    @Override
    public void getBuffer(byte[] dst, int offset, int length) throws VMStateException {
        Objects.checkFromIndexSize(offset, length, dst.length);
        need(length);
        System.arraycopy(buf, pos, dst, offset, length);
        pos += length;
    }

    @Override
    public int getBe16() throws VMStateException {
        need(2);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    @Override
    public int getBe32() throws VMStateException {
        need(4);
        int v = 0;
        for (int i = 0; i < 4; i++) v = (v << 8) | (buf[pos++] & 0xFF);
        return v;
    }

    @Override
    public long getBe64() throws VMStateException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (buf[pos++] & 0xFF);
        return v;
    }

    @Override
    public void skip(int n) throws VMStateException {
        need(n);
        pos += n;
    }

    /** Bytes not yet read. */
    public int remaining() {
        return end - pos;
    }

    /** Bytes read so far (from the slice's start). */
    public int position() {
        return pos - start;
    }
}
