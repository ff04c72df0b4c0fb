package dev.ferry.migration.vmstate;

/**
 * Counts the bytes passing through (QEMU measures each field's "size" in the JSON description
 * this way); with a null delegate it only counts, which {@code describe} uses.
 */
final class CountingWriter implements VMStateWriter {
    private final VMStateWriter delegate;
    private long count;

    CountingWriter(VMStateWriter delegate) {
        this.delegate = delegate;
    }

    long count() {
        return count;
    }

    @Override
    public void putByte(int b) throws VMStateException {
        if (delegate != null) delegate.putByte(b);
        count++;
    }

    @Override
    public void putBuffer(byte[] src, int offset, int length) throws VMStateException {
        if (delegate != null) delegate.putBuffer(src, offset, length);
        count += length;
    }

    @Override
    public void putBe16(int v) throws VMStateException {
        if (delegate != null) delegate.putBe16(v);
        count += 2;
    }

    @Override
    public void putBe32(int v) throws VMStateException {
        if (delegate != null) delegate.putBe32(v);
        count += 4;
    }

    @Override
    public void putBe64(long v) throws VMStateException {
        if (delegate != null) delegate.putBe64(v);
        count += 8;
    }
}
