package dev.ferry.migration.vmstate;

import java.util.Arrays;

/** A growable in-memory {@link VMStateWriter}. */
public final class ByteArrayVMStateWriter implements VMStateWriter {
    private byte[] buf;
    private int size;

    public ByteArrayVMStateWriter() {
        this(256);
    }

    public ByteArrayVMStateWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        int need = size + extra;
        if (need < 0) throw new OutOfMemoryError("state larger than 2 GiB");
        if (need > buf.length) buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
    }

    @Override
    public void putByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    @Override
    public void putBuffer(byte[] src, int offset, int length) {
        ensure(length);
        System.arraycopy(src, offset, buf, size, length);
        size += length;
    }

    @Override
    public void putBe16(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    @Override
    public void putBe32(int v) {
        ensure(4);
        for (int s = 24; s >= 0; s -= 8) buf[size++] = (byte) (v >>> s);
    }

    @Override
    public void putBe64(long v) {
        ensure(8);
        for (int s = 56; s >= 0; s -= 8) buf[size++] = (byte) (v >>> s);
    }

    public int size() {
        return size;
    }

    public void reset() {
        size = 0;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
