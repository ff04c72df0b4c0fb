package dev.ferry.hw.fdt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The device tree of the {@code virt} board, as QEMU 7.2's {@code -machine virt} describes it to
 * the guest, for the parts Ferry emulates. Node names, property names and values, phandle use and
 * node/property order follow a QEMU 7.2 dump ({@code -machine virt,dumpdtb=FILE}); phandle
 * numbers also come out the same as QEMU's for one socket.
 *
 * <p>Left out, because Ferry does not emulate them (see {@link #OMITTED_QEMU_NODES}):
 * <ul>
 *   <li>{@code /pmu} (the SBI PMU event map, {@code riscv,pmu});</li>
 *   <li>{@code /fw-cfg@10100000} (QEMU's firmware configuration device);</li>
 *   <li>{@code /flash@20000000} (the two CFI pflash banks);</li>
 *   <li>{@code /platform-bus@4000000} (dynamic sysbus devices);</li>
 *   <li>{@code /soc/pci@30000000} (the generic ECAM PCIe host bridge).</li>
 * </ul>
 * Also not modelled: several sockets (QEMU's {@code -smp sockets=N} NUMA layout, one CLINT and
 * PLIC per socket), AIA ({@code aia=aplic[-imsic]}) and ACLINT ({@code aclint=on}).
 *
 * <p>Differences on purpose: {@code riscv,isa} is a parameter and defaults to QEMU's string
 * without {@code h} (Ferry has no hypervisor extension); each hart's interrupt controller carries
 * {@code #address-cells = <0>}, which QEMU 7.2 omits and dtc warns about (Linux ignores it);
 * {@code rng-seed} is written only when the configuration gives one (QEMU always writes 32
 * random bytes); {@code linux,initrd-start/end} are one cell each like QEMU's, or two cells when
 * an address does not fit 32 bits (QEMU 7.2 would truncate it).
 */
public final class VirtDeviceTree {
    private VirtDeviceTree() {
    }

    /** QEMU 7.2's default rv64 ISA string. */
    public static final String QEMU_ISA = "rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";
    /** Ferry's: QEMU's without the hypervisor extension. */
    public static final String DEFAULT_ISA = "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";
    /** QEMU 7.2 writes sv48 for every rv64 hart with an MMU, whatever the hart supports. */
    public static final String DEFAULT_MMU_TYPE = "riscv,sv48";
    public static final long DEFAULT_RAM_BASE = 0x8000_0000L;
    public static final int TIMEBASE_FREQUENCY = 10_000_000;
    public static final String DEFAULT_STDOUT_PATH = "/soc/serial@10000000";
    /** QEMU 7.2 allows up to 512 harts on virt. */
    public static final int MAX_HARTS = 512;

    public static final long TEST_BASE = 0x10_0000L;
    public static final long TEST_SIZE = 0x1000;
    public static final long RTC_BASE = 0x10_1000L;
    public static final long RTC_SIZE = 0x1000;
    public static final int RTC_IRQ = 11;
    public static final long CLINT_BASE = 0x200_0000L;
    public static final long CLINT_SIZE = 0x1_0000L;
    public static final long PLIC_BASE = 0xC00_0000L;
    public static final long PLIC_SIZE = 0x60_0000L;
    /** The {@code riscv,ndev} QEMU 7.2 writes (its source count, 96, including source 0). */
    public static final int PLIC_NDEV = 96;
    public static final long UART_BASE = 0x1000_0000L;
    public static final long UART_SIZE = 0x100;
    public static final int UART_IRQ = 10;
    public static final int UART_CLOCK_FREQUENCY = 0x38_4000; // 3.6864 MHz
    public static final long VIRTIO_BASE = 0x1000_1000L;
    public static final long VIRTIO_SIZE = 0x1000;
    public static final int VIRTIO_COUNT = 8;
    public static final int VIRTIO_FIRST_IRQ = 1;
    public static final int POWEROFF_VALUE = 0x5555;
    public static final int REBOOT_VALUE = 0x7777;

    /** Hart-local interrupt numbers (mip bits) the CLINT and PLIC are wired to. */
    public static final int IRQ_M_SOFT = 3;
    public static final int IRQ_M_TIMER = 7;
    public static final int IRQ_S_EXT = 9;
    public static final int IRQ_M_EXT = 11;

    /** The nodes of QEMU 7.2's virt tree that Ferry leaves out, by path. */
    public static final List<String> OMITTED_QEMU_NODES = List.of(
            "/pmu", "/fw-cfg@10100000", "/flash@20000000", "/platform-bus@4000000", "/soc/pci@30000000");

    /** One virtio-mmio transport window and its PLIC source. */
    public record VirtioSlot(long address, int irq) {
    }

    /** The initrd's guest-physical range, end exclusive (as QEMU writes linux,initrd-end). */
    public record Initrd(long start, long end) {
        public Initrd {
            if (Long.compareUnsigned(end, start) < 0) {
                throw new IllegalArgumentException("initrd end before start");
            }
        }
    }

    /**
     * A node added after the board's own: created under {@code parentPath} with {@code name}, then
     * handed to {@code contents} to fill (which may look up other nodes through
     * {@link DtNode#tree()}, e.g. the PLIC's phandle).
     */
    public record ExtraNode(String parentPath, String name, Consumer<DtNode> contents) {
        public ExtraNode {
            Objects.requireNonNull(parentPath);
            Objects.requireNonNull(name);
            Objects.requireNonNull(contents);
        }
    }

    /** The 8 virtio-mmio slots QEMU always creates: 0x10001000 + n*0x1000, PLIC source n+1. */
    public static List<VirtioSlot> defaultVirtioSlots() {
        List<VirtioSlot> slots = new ArrayList<>();
        for (int i = 0; i < VIRTIO_COUNT; i++) {
            slots.add(new VirtioSlot(VIRTIO_BASE + i * VIRTIO_SIZE, VIRTIO_FIRST_IRQ + i));
        }
        return List.copyOf(slots);
    }

    /**
     * What the tree describes. {@code bootargs}, {@code initrd} and {@code rngSeed} may be null
     * (the property is then left out); {@code stdoutPath} null leaves out {@code stdout-path}.
     */
    public record Config(long ramBase, long ramSize, int harts, String isa, String mmuType,
                         int timebaseFrequency, String bootargs, Initrd initrd, String stdoutPath,
                         List<VirtioSlot> virtioSlots, byte[] rngSeed, List<ExtraNode> extraNodes) {
        public Config {
            if (ramSize <= 0) {
                throw new IllegalArgumentException("RAM size must be positive");
            }
            if (harts < 1 || harts > MAX_HARTS) {
                throw new IllegalArgumentException("harts must be 1.." + MAX_HARTS + ", not " + harts);
            }
            Objects.requireNonNull(isa);
            Objects.requireNonNull(mmuType);
            virtioSlots = List.copyOf(virtioSlots);
            extraNodes = List.copyOf(extraNodes);
            rngSeed = rngSeed == null ? null : rngSeed.clone();
        }

        /** QEMU's defaults (less the H extension) for this RAM size and hart count. */
        public static Config of(long ramSize, int harts) {
            return new Config(DEFAULT_RAM_BASE, ramSize, harts, DEFAULT_ISA, DEFAULT_MMU_TYPE,
                    TIMEBASE_FREQUENCY, null, null, DEFAULT_STDOUT_PATH, defaultVirtioSlots(), null, List.of());
        }

        @Override
        public byte[] rngSeed() {
            return rngSeed == null ? null : rngSeed.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && ramBase == c.ramBase && ramSize == c.ramSize && harts == c.harts
                    && isa.equals(c.isa) && mmuType.equals(c.mmuType) && timebaseFrequency == c.timebaseFrequency
                    && Objects.equals(bootargs, c.bootargs) && Objects.equals(initrd, c.initrd)
                    && Objects.equals(stdoutPath, c.stdoutPath) && virtioSlots.equals(c.virtioSlots)
                    && java.util.Arrays.equals(rngSeed, c.rngSeed) && extraNodes.equals(c.extraNodes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(ramBase, ramSize, harts, isa, mmuType, timebaseFrequency, bootargs, initrd,
                    stdoutPath, virtioSlots, java.util.Arrays.hashCode(rngSeed), extraNodes);
        }

        @Override
        public String toString() {
            return String.format("Config[ram=0x%x+0x%x, harts=%d, isa=%s, mmu=%s, timebase=%d, bootargs=%s, "
                    + "initrd=%s, stdout=%s, virtio=%d slots, rngSeed=%s, extraNodes=%d]", ramBase, ramSize, harts,
                    isa, mmuType, timebaseFrequency, bootargs, initrd, stdoutPath, virtioSlots.size(),
                    rngSeed == null ? "none" : rngSeed.length + " bytes", extraNodes.size());
        }

        public Config withRamBase(long v) {
            return new Config(v, ramSize, harts, isa, mmuType, timebaseFrequency, bootargs, initrd, stdoutPath,
                    virtioSlots, rngSeed, extraNodes);
        }

        public Config withIsa(String v) {
            return new Config(ramBase, ramSize, harts, v, mmuType, timebaseFrequency, bootargs, initrd, stdoutPath,
                    virtioSlots, rngSeed, extraNodes);
        }

        public Config withMmuType(String v) {
            return new Config(ramBase, ramSize, harts, isa, v, timebaseFrequency, bootargs, initrd, stdoutPath,
                    virtioSlots, rngSeed, extraNodes);
        }

        public Config withTimebaseFrequency(int v) {
            return new Config(ramBase, ramSize, harts, isa, mmuType, v, bootargs, initrd, stdoutPath,
                    virtioSlots, rngSeed, extraNodes);
        }

        public Config withBootargs(String v) {
            return new Config(ramBase, ramSize, harts, isa, mmuType, timebaseFrequency, v, initrd, stdoutPath,
                    virtioSlots, rngSeed, extraNodes);
        }

        public Config withInitrd(Initrd v) {
            return new Config(ramBase, ramSize, harts, isa, mmuType, timebaseFrequency, bootargs, v, stdoutPath,
                    virtioSlots, rngSeed, extraNodes);
        }

        public Config withStdoutPath(String v) {
            return new Config(ramBase, ramSize, harts, isa, mmuType, timebaseFrequency, bootargs, initrd, v,
                    virtioSlots, rngSeed, extraNodes);
        }

        public Config withVirtioSlots(List<VirtioSlot> v) {
            return new Config(ramBase, ramSize, harts, isa, mmuType, timebaseFrequency, bootargs, initrd, stdoutPath,
                    v, rngSeed, extraNodes);
        }

        public Config withRngSeed(byte[] v) {
            return new Config(ramBase, ramSize, harts, isa, mmuType, timebaseFrequency, bootargs, initrd, stdoutPath,
                    virtioSlots, v, extraNodes);
        }

        public Config withExtraNodes(List<ExtraNode> v) {
            return new Config(ramBase, ramSize, harts, isa, mmuType, timebaseFrequency, bootargs, initrd, stdoutPath,
                    virtioSlots, rngSeed, v);
        }
    }

    /** The blob for {@code config}. */
    public static byte[] dtb(Config config) {
        return build(config).toDtb();
    }

    /** The tree for {@code config}, still open to changes. */
    public static DeviceTree build(Config c) {
        DeviceTree tree = new DeviceTree();
        DtNode root = tree.root();
        root.setU32("#address-cells", 2);
        root.setU32("#size-cells", 2);
        root.setString("compatible", "riscv-virtio");
        root.setString("model", "riscv-virtio,qemu");

        // Top-level order as QEMU's: chosen, poweroff, reboot, memory, cpus, soc.
        DtNode chosen = root.addNode("chosen");
        DtNode poweroff = root.addNode("poweroff");
        DtNode reboot = root.addNode("reboot");
        DtNode memory = root.addNode("memory@" + Long.toHexString(c.ramBase()));
        DtNode cpus = root.addNode("cpus");
        DtNode soc = root.addNode("soc");

        // /cpus. QEMU hands out phandles from the last hart down: cpu, then its intc.
        cpus.setU32("#address-cells", 1);
        cpus.setU32("#size-cells", 0);
        cpus.setU32("timebase-frequency", c.timebaseFrequency());
        DtNode[] cpu = new DtNode[c.harts()];
        DtNode[] intc = new DtNode[c.harts()];
        for (int h = 0; h < c.harts(); h++) {
            cpu[h] = cpus.addNode("cpu@" + h); // decimal, as QEMU names them
        }
        for (int h = c.harts() - 1; h >= 0; h--) {
            DtNode n = cpu[h];
            n.phandle();
            n.setString("device_type", "cpu");
            n.setU32("reg", h);
            n.setString("status", "okay");
            n.setString("compatible", "riscv");
            n.setString("riscv,isa", c.isa());
            n.setString("mmu-type", c.mmuType());
            DtNode ic = n.addNode("interrupt-controller");
            ic.setU32("#interrupt-cells", 1);
            ic.setEmpty("interrupt-controller");
            ic.setString("compatible", "riscv,cpu-intc");
            ic.setU32("#address-cells", 0); // not in QEMU 7.2; keeps dtc's interrupt_provider check quiet
            ic.phandle();
            intc[h] = ic;
        }
        DtNode cluster = cpus.addNode("cpu-map").addNode("cluster0");
        for (int h = 0; h < c.harts(); h++) {
            cluster.addNode("core" + h).setU32("cpu", cpu[h].phandle());
        }

        // /soc: children in QEMU's order; the PLIC and the test device get their phandles next.
        soc.setU32("#address-cells", 2);
        soc.setU32("#size-cells", 2);
        soc.setString("compatible", "simple-bus");
        soc.setEmpty("ranges");
        DtNode rtc = soc.addNode("rtc@" + Long.toHexString(RTC_BASE));
        DtNode serial = soc.addNode("serial@" + Long.toHexString(UART_BASE));
        DtNode test = soc.addNode("test@" + Long.toHexString(TEST_BASE));
        List<VirtioSlot> slots = new ArrayList<>(c.virtioSlots());
        slots.sort((a, b) -> Long.compareUnsigned(b.address(), a.address())); // highest first, as QEMU
        DtNode[] virtio = new DtNode[slots.size()];
        for (int i = 0; i < slots.size(); i++) {
            virtio[i] = soc.addNode("virtio_mmio@" + Long.toHexString(slots.get(i).address()));
        }
        DtNode plic = soc.addNode("plic@" + Long.toHexString(PLIC_BASE));
        DtNode clint = soc.addNode("clint@" + Long.toHexString(CLINT_BASE));

        int plicPhandle = plic.phandle();
        int[] plicIrqs = new int[c.harts() * 4];
        int[] clintIrqs = new int[c.harts() * 4];
        for (int h = 0; h < c.harts(); h++) {
            int ph = intc[h].phandle();
            plicIrqs[h * 4] = ph;
            plicIrqs[h * 4 + 1] = IRQ_M_EXT;
            plicIrqs[h * 4 + 2] = ph;
            plicIrqs[h * 4 + 3] = IRQ_S_EXT;
            clintIrqs[h * 4] = ph;
            clintIrqs[h * 4 + 1] = IRQ_M_SOFT;
            clintIrqs[h * 4 + 2] = ph;
            clintIrqs[h * 4 + 3] = IRQ_M_TIMER;
        }
        plic.setU32("riscv,ndev", PLIC_NDEV);
        plic.setReg(PLIC_BASE, PLIC_SIZE);
        plic.setCells("interrupts-extended", plicIrqs);
        plic.setEmpty("interrupt-controller");
        plic.setStrings("compatible", "sifive,plic-1.0.0", "riscv,plic0");
        plic.setU32("#address-cells", 0);
        plic.setU32("#interrupt-cells", 1);

        clint.setCells("interrupts-extended", clintIrqs);
        clint.setReg(CLINT_BASE, CLINT_SIZE);
        clint.setStrings("compatible", "sifive,clint0", "riscv,clint0");

        int testPhandle = test.phandle();
        test.setReg(TEST_BASE, TEST_SIZE);
        test.setStrings("compatible", "sifive,test1", "sifive,test0", "syscon");

        rtc.setU32("interrupts", RTC_IRQ);
        rtc.setU32("interrupt-parent", plicPhandle);
        rtc.setReg(RTC_BASE, RTC_SIZE);
        rtc.setString("compatible", "google,goldfish-rtc");

        serial.setU32("interrupts", UART_IRQ);
        serial.setU32("interrupt-parent", plicPhandle);
        serial.setU32("clock-frequency", UART_CLOCK_FREQUENCY);
        serial.setReg(UART_BASE, UART_SIZE);
        serial.setString("compatible", "ns16550a");

        for (int i = 0; i < slots.size(); i++) {
            virtio[i].setU32("interrupts", slots.get(i).irq());
            virtio[i].setU32("interrupt-parent", plicPhandle);
            virtio[i].setReg(slots.get(i).address(), VIRTIO_SIZE);
            virtio[i].setString("compatible", "virtio,mmio");
        }

        // The rest of the root's children.
        if (c.initrd() != null) {
            setNumber(chosen, "linux,initrd-end", c.initrd().end());
            setNumber(chosen, "linux,initrd-start", c.initrd().start());
        }
        if (c.rngSeed() != null) {
            chosen.setBytes("rng-seed", c.rngSeed());
        }
        if (c.bootargs() != null) {
            chosen.setString("bootargs", c.bootargs());
        }
        if (c.stdoutPath() != null) {
            chosen.setString("stdout-path", c.stdoutPath());
        }

        for (DtNode n : new DtNode[] {poweroff, reboot}) {
            n.setU32("value", n == poweroff ? POWEROFF_VALUE : REBOOT_VALUE);
            n.setU32("offset", 0);
            n.setU32("regmap", testPhandle);
            n.setString("compatible", n == poweroff ? "syscon-poweroff" : "syscon-reboot");
        }

        memory.setString("device_type", "memory");
        memory.setReg(c.ramBase(), c.ramSize());

        for (ExtraNode e : c.extraNodes()) {
            DtNode parent = tree.node(e.parentPath());
            if (parent == null) {
                throw new IllegalArgumentException("extra node " + e.name() + ": no parent " + e.parentPath());
            }
            e.contents().accept(parent.addNode(e.name()));
        }
        return tree;
    }

    /** One cell when the value fits (as QEMU 7.2 writes it), two otherwise. */
    private static void setNumber(DtNode n, String name, long v) {
        if ((v >>> 32) == 0) {
            n.setU32(name, (int) v);
        } else {
            n.setU64(name, v);
        }
    }
}
