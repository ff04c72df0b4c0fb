package dev.ferry.migration.vmstate;

/**
 * Where a section body goes: QEMU's {@code qemu_put_*} primitives. Multi-byte values are
 * big-endian. The migration stream implements this over its channel; tests use
 * {@link ByteArrayVMStateWriter}.
 */
public interface VMStateWriter {
    /** Writes the low 8 bits of {@code b}. */
    void putByte(int b) throws VMStateException;

    void putBuffer(byte[] src, int offset, int length) throws VMStateException;

    default void putBuffer(byte[] src) throws VMStateException {
        putBuffer(src, 0, src.length);
    }

    /** Writes the low 16 bits of {@code v}, big-endian. */
    default void putBe16(int v) throws VMStateException {
        putByte(v >>> 8);
        putByte(v);
    }

    default void putBe32(int v) throws VMStateException {
        putBe16(v >>> 16);
        putBe16(v);
    }

    default void putBe64(long v) throws VMStateException {
        putBe32((int) (v >>> 32));
        putBe32((int) v);
    }
}
