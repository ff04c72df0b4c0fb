package dev.ferry.boot;

/** Where QEMU 7.2's virt board places the boot images in RAM. */
public final class BootLayout {
    private BootLayout() {}

    public static final long MIB = 1L << 20;

    public static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    public static long alignDown(long v, long a) {
        return v & -a;
    }

    /** The kernel goes at the firmware's end rounded up to 2 MiB (RAM base when there is no firmware). */
    public static long kernelAddress(long ramBase, long firmwareEnd) {
        return firmwareEnd <= ramBase ? ramBase : alignUp(firmwareEnd, 2 * MIB);
    }

    /** The initrd goes at the kernel address plus the smaller of half the RAM and 128 MiB. */
    public static long initrdAddress(long kernelAddress, long ramSize) {
        return kernelAddress + Math.min(ramSize / 2, 128 * MIB);
    }

    /** The device tree goes 2 MiB-aligned below the lower of RAM's end and 3 GiB. */
    public static long fdtAddress(long ramBase, long ramSize, int fdtSize) {
        long end = ramBase + ramSize;
        long top = ramBase < 3072 * MIB ? Math.min(end, 3072 * MIB) : end;
        return alignDown(top - fdtSize, 2 * MIB);
    }
}
