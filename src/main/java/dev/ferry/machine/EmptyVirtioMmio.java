package dev.ferry.machine;

import dev.ferry.memory.MmioHandler;

/**
 * A virtio-mmio transport with no device behind it, as QEMU's virt board leaves its unused
 * slots: magic "virt", version 1 (legacy), device ID 0 (the driver skips it), vendor "QEMU".
 */
final class EmptyVirtioMmio implements MmioHandler {
    @Override
    public long read(long offset, int size) {
        if (size != 4) return 0;
        return switch ((int) offset) {
            case 0x000 -> 0x74726976L; // "virt"
            case 0x004 -> 1; // legacy interface
            case 0x008 -> 0; // no device
            case 0x00c -> 0x554d4551L; // "QEMU"
            default -> 0;
        };
    }

    @Override
    public void write(long offset, int size, long value) {
        // nothing behind the transport
    }
}
