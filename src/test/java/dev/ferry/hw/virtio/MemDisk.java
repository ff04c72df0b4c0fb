package dev.ferry.hw.virtio;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory disk image for virtio-blk tests, with a gate to make it slow and a switch to make it fail. */
final class MemDisk implements BlockBackend {
    final byte[] data;
    final boolean readOnly;
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger discards = new AtomicInteger();
    final AtomicInteger reads = new AtomicInteger();
    volatile CountDownLatch gate; // when set, reads and writes wait for it
    volatile boolean failing;

    MemDisk(int size, boolean readOnly) {
        this.data = new byte[size];
        this.readOnly = readOnly;
    }

    private void pass() throws IOException {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
        if (failing) throw new IOException("injected failure");
    }

    @Override
    public void read(long offset, byte[] buf, int off, int len) throws IOException {
        reads.incrementAndGet();
        pass();
        System.arraycopy(data, (int) offset, buf, off, len);
    }

    @Override
    public void write(long offset, byte[] buf, int off, int len) throws IOException {
        if (readOnly) throw new IOException("read-only");
        pass();
        System.arraycopy(buf, off, data, (int) offset, len);
    }

    @Override
    public void flush() throws IOException {
        pass();
        flushes.incrementAndGet();
    }

    @Override
    public void discard(long offset, long len) throws IOException {
        pass();
        discards.incrementAndGet();
        Arrays.fill(data, (int) offset, (int) (offset + len), (byte) 0);
    }

    @Override
    public void writeZeroes(long offset, long len) throws IOException {
        pass();
        Arrays.fill(data, (int) offset, (int) (offset + len), (byte) 0);
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }
}
