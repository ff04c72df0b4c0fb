package dev.ferry.hw.virtio;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.hw.IrqLine;
import dev.ferry.memory.AddressSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class VirtioMmioSlotsTest {
    @Test
    void firstDeviceTakesTheHighestSlot() {
        try (AddressSpace as = new AddressSpace()) {
            Map<Integer, Boolean> lines = new ConcurrentHashMap<>();
            VirtioBlk blk = new VirtioBlk(new MemDisk(1 << 20, false));
            VirtioRng rng = new VirtioRng();
            VirtioConsole con = new VirtioConsole(new TestChar());
            List<VirtioMmioSlots.Slot> slots = VirtioMmioSlots.place(as, n -> level -> lines.put(n, level),
                    List.of(blk, rng, con), true);
            assertEquals(8, slots.size());
            for (int i = 0; i < 8; i++) {
                assertEquals(0x1000_1000L + 0x1000L * i, slots.get(i).address());
                assertEquals(1 + i, slots.get(i).irq());
                assertTrue(slots.get(i).transport().isLegacy());
            }
            assertSame(blk, slots.get(7).transport().device());
            assertSame(rng, slots.get(6).transport().device());
            assertSame(con, slots.get(5).transport().device());
            for (int i = 0; i < 5; i++) {
                assertTrue(slots.get(i).isEmpty());
                assertEquals(0, slots.get(i).transport().read(VirtioMmio.DEVICE_ID, 4));
                assertEquals(0x74726976L, slots.get(i).transport().read(VirtioMmio.MAGIC_VALUE, 4));
            }
            assertEquals(0x1000_8000L, VirtioMmioSlots.addressOf(0));
            assertEquals(8, VirtioMmioSlots.irqOf(0));
            assertEquals(0x1000_7000L, VirtioMmioSlots.addressOf(1));
            assertEquals(7, VirtioMmioSlots.irqOf(1));
            // each transport drives its own line
            VirtioMmio top = slots.get(7).transport();
            top.write(VirtioMmio.STATUS, 4, Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_DRIVER | Virtio.STATUS_DRIVER_OK);
            synchronized (top) {
                top.notifyConfigChange();
            }
            assertEquals(Boolean.TRUE, lines.get(8));
            assertNotEquals(Boolean.TRUE, lines.get(7));
            slots.forEach(s -> s.transport().close());
        }
    }

    @Test
    void modernSlots() {
        try (AddressSpace as = new AddressSpace()) {
            List<VirtioMmioSlots.Slot> slots = VirtioMmioSlots.place(as, n -> IrqLine.NONE, List.of(), false);
            assertEquals(2, slots.get(3).transport().read(VirtioMmio.VERSION, 4));
        }
    }

    @Test
    void moreDevicesThanSlots() {
        try (AddressSpace as = new AddressSpace()) {
            List<VirtioDevice> many = new ArrayList<>();
            for (int i = 0; i < 9; i++) many.add(new VirtioRng());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> VirtioMmioSlots.place(as, n -> IrqLine.NONE, many, true));
            assertTrue(e.getMessage().contains("virtio-rng-device"), e.getMessage());
        }
    }
}
