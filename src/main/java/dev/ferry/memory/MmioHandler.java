package dev.ferry.memory;

/**
 * A device's register window. Offsets are relative to the region's base; sizes are 1, 2, 4 or 8
 * bytes and values are little-endian register contents (zero-extended on read).
 * Handlers must not throw on guest input: an access the device does not implement reads as zero
 * and writes are ignored, the way most QEMU devices behave.
 */
public interface MmioHandler {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
