package dev.ferry.hw.virtio;

import dev.ferry.memory.AddressSpace;

/**
 * Little-endian accessors on guest RAM through the address space's DMA path (reads from RAM,
 * writes logged dirty for migration). Anything outside RAM is a {@link VirtioError}: a device
 * never touches MMIO or unmapped space on behalf of the driver. Not thread-safe (one scratch
 * buffer): the owner serialises its use.
 */
final class GuestMemory {
    private final AddressSpace as;
    private final byte[] scratch = new byte[16];

    GuestMemory(AddressSpace as) {
        this.as = as;
    }

    AddressSpace addressSpace() {
        return as;
    }

    boolean isRam(long pa, long len) {
        return as.isRam(pa, len);
    }

    private void load(long pa, int len, String what) {
        if (!as.dmaRead(pa, scratch, 0, len))
            throw new VirtioError(String.format("%s at 0x%x is outside guest RAM", what, pa));
    }

    private void store(long pa, int len, String what) {
        if (!as.dmaWrite(pa, scratch, 0, len))
            throw new VirtioError(String.format("%s at 0x%x is outside writable guest RAM", what, pa));
    }

    int read16(long pa, String what) {
        load(pa, 2, what);
        return (scratch[0] & 0xff) | (scratch[1] & 0xff) << 8;
    }

    int read32(long pa, String what) {
        load(pa, 4, what);
        return le32(scratch, 0);
    }

    /** Reads one 16-byte split-ring descriptor into {@code out}: addr, len, flags, next. */
    void readDesc(long pa, long[] out) {
        load(pa, 16, "descriptor");
        out[0] = le64(scratch, 0);
        out[1] = le32(scratch, 8) & 0xffffffffL;
        out[2] = (scratch[12] & 0xff) | (scratch[13] & 0xff) << 8;
        out[3] = (scratch[14] & 0xff) | (scratch[15] & 0xff) << 8;
    }

    void write16(long pa, int v, String what) {
        scratch[0] = (byte) v;
        scratch[1] = (byte) (v >>> 8);
        store(pa, 2, what);
    }

    /** One used-ring element: id and len. */
    void writeUsedElem(long pa, int id, int len) {
        putLe32(scratch, 0, id);
        putLe32(scratch, 4, len);
        store(pa, 8, "used ring element");
    }

    static int le32(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    static long le64(byte[] b, int o) {
        return (le32(b, o) & 0xffffffffL) | (long) le32(b, o + 4) << 32;
    }

    static void putLe16(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
    }

    static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }

    static void putLe64(byte[] b, int o, long v) {
        putLe32(b, o, (int) v);
        putLe32(b, o + 4, (int) (v >>> 32));
    }
}
