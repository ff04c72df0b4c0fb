package dev.ferry.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The reset vector QEMU's virt board puts in its mask ROM at 0x1000: a0 = mhartid,
 * a1 = device tree address, a2 = address of a {@code fw_dynamic_info} block (magic "OSBI",
 * version 2, next_addr = kernel entry, next_mode = S), then a jump to the firmware (or kernel).
 */
public final class BootRom {
    private BootRom() {}

    public static final long FW_DYNAMIC_MAGIC = 0x4942534fL;
    public static final long FW_DYNAMIC_VERSION = 2;
    public static final long NEXT_MODE_S = 1;
    /** Offset of fw_dynamic_info inside the ROM. */
    public static final int DYNAMIC_INFO_OFFSET = 40;

    public static byte[] build(long startAddress, long fdtAddress, long kernelEntry) {
        ByteBuffer b = ByteBuffer.allocate(DYNAMIC_INFO_OFFSET + 6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00000297); // auipc t0, 0
        b.putInt(0x02828613); // addi  a2, t0, 40   (fw_dynamic_info)
        b.putInt(0xf1402573); // csrr  a0, mhartid
        b.putInt(0x0202b583); // ld    a1, 32(t0)  (device tree)
        b.putInt(0x0182b283); // ld    t0, 24(t0)  (start address)
        b.putInt(0x00028067); // jr    t0
        b.putLong(startAddress);
        b.putLong(fdtAddress);
        b.putLong(FW_DYNAMIC_MAGIC);
        b.putLong(FW_DYNAMIC_VERSION);
        b.putLong(kernelEntry); // next_addr
        b.putLong(NEXT_MODE_S); // next_mode
        b.putLong(0); // options
        b.putLong(0); // boot_hart (version 2): any
        return b.array();
    }
}
