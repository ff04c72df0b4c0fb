package dev.ferry.hw.fdt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cross-reference checks of {@link DeviceTree#check()}: what a guest kernel follows when it
 * reads the tree (phandles, interrupt routing, reg sizes, the console path). Each problem is one
 * line naming the node and property. Loops in interrupt-parent chains are found, not followed.
 */
final class DtChecker {
    private final DeviceTree tree;
    private final List<String> problems = new ArrayList<>();
    private final Map<Integer, DtNode> byPhandle = new HashMap<>();

    private DtChecker(DeviceTree tree) {
        this.tree = tree;
    }

    static List<String> check(DeviceTree tree) {
        DtChecker c = new DtChecker(tree);
        c.run();
        return List.copyOf(c.problems);
    }

    private void run() {
        List<DtNode> nodes = tree.nodes();
        for (DtNode n : nodes) {
            collectPhandle(n);
        }
        for (DtNode n : nodes) {
            checkCellCounts(n);
            checkReg(n);
            checkInterruptParent(n);
            checkInterrupts(n);
            checkInterruptsExtended(n);
            checkSinglePhandle(n, "regmap");
            if (n.parent() != null && inCpuMap(n)) {
                checkSinglePhandle(n, "cpu");
            }
        }
        checkStdoutPath();
    }

    private void problem(DtNode n, String prop, String what) {
        problems.add(n.path() + (prop == null ? "" : ":" + prop) + ": " + what);
    }

    private void collectPhandle(DtNode n) {
        DtProperty ph = n.property("phandle");
        DtProperty linux = n.property("linux,phandle");
        for (DtProperty p : new DtProperty[] {ph, linux}) {
            if (p != null && p.length() != 4) {
                problem(n, p.name(), "is " + p.length() + " bytes, not one cell");
            }
        }
        if (ph != null && linux != null && ph.length() == 4 && linux.length() == 4 && ph.asU32() != linux.asU32()) {
            problem(n, "linux,phandle", "differs from phandle");
        }
        var v = n.existingPhandle();
        if (v.isEmpty()) {
            return;
        }
        int value = v.getAsInt();
        if (value == 0 || value == -1) {
            problem(n, "phandle", String.format("0x%x is not a valid phandle", value));
            return;
        }
        DtNode other = byPhandle.putIfAbsent(value, n);
        if (other != null) {
            problem(n, "phandle", String.format("0x%x is also the phandle of %s", value, other.path()));
        }
    }

    private void checkCellCounts(DtNode n) {
        for (String name : new String[] {"#address-cells", "#size-cells", "#interrupt-cells"}) {
            DtProperty p = n.property(name);
            if (p == null) {
                continue;
            }
            if (p.length() != 4) {
                problem(n, name, "is " + p.length() + " bytes, not one cell");
            } else if (Integer.compareUnsigned(p.asU32(), 4) > 0) {
                problem(n, name, "is " + Integer.toUnsignedString(p.asU32()) + ", more than 4");
            }
        }
    }

    /** A one-cell count property, the default when absent, or -1 when it is malformed. */
    private static int count(DtNode n, String name, int dflt) {
        DtProperty p = n.property(name);
        if (p == null) {
            return dflt;
        }
        if (p.length() != 4 || Integer.compareUnsigned(p.asU32(), 4) > 0) {
            return -1;
        }
        return p.asU32();
    }

    private void checkReg(DtNode n) {
        DtProperty reg = n.property("reg");
        if (reg == null || n.parent() == null) {
            return;
        }
        int ac = count(n.parent(), "#address-cells", 2);
        int sc = count(n.parent(), "#size-cells", 1);
        if (ac < 0 || sc < 0) {
            return; // reported on the parent
        }
        int entry = (ac + sc) * 4;
        if (entry == 0 ? reg.length() != 0 : reg.length() % entry != 0) {
            problem(n, "reg", "is " + reg.length() + " bytes, not a whole number of (" + ac + " + " + sc
                    + ")-cell entries");
        }
    }

    private DtNode resolve(DtNode n, String prop, int phandle) {
        DtNode target = byPhandle.get(phandle);
        if (target == null) {
            problem(n, prop, String.format("phandle 0x%x names no node", phandle));
        }
        return target;
    }

    private void checkSinglePhandle(DtNode n, String prop) {
        DtProperty p = n.property(prop);
        if (p == null) {
            return;
        }
        if (p.length() != 4) {
            problem(n, prop, "is " + p.length() + " bytes, not one phandle");
            return;
        }
        resolve(n, prop, p.asU32());
    }

    private static boolean inCpuMap(DtNode n) {
        for (DtNode a = n.parent(); a != null; a = a.parent()) {
            if (a.name().equals("cpu-map")) {
                return true;
            }
        }
        return false;
    }

    private void checkInterruptParent(DtNode n) {
        checkSinglePhandle(n, "interrupt-parent");
    }

    /**
     * The interrupt domain a node's {@code interrupts} go to: the node named by the nearest
     * {@code interrupt-parent} (own or an ancestor's), followed on through nodes that are neither
     * controllers nor nexuses. Null (and a problem reported) when it is missing or loops.
     */
    private DtNode interruptDomain(DtNode n) {
        Set<DtNode> seen = new HashSet<>();
        DtNode at = n;
        while (true) {
            DtNode holder = at;
            while (holder != null && !holder.hasProperty("interrupt-parent")) {
                holder = holder.parent();
            }
            if (holder == null) {
                problem(n, "interrupts", "no interrupt-parent on the node or its ancestors"
                        + (at == n ? "" : " (followed to " + at.path() + ")"));
                return null;
            }
            DtProperty ip = holder.property("interrupt-parent");
            if (ip.length() != 4) {
                return null; // reported by checkInterruptParent
            }
            DtNode parent = byPhandle.get(ip.asU32());
            if (parent == null) {
                return null; // reported by checkInterruptParent
            }
            if (parent.hasProperty("interrupt-controller") || parent.hasProperty("interrupt-map")) {
                return parent;
            }
            if (!seen.add(parent)) {
                problem(n, "interrupts", "interrupt-parent chain loops at " + parent.path());
                return null;
            }
            at = parent;
        }
    }

    private void checkInterrupts(DtNode n) {
        DtProperty p = n.property("interrupts");
        if (p == null || n.hasProperty("interrupts-extended")) {
            return;
        }
        DtNode domain = interruptDomain(n);
        if (domain == null) {
            return;
        }
        int cells = count(domain, "#interrupt-cells", -1);
        if (cells <= 0) {
            problem(n, "interrupts", "interrupt parent " + domain.path() + " has no usable #interrupt-cells");
        } else if (p.length() == 0 || p.length() % (cells * 4) != 0) {
            problem(n, "interrupts", "is " + p.length() + " bytes, not a whole number of " + cells
                    + "-cell specifiers for " + domain.path());
        }
    }

    private void checkInterruptsExtended(DtNode n) {
        DtProperty p = n.property("interrupts-extended");
        if (p == null) {
            return;
        }
        if (p.length() == 0 || p.length() % 4 != 0) {
            problem(n, "interrupts-extended", "is " + p.length() + " bytes, not whole cells");
            return;
        }
        int[] cells = p.asCells();
        int i = 0;
        while (i < cells.length) {
            DtNode target = resolve(n, "interrupts-extended", cells[i]);
            if (target == null) {
                return;
            }
            int ic = count(target, "#interrupt-cells", -1);
            if (ic <= 0) {
                problem(n, "interrupts-extended", target.path() + " has no usable #interrupt-cells");
                return;
            }
            if (i + 1 + ic > cells.length) {
                problem(n, "interrupts-extended", "entry for " + target.path() + " at cell " + i
                        + " is cut short");
                return;
            }
            i += 1 + ic;
        }
    }

    private void checkStdoutPath() {
        DtNode chosen = tree.node("/chosen");
        DtProperty p = chosen == null ? null : chosen.property("stdout-path");
        if (p == null) {
            return;
        }
        String path;
        try {
            path = p.asString();
        } catch (IllegalStateException e) {
            problem(chosen, "stdout-path", "is not a string");
            return;
        }
        int colon = path.indexOf(':');
        String nodePath = colon < 0 ? path : path.substring(0, colon);
        if (!nodePath.startsWith("/")) {
            DtNode aliases = tree.node("/aliases");
            DtProperty alias = aliases == null ? null : aliases.property(nodePath);
            if (alias == null) {
                problem(chosen, "stdout-path", "alias " + nodePath + " is not in /aliases");
                return;
            }
            try {
                nodePath = alias.asString();
            } catch (IllegalStateException e) {
                problem(aliases, nodePath, "is not a string");
                return;
            }
            if (!nodePath.startsWith("/")) {
                problem(aliases, nodePath, "is not an absolute path");
                return;
            }
        }
        if (tree.node(nodePath) == null) {
            problem(chosen, "stdout-path", nodePath + " names no node");
        }
    }
}
