package dev.ferry.migration.vmstate;

import java.io.DataOutput;
import java.io.IOException;

/** A {@link VMStateWriter} over a {@link DataOutput} (which is big-endian, like the stream). */
public final class DataOutputVMStateWriter implements VMStateWriter {
    private final DataOutput out;

    public DataOutputVMStateWriter(DataOutput out) {
        this.out = out;
    }

    private static VMStateException io(IOException e) {
        return new VMStateException("write failed: " + e.getMessage(), e);
    }

    @Override
    public void putByte(int b) throws VMStateException {
        try {
            out.writeByte(b);
        } catch (IOException e) {
            throw io(e);
        }
    }

    @Override
    public void putBuffer(byte[] src, int offset, int length) throws VMStateException {
        try {
            out.write(src, offset, length);
        } catch (IOException e) {
            throw io(e);
        }
    }

    @Override
    public void putBe16(int v) throws VMStateException {
        try {
            out.writeShort(v);
        } catch (IOException e) {
            throw io(e);
        }
    }

    @Override
    public void putBe32(int v) throws VMStateException {
        try {
            out.writeInt(v);
        } catch (IOException e) {
            throw io(e);
        }
    }

    @Override
    public void putBe64(long v) throws VMStateException {
        try {
            out.writeLong(v);
        } catch (IOException e) {
            throw io(e);
        }
    }
}
