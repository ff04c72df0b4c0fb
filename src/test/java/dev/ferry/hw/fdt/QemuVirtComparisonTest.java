package dev.ferry.hw.fdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.hw.fdt.VirtDeviceTree.Config;
import dev.ferry.hw.fdt.VirtDeviceTree.Initrd;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compares Ferry's virt tree by meaning with trees QEMU 7.2 dumped ({@code dumpdtb}, decompiled by
 * dtc, kept as test resources): every node and property Ferry writes that QEMU also has must agree
 * in value, phandle references compared by the path of the node they name; QEMU's nodes that
 * Ferry lacks must be exactly {@link VirtDeviceTree#OMITTED_QEMU_NODES}; order agrees too.
 */
class QemuVirtComparisonTest {

    /** 32 bytes, standing in for QEMU's random rng-seed (compared by length only). */
    static final byte[] SEED = new byte[32];

    static Stream<Arguments> dumps() {
        return Stream.of(
                Arguments.of("qemu-virt-256M.dts", Config.of(256L << 20, 1).withRngSeed(SEED)),
                Arguments.of("qemu-virt-256M-smp2-initrd.dts", Config.of(256L << 20, 2).withRngSeed(SEED)
                        .withBootargs("console=ttyS0 root=/dev/vda")
                        .withInitrd(new Initrd(0x8820_0000L, 0x8820_0000L + 10_000))),
                Arguments.of("qemu-virt-5G-smp12.dts", Config.of(5L << 30, 12).withRngSeed(SEED)));
    }

    /** Properties Ferry writes that QEMU 7.2 does not, on purpose (see VirtDeviceTree). */
    static boolean ferryOnly(String path, String prop) {
        return path.matches("/cpus/cpu@\\d+/interrupt-controller") && prop.equals("#address-cells");
    }

    /** Where Ferry's value differs from QEMU's on purpose: Ferry's expected value by property name. */
    static final Map<String, String> FERRY_VALUES = Map.of(
            "riscv,isa", "\"" + VirtDeviceTree.DEFAULT_ISA + "\"");
    static final Map<String, String> QEMU_VALUES = Map.of(
            "riscv,isa", "\"" + VirtDeviceTree.QEMU_ISA + "\"");

    /**
     * A node's properties by name, values in a form that does not depend on phandle numbers:
     * references become "&path", phandles themselves "<phandle>", rng-seed its length.
     */
    static Map<String, String> meaning(DeviceTree t, DtNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        for (DtProperty p : n.properties()) {
            String v = switch (p.name()) {
                case "phandle", "linux,phandle" -> "<phandle>";
                case "interrupt-parent", "regmap", "cpu" -> ref(t, p.asU32());
                case "interrupts-extended" -> interruptsExtended(t, p.asCells());
                case "rng-seed" -> "<" + p.length() + " random bytes>";
                case "riscv,isa" -> "\"" + p.asString() + "\"";
                case "compatible", "model", "status", "device_type", "mmu-type", "bootargs",
                     "stdout-path" -> p.asStrings().toString();
                default -> HexFormat.of().formatHex(p.value());
            };
            out.put(p.name(), v);
        }
        return out;
    }

    static String ref(DeviceTree t, int phandle) {
        DtNode target = t.nodeByPhandle(phandle);
        return target == null ? "&<dangling " + phandle + ">" : "&" + target.path();
    }

    static String interruptsExtended(DeviceTree t, int[] cells) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < cells.length) {
            DtNode target = t.nodeByPhandle(cells[i]);
            int n = target == null ? 0 : target.requireProperty("#interrupt-cells").asU32();
            StringBuilder sb = new StringBuilder(ref(t, cells[i]));
            for (int k = 1; k <= n; k++) {
                sb.append(' ').append(cells[i + k]);
            }
            parts.add(sb.toString());
            i += 1 + n;
        }
        return parts.toString();
    }

    static Map<String, DtNode> byPath(DeviceTree t) {
        Map<String, DtNode> m = new LinkedHashMap<>();
        for (DtNode n : t.nodes()) {
            m.put(n.path(), n);
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void agreesWithQemuByMeaning(String resource, Config config) throws Exception {
        DeviceTree qemu = DtsReader.resource(resource);
        DeviceTree ferry = DeviceTree.fromDtb(VirtDeviceTree.dtb(config));
        Map<String, DtNode> q = byPath(qemu);
        Map<String, DtNode> f = byPath(ferry);
        List<String> problems = new ArrayList<>();

        // Nodes: Ferry's are all QEMU's; QEMU's extra ones are exactly the documented omissions.
        for (String path : f.keySet()) {
            if (!q.containsKey(path)) {
                problems.add("Ferry has node " + path + " that QEMU has not");
            }
        }
        Set<String> qemuOnly = new TreeSet<>(q.keySet());
        qemuOnly.removeAll(f.keySet());
        assertEquals(new TreeSet<>(VirtDeviceTree.OMITTED_QEMU_NODES), qemuOnly, "QEMU nodes Ferry leaves out");

        for (Map.Entry<String, DtNode> e : f.entrySet()) {
            String path = e.getKey();
            DtNode qn = q.get(path);
            if (qn == null) {
                continue;
            }
            Map<String, String> fm = meaning(ferry, e.getValue());
            Map<String, String> qm = meaning(qemu, qn);
            for (Map.Entry<String, String> p : fm.entrySet()) {
                String name = p.getKey();
                String qv = qm.get(name);
                if (qv == null) {
                    if (!ferryOnly(path, name)) {
                        problems.add(path + ":" + name + " is Ferry's only");
                    }
                    continue;
                }
                String expectF = FERRY_VALUES.containsKey(name) ? FERRY_VALUES.get(name) : qv;
                if (QEMU_VALUES.containsKey(name)) {
                    assertEquals(QEMU_VALUES.get(name), qv, "the dump's " + path + ":" + name);
                }
                if (!expectF.equals(p.getValue())) {
                    problems.add(path + ":" + name + " Ferry " + p.getValue() + " vs QEMU " + qv);
                }
            }
            for (String name : qm.keySet()) {
                if (!fm.containsKey(name)) {
                    problems.add(path + ":" + name + " QEMU has, Ferry has not");
                }
            }
            // Same property order (leaving out Ferry's own additions).
            List<String> fOrder = fm.keySet().stream().filter(n -> !ferryOnly(path, n)).toList();
            List<String> qOrder = new ArrayList<>(qm.keySet());
            if (!fOrder.equals(qOrder)) {
                problems.add(path + ": property order " + fOrder + " vs QEMU " + qOrder);
            }
            // Same child order (leaving out what Ferry omits).
            List<String> fKids = e.getValue().children().stream().map(DtNode::path).toList();
            List<String> qKids = qn.children().stream().map(DtNode::path)
                    .filter(p -> !VirtDeviceTree.OMITTED_QEMU_NODES.contains(p)).toList();
            if (!fKids.equals(qKids)) {
                problems.add(path + ": children " + fKids + " vs QEMU " + qKids);
            }
            // Phandle numbers come out as QEMU's too (not required by a guest, but cheap to keep).
            if (!e.getValue().existingPhandle().equals(qn.existingPhandle())) {
                problems.add(path + ": phandle " + e.getValue().existingPhandle() + " vs QEMU " + qn.existingPhandle());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(List.of(), ferry.check());
    }
}
