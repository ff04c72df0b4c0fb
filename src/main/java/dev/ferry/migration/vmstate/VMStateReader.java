package dev.ferry.migration.vmstate;

/**
 * Where a section body comes from: QEMU's {@code qemu_get_*} / {@code qemu_peek_*}
 * primitives. Running out of input throws {@link VMStateException} ("unexpected end of
 * stream"); peeking past the end answers -1 instead, because the subsection loader peeks
 * speculatively (a subsection header needs up to 257 bytes of look-ahead).
 */
public interface VMStateReader {
    /** The next byte, 0..255. */
    int getByte() throws VMStateException;

    /** The byte {@code offset} bytes ahead of the read position (0 = the next one), or -1 past the end. */
    int peekByte(int offset) throws VMStateException;

    /** Reads exactly {@code length} bytes into {@code dst}. */
    void getBuffer(byte[] dst, int offset, int length) throws VMStateException;

    default int getBe16() throws VMStateException {
        return (getByte() << 8) | getByte();
    }

    default int getBe32() throws VMStateException {
        return (getBe16() << 16) | getBe16();
    }

    default long getBe64() throws VMStateException {
        return ((long) getBe32() << 32) | (getBe32() & 0xFFFF_FFFFL);
    }

    default void skip(int n) throws VMStateException {
        for (int i = 0; i < n; i++) getByte();
    }
}
