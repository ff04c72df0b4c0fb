package dev.ferry.memory;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class AddressSpaceTest {
    @Test
    void ramReadWriteLittleEndianAndDirty() {
        try (AddressSpace as = new AddressSpace()) {
            RamBlock ram = as.addRam("ram", 0x8000_0000L, 1 << 20, false);
            assertEquals(0, ram.dirtyLog().countDirty());
            as.write(0x8000_1000L, 8, 0x1122_3344_5566_7788L);
            assertEquals(0x88, as.read(0x8000_1000L, 1));
            assertEquals(0x7788, as.read(0x8000_1000L, 2));
            assertEquals(0x5566_7788L, as.read(0x8000_1000L, 4));
            assertEquals(0x1122_3344_5566_7788L, as.read(0x8000_1000L, 8));
            assertTrue(ram.dirtyLog().isDirty(1));
            assertFalse(ram.dirtyLog().isDirty(0));
            // a write straddling two pages dirties both
            as.write(0x8000_2ffeL, 4, -1);
            assertTrue(ram.dirtyLog().isDirty(2));
            assertTrue(ram.dirtyLog().isDirty(3));
            long[] taken = ram.dirtyLog().takeAll();
            assertEquals(0b1110L, taken[0]);
            assertEquals(0, ram.dirtyLog().countDirty());
        }
    }

    @Test
    void dmaIsLoggedAndBounded() {
        try (AddressSpace as = new AddressSpace()) {
            RamBlock ram = as.addRam("ram", 0x8000_0000L, 64 << 10, false);
            byte[] data = {1, 2, 3, 4};
            assertTrue(as.dmaWrite(0x8000_5000L, data, 0, 4));
            assertTrue(ram.dirtyLog().isDirty(5));
            byte[] back = new byte[4];
            assertTrue(as.dmaRead(0x8000_5000L, back, 0, 4));
            assertArrayEquals(data, back);
            assertFalse(as.dmaWrite(0x8000_fffeL, data, 0, 4), "DMA past the end of RAM is refused");
            assertFalse(as.dmaRead(0x1000, back, 0, 4), "DMA outside RAM is refused");
        }
    }

    @Test
    void mmioDispatchAndUnmappedFaults() {
        try (AddressSpace as = new AddressSpace()) {
            long[] last = new long[3];
            as.addMmio("dev", 0x1000_0000L, 0x100, new MmioHandler() {
                public long read(long off, int size) { return off * 10 + size; }
                public void write(long off, int size, long v) { last[0] = off; last[1] = size; last[2] = v; }
            });
            assertEquals(0x40 * 10 + 4, as.read(0x1000_0040L, 4));
            as.write(0x1000_0008L, 1, 0x5a);
            assertArrayEquals(new long[] {8, 1, 0x5a}, last);
            BusFault f = assertThrows(BusFault.class, () -> as.read(0x2000_0000L, 4));
            assertEquals(0x2000_0000L, f.address());
            assertThrows(BusFault.class, () -> as.write(0x1000_00fcL, 8, 0), "straddles the region's end");
            assertThrows(IllegalArgumentException.class, () -> as.addMmio("dup", 0x1000_0080L, 0x10, null));
        }
    }

    @Test
    void romIgnoresGuestWritesButLoads() {
        try (AddressSpace as = new AddressSpace()) {
            RamBlock rom = as.addRam("rom", 0x1000, 0x1000, true);
            rom.load(0, new byte[] {0x13, 0, 0, 0});
            as.write(0x1000, 4, 0xdeadbeefL);
            assertEquals(0x13, as.read(0x1000, 4));
        }
    }

    @Test
    void largeRamBeyondTwoGiB() {
        try (AddressSpace as = new AddressSpace()) {
            long size = 3L << 30;
            RamBlock ram = as.addRam("ram", 0x8000_0000L, size, false);
            long top = 0x8000_0000L + size - 8;
            as.write(top, 8, 42);
            assertEquals(42, as.read(top, 8));
            assertTrue(ram.dirtyLog().isDirty((size - 8) >>> RamBlock.PAGE_SHIFT));
        }
    }
}
