package dev.ferry.memory;

/** A device window in the physical address space. */
public record MmioRegion(String name, long base, long size, MmioHandler handler) {
    public boolean contains(long pa) {
        return Long.compareUnsigned(pa - base, size) < 0;
    }
}
