package dev.ferry.cli;

/**
 * {@code -m [size=]megs[,slots=n,maxmem=size]}.
 *
 * @param size   RAM in bytes (a multiple of 8 KiB, as QEMU rounds it)
 * @param slots  hotplug slots (0: none)
 * @param maxMem maximum memory with hotplug, in bytes (equal to size when not given)
 */
public record MemoryConfig(long size, int slots, long maxMem) {
    /** The virt machine's default: 128 MiB. */
    public static final long DEFAULT_SIZE = 128L << 20;

    public boolean hotplug() { return slots > 0 || maxMem != size; }
}
