package dev.ferry.hw.virtio;

import dev.ferry.memory.AddressSpace;

/**
 * One descriptor chain taken from a virtqueue: its head index, the device-readable ("out")
 * segments followed by the device-writable ("in") segments. Every segment was checked to lie
 * inside guest RAM when the chain was read. The copy helpers treat the out segments and the in
 * segments each as one byte stream (any layout), and may be used from any thread.
 */
public final class VirtqElement {
    final int head;
    private final long[] addr;
    private final int[] len;
    private final int outCount;
    private final int inCount;
    private final long outBytes;
    private final long inBytes;

    VirtqElement(int head, long[] addr, int[] len, int outCount, int inCount) {
        this.head = head;
        this.addr = addr;
        this.len = len;
        this.outCount = outCount;
        this.inCount = inCount;
        long o = 0, i = 0;
        for (int k = 0; k < outCount; k++) o += len[k] & 0xffffffffL;
        for (int k = outCount; k < outCount + inCount; k++) i += len[k] & 0xffffffffL;
        this.outBytes = o;
        this.inBytes = i;
    }

    public int head() {
        return head;
    }

    public int outCount() {
        return outCount;
    }

    public int inCount() {
        return inCount;
    }

    /** Total bytes the device may read. */
    public long outBytes() {
        return outBytes;
    }

    /** Total bytes the device may write. */
    public long inBytes() {
        return inBytes;
    }

    /** Guest address of out segment {@code i} (0-based among out segments). */
    public long outAddr(int i) {
        return addr[i];
    }

    public long outLen(int i) {
        return len[i] & 0xffffffffL;
    }

    public long inAddr(int i) {
        return addr[outCount + i];
    }

    public long inLen(int i) {
        return len[outCount + i] & 0xffffffffL;
    }

    /**
     * Copies up to {@code n} device-readable bytes starting {@code offset} bytes into the out
     * stream; returns how many were copied (fewer at the end of the stream).
     */
    public int readOut(AddressSpace as, long offset, byte[] dst, int dstOff, int n) {
        return copy(as, 0, outCount, offset, dst, dstOff, n, false);
    }

    /** Copies up to {@code n} bytes into the in stream at {@code offset}; returns how many were written. */
    public int writeIn(AddressSpace as, long offset, byte[] src, int srcOff, int n) {
        return copy(as, outCount, outCount + inCount, offset, src, srcOff, n, true);
    }

    private int copy(AddressSpace as, int from, int to, long offset, byte[] buf, int bufOff, int n, boolean write) {
        int done = 0;
        long pos = 0;
        for (int k = from; k < to && done < n; k++) {
            long l = len[k] & 0xffffffffL;
            if (offset >= pos + l) {
                pos += l;
                continue;
            }
            long in = Math.max(0, offset - pos);
            int chunk = (int) Math.min(l - in, n - done);
            boolean ok = write ? as.dmaWrite(addr[k] + in, buf, bufOff + done, chunk)
                    : as.dmaRead(addr[k] + in, buf, bufOff + done, chunk);
            if (!ok) throw new VirtioError(String.format("buffer at 0x%x left guest RAM", addr[k] + in));
            done += chunk;
            offset += chunk;
            pos += l;
        }
        return done;
    }
}
