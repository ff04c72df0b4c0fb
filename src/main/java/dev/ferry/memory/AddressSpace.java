package dev.ferry.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The guest physical address space: RAM/ROM blocks and MMIO regions, non-overlapping.
 * CPUs keep their own TLBs pointing into RAM; this class is their slow path and the path of
 * every device's DMA, so that all writes reach the dirty log.
 */
public final class AddressSpace implements AutoCloseable {
    private final List<RamBlock> ram = new ArrayList<>();
    private final List<MmioRegion> mmio = new ArrayList<>();
    private RamBlock[] ramArr = new RamBlock[0];
    private MmioRegion[] mmioArr = new MmioRegion[0];
    /**
     * Bumped each time dirty bits are harvested. A CPU may only skip marking pages dirty on
     * writes while its fast-write TLB entries were filled in the current epoch.
     */
    private volatile long dirtyEpoch;

    public synchronized RamBlock addRam(String name, long base, long size, boolean readOnly) {
        RamBlock b = new RamBlock(name, base, size, readOnly);
        checkFree(base, size, name);
        ram.add(b);
        ram.sort(Comparator.comparingLong(RamBlock::base));
        ramArr = ram.toArray(RamBlock[]::new);
        return b;
    }

    public synchronized MmioRegion addMmio(String name, long base, long size, MmioHandler h) {
        checkFree(base, size, name);
        MmioRegion r = new MmioRegion(name, base, size, h);
        mmio.add(r);
        mmio.sort(Comparator.comparingLong(MmioRegion::base));
        mmioArr = mmio.toArray(MmioRegion[]::new);
        return r;
    }

    private void checkFree(long base, long size, String name) {
        for (RamBlock b : ram)
            if (overlaps(base, size, b.base(), b.size())) throw new IllegalArgumentException(name + " overlaps " + b.name());
        for (MmioRegion r : mmio)
            if (overlaps(base, size, r.base(), r.size())) throw new IllegalArgumentException(name + " overlaps " + r.name());
    }

    private static boolean overlaps(long a, long al, long b, long bl) {
        return Long.compareUnsigned(a, b + bl) < 0 && Long.compareUnsigned(b, a + al) < 0;
    }

    public List<RamBlock> ramBlocks() {
        return List.of(ramArr);
    }

    public List<MmioRegion> mmioRegions() {
        return List.of(mmioArr);
    }

    public RamBlock ramAt(long pa) {
        for (RamBlock b : ramArr) if (b.contains(pa)) return b;
        return null;
    }

    public RamBlock ramBlock(String name) {
        for (RamBlock b : ramArr) if (b.name().equals(name)) return b;
        return null;
    }

    public MmioRegion mmioAt(long pa) {
        for (MmioRegion r : mmioArr) if (r.contains(pa)) return r;
        return null;
    }

    /** Reads 1/2/4/8 bytes; an access straddling the end of a region or hitting nothing faults. */
    public long read(long pa, int size) {
        RamBlock b = ramAt(pa);
        if (b != null) {
            long off = pa - b.base();
            if (off + size > b.size()) throw new BusFault(pa, "read across the end of " + b.name());
            return b.read(off, size);
        }
        MmioRegion r = mmioAt(pa);
        if (r != null && pa - r.base() + size <= r.size()) return r.handler().read(pa - r.base(), size);
        throw new BusFault(pa, "read of unmapped physical address");
    }

    public void write(long pa, int size, long value) {
        RamBlock b = ramAt(pa);
        if (b != null) {
            long off = pa - b.base();
            if (off + size > b.size()) throw new BusFault(pa, "write across the end of " + b.name());
            if (b.readOnly()) return; // writes to ROM are ignored, as on QEMU's mask ROM
            b.write(off, size, value);
            return;
        }
        MmioRegion r = mmioAt(pa);
        if (r != null && pa - r.base() + size <= r.size()) {
            r.handler().write(pa - r.base(), size, value);
            return;
        }
        throw new BusFault(pa, "write of unmapped physical address");
    }

    /** DMA read from RAM; false when the range is not entirely inside one RAM block. */
    public boolean dmaRead(long pa, byte[] dst, int off, int len) {
        RamBlock b = ramAt(pa);
        if (b == null || len < 0 || Long.compareUnsigned(pa - b.base() + len, b.size()) > 0) return false;
        b.readBytes(pa - b.base(), dst, off, len);
        return true;
    }

    /** DMA write into RAM (logged dirty); false when the range is not entirely inside one writable RAM block. */
    public boolean dmaWrite(long pa, byte[] src, int off, int len) {
        RamBlock b = ramAt(pa);
        if (b == null || b.readOnly() || len < 0 || Long.compareUnsigned(pa - b.base() + len, b.size()) > 0) return false;
        b.writeBytes(pa - b.base(), src, off, len);
        return true;
    }

    /** True when [pa, pa+len) lies inside one RAM block. */
    public boolean isRam(long pa, long len) {
        RamBlock b = ramAt(pa);
        return b != null && len >= 0 && Long.compareUnsigned(pa - b.base() + len, b.size()) <= 0;
    }

    public long dirtyEpoch() {
        return dirtyEpoch;
    }

    /** Called by the dirty-log consumer before it harvests bits: CPUs re-arm their write paths. */
    public synchronized void bumpDirtyEpoch() {
        dirtyEpoch++;
    }

    @Override
    public synchronized void close() {
        for (RamBlock b : ram) b.close();
    }
}
