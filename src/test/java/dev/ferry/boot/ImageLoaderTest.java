package dev.ferry.boot;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.memory.AddressSpace;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** ELF images land at their segments' physical addresses (bss zeroed); raw ones where asked; bad ones are refused clearly. */
class ImageLoaderTest {
    /** A minimal ELF64 RISC-V executable with one PT_LOAD segment: filesz bytes of data, memsz with bss. */
    static byte[] elf(long paddr, long entry, byte[] data, int memsz) {
        ByteBuffer b = ByteBuffer.allocate(64 + 56 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 2).putShort((short) 243).putInt(1).putLong(entry).putLong(64).putLong(0);
        b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1).putShort((short) 64)
                .putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(7).putLong(120).putLong(paddr).putLong(paddr).putLong(data.length).putLong(memsz).putLong(4096);
        b.put(data);
        return b.array();
    }

    @Test
    void elfSegmentsAndEntry() throws Exception {
        try (AddressSpace as = new AddressSpace()) {
            as.addRam("ram", 0x8000_0000L, 1 << 20, false);
            as.write(0x8000_2004L, 4, 0xffff_ffffL); // garbage where the bss goes
            LoadedImage l = ImageLoader.load(as, elf(0x8000_2000L, 0x8000_2000L, new byte[] {1, 2, 3, 4}, 16), 0x8000_0000L, "kernel");
            assertEquals(0x8000_2000L, l.start());
            assertEquals(0x8000_2010L, l.end());
            assertEquals(0x8000_2000L, l.entry());
            assertEquals(0x0403_0201L, as.read(0x8000_2000L, 4));
            assertEquals(0, as.read(0x8000_2004L, 4), "bss is zeroed");
        }
    }

    @Test
    void rawAtTheGivenAddressAndClearErrors() throws Exception {
        try (AddressSpace as = new AddressSpace()) {
            as.addRam("ram", 0x8000_0000L, 1 << 20, false);
            LoadedImage l = ImageLoader.load(as, new byte[] {9, 8}, 0x8000_1000L, "kernel");
            assertEquals(0x8000_1000L, l.entry());
            assertEquals(0x0809, as.read(0x8000_1000L, 2));
            var e = assertThrows(ImageLoader.BootException.class,
                    () -> ImageLoader.load(as, new byte[2 << 20], 0x8000_0000L, "kernel"));
            assertTrue(e.getMessage().contains("does not fit in memory"), e.getMessage());
            byte[] notRiscv = elf(0x8000_0000L, 0, new byte[4], 4);
            notRiscv[18] = 62; // x86-64
            assertTrue(assertThrows(ImageLoader.BootException.class, () -> ImageLoader.load(as, notRiscv, 0, "kernel"))
                    .getMessage().contains("not for RISC-V"));
            byte[] truncated = java.util.Arrays.copyOf(elf(0x8000_0000L, 0, new byte[64], 64), 100);
            assertThrows(ImageLoader.BootException.class, () -> ImageLoader.load(as, truncated, 0, "kernel"));
        }
    }
}
