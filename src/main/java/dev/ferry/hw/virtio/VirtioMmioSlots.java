package dev.ferry.hw.virtio;

import dev.ferry.hw.IrqLine;
import dev.ferry.memory.AddressSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The {@code virt} board's eight virtio-mmio slots (0x10001000..0x10008000, 0x1000 apart, PLIC
 * sources 1..8) and where QEMU 7.2 puts command-line devices in them: the first {@code -device}
 * in the highest slot (0x10008000, IRQ 8), the next one below it (0x10007000, IRQ 7), and so on;
 * slots left over hold empty transports (device ID 0).
 *
 * <pre>{@code
 * List<VirtioMmioSlots.Slot> slots = VirtioMmioSlots.place(bus, plic::irq, devices, legacy);
 * for (VirtioMmioSlots.Slot s : slots)
 *     bus.addMmio("virtio-mmio@" + Long.toHexString(s.address()), s.address(), VirtioMmioSlots.SLOT_SIZE, s.transport());
 * }</pre>
 */
public final class VirtioMmioSlots {
    public static final long BASE = 0x1000_1000L;
    public static final long SLOT_SIZE = 0x1000;
    public static final int COUNT = 8;
    public static final int FIRST_IRQ = 1;

    private VirtioMmioSlots() {}

    /** One slot: its address, its PLIC source and the transport (empty or with a device). */
    public record Slot(long address, int irq, VirtioMmio transport) {
        public boolean isEmpty() {
            return transport.device() == null;
        }
    }

    /**
     * Builds the eight transports, lowest address first. {@code devices} are in command-line
     * order; {@code irqs} gives the line for a PLIC source number; {@code legacy} is QEMU's
     * default (true) or {@code -global virtio-mmio.force-legacy=false} (false).
     *
     * @throws IllegalArgumentException with more devices than slots (QEMU: no free virtio-mmio bus)
     */
    public static List<Slot> place(AddressSpace dma, IntFunction<IrqLine> irqs, List<? extends VirtioDevice> devices,
                                   boolean legacy) {
        if (devices.size() > COUNT)
            throw new IllegalArgumentException("No 'virtio-bus' bus found for device '" + qemuType(devices.get(COUNT))
                    + "' (the virt board has " + COUNT + " virtio-mmio slots)");
        List<Slot> slots = new ArrayList<>(COUNT);
        for (int i = 0; i < COUNT; i++) {
            int fromTop = COUNT - 1 - i; // slot i takes device number (COUNT-1-i)
            VirtioDevice d = fromTop < devices.size() ? devices.get(fromTop) : null;
            int irq = FIRST_IRQ + i;
            VirtioMmio t = d == null ? new VirtioMmio(dma, irqs.apply(irq), null, legacy)
                    : new VirtioMmio(dma, irqs.apply(irq), d, legacy);
            slots.add(new Slot(BASE + i * SLOT_SIZE, irq, t));
        }
        return List.copyOf(slots);
    }

    /**
     * Waits until no device has a request in flight. Call it with the vCPUs paused, before the
     * final pass over dirty RAM and before saving device state (each transport's pre-save also
     * does it), so that no worker DMA lands after the copy.
     */
    public static void drainAll(List<Slot> slots) {
        for (Slot s : slots) s.transport().drain();
    }

    /** System reset of every slot (QEMU's virtio_mmio_reset), with the vCPUs paused. */
    public static void resetAll(List<Slot> slots) {
        for (Slot s : slots) s.transport().reset();
    }

    /** The slot a device in command-line position {@code n} (0-based) lands in. */
    public static long addressOf(int n) {
        if (n < 0 || n >= COUNT) throw new IndexOutOfBoundsException(n);
        return BASE + (COUNT - 1 - n) * SLOT_SIZE;
    }

    /** The PLIC source of the device in command-line position {@code n}. */
    public static int irqOf(int n) {
        if (n < 0 || n >= COUNT) throw new IndexOutOfBoundsException(n);
        return FIRST_IRQ + COUNT - 1 - n;
    }

    private static String qemuType(VirtioDevice d) {
        return switch (d.deviceId()) {
            case Virtio.ID_BLOCK -> "virtio-blk-device";
            case Virtio.ID_RNG -> "virtio-rng-device";
            case Virtio.ID_CONSOLE -> "virtio-serial-device";
            default -> d.name();
        };
    }
}
