package dev.ferry.hw.fdt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.hw.fdt.VirtDeviceTree.Config;
import dev.ferry.hw.fdt.VirtDeviceTree.ExtraNode;
import dev.ferry.hw.fdt.VirtDeviceTree.Initrd;
import dev.ferry.hw.fdt.VirtDeviceTree.VirtioSlot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Structural checks of the generated virt tree, read back from its blob. */
class VirtDeviceTreeTest {

    static DeviceTree parsed(Config c) {
        return DeviceTree.fromDtb(VirtDeviceTree.dtb(c));
    }

    static List<String> strings(DtNode n, String prop) {
        return n.requireProperty(prop).asStrings();
    }

    static int u32(DtNode n, String prop) {
        return n.requireProperty(prop).asU32();
    }

    static int[] cells(DtNode n, String prop) {
        return n.requireProperty(prop).asCells();
    }

    /** A reg of one (address, size) pair in 2 + 2 cells. */
    static int[] reg(long addr, long size) {
        return new int[] {(int) (addr >>> 32), (int) addr, (int) (size >>> 32), (int) size};
    }

    @Test
    void rootAndMemory() {
        DeviceTree t = parsed(Config.of(256L << 20, 1));
        DtNode root = t.root();
        assertEquals(2, u32(root, "#address-cells"));
        assertEquals(2, u32(root, "#size-cells"));
        assertEquals(List.of("riscv-virtio"), strings(root, "compatible"));
        assertEquals("riscv-virtio,qemu", root.requireProperty("model").asString());
        DtNode mem = t.requireNode("/memory@80000000");
        assertEquals("memory", mem.requireProperty("device_type").asString());
        assertArrayEquals(reg(0x8000_0000L, 0x1000_0000L), cells(mem, "reg"));

        DtNode big = parsed(Config.of(5L << 30, 1)).requireNode("/memory@80000000");
        assertArrayEquals(new int[] {0, 0x8000_0000, 1, 0x4000_0000}, cells(big, "reg"));
        assertNotNull(parsed(Config.of(1 << 20, 1).withRamBase(0x1_0000_0000L)).node("/memory@100000000"));
    }

    @Test
    void cpusWithInterruptControllersAndCpuMap() {
        int harts = 4;
        Config c = Config.of(256L << 20, harts);
        DeviceTree t = parsed(c);
        DtNode cpus = t.requireNode("/cpus");
        assertEquals(1, u32(cpus, "#address-cells"));
        assertEquals(0, u32(cpus, "#size-cells"));
        assertEquals(10_000_000, u32(cpus, "timebase-frequency"));
        List<String> names = cpus.children().stream().map(DtNode::name).toList();
        assertEquals(List.of("cpu@0", "cpu@1", "cpu@2", "cpu@3", "cpu-map"), names);
        for (int h = 0; h < harts; h++) {
            DtNode cpu = t.requireNode("/cpus/cpu@" + h);
            assertEquals("cpu", cpu.requireProperty("device_type").asString());
            assertEquals(h, u32(cpu, "reg"));
            assertEquals("okay", cpu.requireProperty("status").asString());
            assertEquals(List.of("riscv"), strings(cpu, "compatible"));
            assertEquals("rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc",
                    cpu.requireProperty("riscv,isa").asString());
            assertEquals("riscv,sv48", cpu.requireProperty("mmu-type").asString());
            DtNode intc = t.requireNode("/cpus/cpu@" + h + "/interrupt-controller");
            assertEquals(1, u32(intc, "#interrupt-cells"));
            assertTrue(intc.requireProperty("interrupt-controller").isEmpty());
            assertEquals(List.of("riscv,cpu-intc"), strings(intc, "compatible"));
            assertTrue(intc.existingPhandle().isPresent());

            DtNode core = t.requireNode("/cpus/cpu-map/cluster0/core" + h);
            assertSame(cpu, t.nodeByPhandle(u32(core, "cpu")), "core" + h + " points at cpu@" + h);
        }
        assertEquals(harts, t.requireNode("/cpus/cpu-map/cluster0").children().size());
    }

    @Test
    void isaAndMmuTypeAreParameters() {
        DeviceTree t = parsed(Config.of(1 << 28, 1).withIsa(VirtDeviceTree.QEMU_ISA).withMmuType("riscv,sv57")
                .withTimebaseFrequency(1_000_000));
        assertEquals(VirtDeviceTree.QEMU_ISA, t.requireNode("/cpus/cpu@0").requireProperty("riscv,isa").asString());
        assertEquals("riscv,sv57", t.requireNode("/cpus/cpu@0").requireProperty("mmu-type").asString());
        assertEquals(1_000_000, u32(t.requireNode("/cpus"), "timebase-frequency"));
    }

    /** The phandle of each hart's interrupt controller, hart order. */
    static int[] intcPhandles(DeviceTree t, int harts) {
        int[] ph = new int[harts];
        for (int h = 0; h < harts; h++) {
            ph[h] = t.requireNode("/cpus/cpu@" + h + "/interrupt-controller").existingPhandle().getAsInt();
        }
        return ph;
    }

    @Test
    void clintAndPlicRouteToEachHartsIntc() {
        int harts = 3;
        DeviceTree t = parsed(Config.of(1 << 28, harts));
        int[] intc = intcPhandles(t, harts);

        DtNode clint = t.requireNode("/soc/clint@2000000");
        assertEquals(List.of("sifive,clint0", "riscv,clint0"), strings(clint, "compatible"));
        assertArrayEquals(reg(0x200_0000L, 0x1_0000L), cells(clint, "reg"));
        int[] ce = cells(clint, "interrupts-extended");
        assertEquals(harts * 4, ce.length);
        for (int h = 0; h < harts; h++) {
            assertArrayEquals(new int[] {intc[h], 3, intc[h], 7}, java.util.Arrays.copyOfRange(ce, h * 4, h * 4 + 4),
                    "hart " + h + ": MSI 3, MTI 7");
        }

        DtNode plic = t.requireNode("/soc/plic@c000000");
        assertEquals(List.of("sifive,plic-1.0.0", "riscv,plic0"), strings(plic, "compatible"));
        assertEquals(96, u32(plic, "riscv,ndev"));
        assertArrayEquals(reg(0xC00_0000L, 0x60_0000L), cells(plic, "reg"));
        assertTrue(plic.requireProperty("interrupt-controller").isEmpty());
        assertEquals(1, u32(plic, "#interrupt-cells"));
        assertEquals(0, u32(plic, "#address-cells"));
        int[] pe = cells(plic, "interrupts-extended");
        assertEquals(harts * 4, pe.length);
        for (int h = 0; h < harts; h++) {
            assertArrayEquals(new int[] {intc[h], 11, intc[h], 9}, java.util.Arrays.copyOfRange(pe, h * 4, h * 4 + 4),
                    "hart " + h + ": M external 11, S external 9");
        }
        for (int v : new int[] {ce[0], ce[2], pe[0], pe[2]}) {
            DtNode target = t.nodeByPhandle(v);
            assertEquals("interrupt-controller", target.name());
            assertEquals(List.of("riscv,cpu-intc"), strings(target, "compatible"));
        }
    }

    @Test
    void socDevices() {
        DeviceTree t = parsed(Config.of(1 << 28, 1));
        DtNode soc = t.requireNode("/soc");
        assertEquals(2, u32(soc, "#address-cells"));
        assertEquals(2, u32(soc, "#size-cells"));
        assertEquals(List.of("simple-bus"), strings(soc, "compatible"));
        assertTrue(soc.requireProperty("ranges").isEmpty());
        int plic = t.requireNode("/soc/plic@c000000").existingPhandle().getAsInt();

        DtNode serial = t.requireNode("/soc/serial@10000000");
        assertEquals(List.of("ns16550a"), strings(serial, "compatible"));
        assertArrayEquals(reg(0x1000_0000L, 0x100), cells(serial, "reg"));
        assertEquals(0x384000, u32(serial, "clock-frequency"));
        assertEquals(10, u32(serial, "interrupts"));
        assertEquals(plic, u32(serial, "interrupt-parent"));

        DtNode rtc = t.requireNode("/soc/rtc@101000");
        assertEquals(List.of("google,goldfish-rtc"), strings(rtc, "compatible"));
        assertArrayEquals(reg(0x10_1000L, 0x1000), cells(rtc, "reg"));
        assertEquals(11, u32(rtc, "interrupts"));
        assertEquals(plic, u32(rtc, "interrupt-parent"));

        DtNode test = t.requireNode("/soc/test@100000");
        assertEquals(List.of("sifive,test1", "sifive,test0", "syscon"), strings(test, "compatible"));
        assertArrayEquals(reg(0x10_0000L, 0x1000), cells(test, "reg"));
        int testPh = test.existingPhandle().getAsInt();

        for (String name : List.of("poweroff", "reboot")) {
            DtNode n = t.requireNode("/" + name);
            assertEquals(List.of("syscon-" + name), strings(n, "compatible"));
            assertEquals(name.equals("poweroff") ? 0x5555 : 0x7777, u32(n, "value"));
            assertEquals(0, u32(n, "offset"));
            assertEquals(testPh, u32(n, "regmap"));
            assertSame(test, t.nodeByPhandle(u32(n, "regmap")));
        }
    }

    @Test
    void allEightVirtioSlotsHighestFirst() {
        DeviceTree t = parsed(Config.of(1 << 28, 1));
        int plic = t.requireNode("/soc/plic@c000000").existingPhandle().getAsInt();
        List<String> virtio = new ArrayList<>();
        for (DtNode n : t.requireNode("/soc").children()) {
            if (n.baseName().equals("virtio_mmio")) {
                virtio.add(n.name());
            }
        }
        assertEquals(List.of("virtio_mmio@10008000", "virtio_mmio@10007000", "virtio_mmio@10006000",
                "virtio_mmio@10005000", "virtio_mmio@10004000", "virtio_mmio@10003000", "virtio_mmio@10002000",
                "virtio_mmio@10001000"), virtio);
        for (int n = 0; n < 8; n++) {
            long addr = 0x1000_1000L + n * 0x1000L;
            DtNode v = t.requireNode("/soc/virtio_mmio@" + Long.toHexString(addr));
            assertEquals(List.of("virtio,mmio"), strings(v, "compatible"));
            assertArrayEquals(reg(addr, 0x1000), cells(v, "reg"));
            assertEquals(n + 1, u32(v, "interrupts"));
            assertEquals(plic, u32(v, "interrupt-parent"));
        }
        DeviceTree two = parsed(Config.of(1 << 28, 1).withVirtioSlots(
                List.of(new VirtioSlot(0x1000_1000L, 1), new VirtioSlot(0x1000_2000L, 2))));
        assertEquals(2, two.requireNode("/soc").children().stream()
                .filter(n -> n.baseName().equals("virtio_mmio")).count());
    }

    @Test
    void chosen() {
        DeviceTree plain = parsed(Config.of(1 << 28, 1));
        DtNode c0 = plain.requireNode("/chosen");
        assertEquals("/soc/serial@10000000", c0.requireProperty("stdout-path").asString());
        assertNull(c0.property("bootargs"));
        assertNull(c0.property("linux,initrd-start"));
        assertNull(c0.property("rng-seed"));

        byte[] seed = new byte[32];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) (i * 7);
        }
        DeviceTree t = parsed(Config.of(1 << 28, 1).withBootargs("console=ttyS0 root=/dev/vda")
                .withInitrd(new Initrd(0x8820_0000L, 0x8820_2710L)).withRngSeed(seed));
        DtNode c = t.requireNode("/chosen");
        assertEquals("console=ttyS0 root=/dev/vda", c.requireProperty("bootargs").asString());
        assertEquals(4, c.requireProperty("linux,initrd-start").length(), "one cell, as QEMU 7.2 writes it");
        assertEquals(0x8820_0000L, c.requireProperty("linux,initrd-start").asNumber());
        assertEquals(0x8820_2710L, c.requireProperty("linux,initrd-end").asNumber());
        assertArrayEquals(seed, c.requireProperty("rng-seed").value());
        assertEquals(List.of("linux,initrd-end", "linux,initrd-start", "rng-seed", "bootargs", "stdout-path"),
                c.properties().stream().map(DtProperty::name).toList(), "QEMU's order");

        DtNode high = parsed(Config.of(8L << 30, 1).withInitrd(new Initrd(0x1_8000_0000L, 0x1_8010_0000L)))
                .requireNode("/chosen");
        assertEquals(8, high.requireProperty("linux,initrd-start").length(), "two cells above 4 GiB");
        assertEquals(0x1_8000_0000L, high.requireProperty("linux,initrd-start").asNumber());
        assertEquals(0x1_8010_0000L, high.requireProperty("linux,initrd-end").asNumber());

        assertNull(parsed(Config.of(1 << 28, 1).withStdoutPath(null)).requireNode("/chosen").property("stdout-path"));
    }

    @Test
    void everyPhandleResolvesAndTheTreeChecksClean() {
        for (int harts : new int[] {1, 2, 8, 64}) {
            DeviceTree t = parsed(Config.of(1L << 30, harts).withBootargs("x")
                    .withInitrd(new Initrd(0x8800_0000L, 0x8900_0000L)).withRngSeed(new byte[32]));
            assertEquals(List.of(), t.check(), harts + " harts");
            // every phandle is unique and every node with one is referenced by something
            List<Integer> phandles = t.nodes().stream().filter(n -> n.existingPhandle().isPresent())
                    .map(n -> n.existingPhandle().getAsInt()).toList();
            assertEquals(phandles.size(), phandles.stream().distinct().count());
            assertEquals(2 * harts + 2, phandles.size(), "cpus, intcs, plic, test");
            assertEquals(java.util.stream.IntStream.rangeClosed(1, 2 * harts + 2).boxed().toList(),
                    phandles.stream().sorted().toList(), "dense from 1, like QEMU's");
        }
    }

    @Test
    void phandleNumbersFollowQemusAllocation() {
        // QEMU numbers from the last hart down (cpu, then its intc), then the PLIC, then the test device
        DeviceTree t = parsed(Config.of(1 << 28, 2));
        assertEquals(3, t.requireNode("/cpus/cpu@0").existingPhandle().getAsInt());
        assertEquals(4, t.requireNode("/cpus/cpu@0/interrupt-controller").existingPhandle().getAsInt());
        assertEquals(1, t.requireNode("/cpus/cpu@1").existingPhandle().getAsInt());
        assertEquals(2, t.requireNode("/cpus/cpu@1/interrupt-controller").existingPhandle().getAsInt());
        assertEquals(5, t.requireNode("/soc/plic@c000000").existingPhandle().getAsInt());
        assertEquals(6, t.requireNode("/soc/test@100000").existingPhandle().getAsInt());
    }

    @Test
    void extraNodesGoWhereAsked() {
        Config c = Config.of(1 << 28, 1).withExtraNodes(List.of(
                new ExtraNode("/soc", "thing@20000000", n -> {
                    n.setString("compatible", "ferry,thing");
                    n.setReg(0x2000_0000L, 0x1000);
                    n.setU32("interrupt-parent", n.tree().requireNode("/soc/plic@c000000").phandle());
                    n.setU32("interrupts", 20);
                }),
                new ExtraNode("/", "aliases", n -> n.setString("serial0", "/soc/serial@10000000"))));
        DeviceTree t = parsed(c);
        DtNode thing = t.requireNode("/soc/thing@20000000");
        assertEquals(List.of("ferry,thing"), strings(thing, "compatible"));
        assertEquals("/soc/plic@c000000", t.nodeByPhandle(u32(thing, "interrupt-parent")).path());
        assertNotNull(t.node("/aliases"));
        assertEquals(List.of(), t.check());
        assertThrows(IllegalArgumentException.class, () -> VirtDeviceTree.build(Config.of(1 << 28, 1)
                .withExtraNodes(List.of(new ExtraNode("/nope", "x", n -> { })))));
    }

    @Test
    void omittedNodesAreNotThere() {
        DeviceTree t = parsed(Config.of(1 << 28, 1));
        for (String path : VirtDeviceTree.OMITTED_QEMU_NODES) {
            assertNull(t.node(path), path);
        }
        assertFalse(t.nodes().stream().anyMatch(n -> n.name().startsWith("pci")));
    }

    @Test
    void configIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> Config.of(0, 1));
        assertThrows(IllegalArgumentException.class, () -> Config.of(1 << 28, 0));
        assertThrows(IllegalArgumentException.class, () -> Config.of(1 << 28, VirtDeviceTree.MAX_HARTS + 1));
        assertThrows(IllegalArgumentException.class, () -> new Initrd(0x9000, 0x8000));
        assertEquals(VirtDeviceTree.MAX_HARTS, parsed(Config.of(1 << 28, VirtDeviceTree.MAX_HARTS))
                .requireNode("/cpus/cpu-map/cluster0").children().size());
    }
}
