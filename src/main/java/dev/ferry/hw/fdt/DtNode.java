package dev.ferry.hw.fdt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

/**
 * A node of a {@link DeviceTree}: a name (with its unit address, e.g. {@code serial@10000000}),
 * properties in insertion order and child nodes in insertion order. Nodes are made only through
 * {@link #addNode(String)} so that each belongs to one tree (phandles are allocated tree-wide).
 * Setting a property that already exists replaces its value and keeps its place.
 */
public final class DtNode {
    private final DeviceTree tree;
    private final DtNode parent;
    private final String name;
    private final List<DtProperty> properties = new ArrayList<>();
    private final List<DtNode> children = new ArrayList<>();

    DtNode(DeviceTree tree, DtNode parent, String name) {
        this.tree = tree;
        this.parent = parent;
        this.name = name;
    }

    public DeviceTree tree() {
        return tree;
    }

    /** The parent node, or null for the root. */
    public DtNode parent() {
        return parent;
    }

    /** The node name including any unit address; "" for the root. */
    public String name() {
        return name;
    }

    /** The name without its unit address ({@code serial} for {@code serial@10000000}). */
    public String baseName() {
        int at = name.indexOf('@');
        return at < 0 ? name : name.substring(0, at);
    }

    /** The full path: "/" for the root, else "/soc/serial@10000000". */
    public String path() {
        if (parent == null) {
            return "/";
        }
        String p = parent.path();
        return p.equals("/") ? "/" + name : p + "/" + name;
    }

    public int depth() {
        int d = 0;
        for (DtNode n = parent; n != null; n = n.parent) {
            d++;
        }
        return d;
    }

    public List<DtProperty> properties() {
        return Collections.unmodifiableList(properties);
    }

    public List<DtNode> children() {
        return Collections.unmodifiableList(children);
    }

    /** The property with this name, or null. */
    public DtProperty property(String propertyName) {
        for (DtProperty p : properties) {
            if (p.name().equals(propertyName)) {
                return p;
            }
        }
        return null;
    }

    public boolean hasProperty(String propertyName) {
        return property(propertyName) != null;
    }

    /** The property with this name; throws {@link IllegalStateException} when it is missing. */
    public DtProperty requireProperty(String propertyName) {
        DtProperty p = property(propertyName);
        if (p == null) {
            throw new IllegalStateException(path() + " has no property " + propertyName);
        }
        return p;
    }

    /**
     * The child with exactly this name or, when {@code childName} has no unit address, the first
     * child whose name without unit address matches (as libfdt looks paths up); null if none.
     */
    public DtNode child(String childName) {
        for (DtNode c : children) {
            if (c.name.equals(childName)) {
                return c;
            }
        }
        if (childName.indexOf('@') < 0) {
            for (DtNode c : children) {
                if (c.baseName().equals(childName)) {
                    return c;
                }
            }
        }
        return null;
    }

    /** Adds a new child at the end; the name must be a valid node name not already used here. */
    public DtNode addNode(String childName) {
        checkNodeName(childName);
        for (DtNode c : children) {
            if (c.name.equals(childName)) {
                throw new IllegalArgumentException(path() + " already has a child " + childName);
            }
        }
        DtNode n = new DtNode(tree, this, childName);
        children.add(n);
        return n;
    }

    /** Removes the child with exactly this name; returns whether there was one. */
    public boolean removeNode(String childName) {
        return children.removeIf(c -> c.name.equals(childName));
    }

    public boolean removeProperty(String propertyName) {
        return properties.removeIf(p -> p.name().equals(propertyName));
    }

    // ---- property setters (big-endian, as the device tree is) ----

    public DtNode setBytes(String propertyName, byte[] value) {
        checkPropertyName(propertyName);
        return put(DtProperty.wrap(propertyName, value.clone()));
    }

    /** A property without a value, such as {@code interrupt-controller} or {@code ranges}. */
    public DtNode setEmpty(String propertyName) {
        return setBytes(propertyName, new byte[0]);
    }

    public DtNode setU32(String propertyName, int value) {
        return setCells(propertyName, value);
    }

    /** A 64-bit value as two cells, high cell first. */
    public DtNode setU64(String propertyName, long value) {
        return setCells(propertyName, (int) (value >>> 32), (int) value);
    }

    public DtNode setCells(String propertyName, int... cells) {
        byte[] b = new byte[cells.length * 4];
        for (int i = 0; i < cells.length; i++) {
            putCell(b, i * 4, cells[i]);
        }
        checkPropertyName(propertyName);
        return put(DtProperty.wrap(propertyName, b));
    }

    public DtNode setString(String propertyName, String value) {
        return setStrings(propertyName, value);
    }

    /** A string list: each string NUL-terminated, one after the other. */
    public DtNode setStrings(String propertyName, String... values) {
        int len = 0;
        byte[][] encoded = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            encoded[i] = values[i].getBytes(StandardCharsets.UTF_8);
            for (byte c : encoded[i]) {
                if (c == 0) {
                    throw new IllegalArgumentException("string in " + propertyName + " contains NUL");
                }
            }
            len += encoded[i].length + 1;
        }
        byte[] b = new byte[len];
        int o = 0;
        for (byte[] e : encoded) {
            System.arraycopy(e, 0, b, o, e.length);
            o += e.length + 1;
        }
        checkPropertyName(propertyName);
        return put(DtProperty.wrap(propertyName, b));
    }

    /**
     * A {@code reg} property of (address, size) pairs encoded with the parent's
     * {@code #address-cells} and {@code #size-cells} (2 and 1 when the parent does not say).
     */
    public DtNode setReg(long... addressSizePairs) {
        if (addressSizePairs.length % 2 != 0) {
            throw new IllegalArgumentException("reg needs (address, size) pairs");
        }
        int ac = parent == null ? 2 : parent.cellCount("#address-cells", 2);
        int sc = parent == null ? 1 : parent.cellCount("#size-cells", 1);
        if (ac > 2 || sc > 2) {
            throw new IllegalStateException("setReg supports at most 2 address and size cells");
        }
        int[] cells = new int[addressSizePairs.length / 2 * (ac + sc)];
        int o = 0;
        for (int i = 0; i < addressSizePairs.length; i += 2) {
            o = putNumber(cells, o, addressSizePairs[i], ac, "address");
            o = putNumber(cells, o, addressSizePairs[i + 1], sc, "size");
        }
        return setCells("reg", cells);
    }

    private static int putNumber(int[] cells, int o, long v, int n, String what) {
        if (n == 1 && (v >>> 32) != 0) {
            throw new IllegalArgumentException(what + " 0x" + Long.toHexString(v) + " does not fit one cell");
        }
        if (n == 2) {
            cells[o++] = (int) (v >>> 32);
        }
        if (n >= 1) {
            cells[o++] = (int) v;
        } else if (v != 0) {
            throw new IllegalArgumentException(what + " must be 0 with zero cells");
        }
        return o;
    }

    /** The value of a one-cell property such as {@code #address-cells}, or {@code dflt} when absent. */
    int cellCount(String propertyName, int dflt) {
        DtProperty p = property(propertyName);
        return p == null ? dflt : p.asU32();
    }

    // ---- phandles ----

    /** This node's phandle, allocating a fresh one (and adding a {@code phandle} property) if it has none. */
    public int phandle() {
        OptionalInt existing = existingPhandle();
        if (existing.isPresent()) {
            return existing.getAsInt();
        }
        int ph = tree.nextFreePhandle();
        setU32("phandle", ph);
        return ph;
    }

    /** The phandle this node already has ({@code phandle}, else legacy {@code linux,phandle}). */
    public OptionalInt existingPhandle() {
        DtProperty p = property("phandle");
        if (p == null) {
            p = property("linux,phandle");
        }
        return p != null && p.length() == 4 ? OptionalInt.of(p.asU32()) : OptionalInt.empty();
    }

    // ---- internals ----

    DtNode put(DtProperty p) {
        for (int i = 0; i < properties.size(); i++) {
            if (properties.get(i).name().equals(p.name())) {
                properties.set(i, p);
                return this;
            }
        }
        properties.add(p);
        return this;
    }

    /** For the parser, which has already checked that the name is new. */
    void appendParsedProperty(DtProperty p) {
        properties.add(p);
    }

    /** For the parser, which has already checked that the name is new. */
    DtNode appendParsedChild(String childName) {
        DtNode n = new DtNode(tree, this, childName);
        children.add(n);
        return n;
    }

    static void putCell(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

    /** Node names use the Devicetree Specification's characters: name, then an optional @unit-address. */
    static void checkNodeName(String n) {
        if (n.isEmpty()) {
            throw new IllegalArgumentException("empty node name");
        }
        int at = n.indexOf('@');
        String base = at < 0 ? n : n.substring(0, at);
        if (base.isEmpty()) {
            throw new IllegalArgumentException("node name " + n + " has no name before @");
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == ',' || c == '.' || c == '_' || c == '+' || c == '-' || (c == '@' && i == at);
            if (!ok) {
                throw new IllegalArgumentException("invalid character '" + c + "' in node name " + n);
            }
        }
    }

    /** Property names use the Devicetree Specification's characters, [0-9a-zA-Z,._+?#-]. */
    static void checkPropertyName(String n) {
        if (n.isEmpty()) {
            throw new IllegalArgumentException("empty property name");
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == ',' || c == '.' || c == '_' || c == '+' || c == '?' || c == '#' || c == '-';
            if (!ok) {
                throw new IllegalArgumentException("invalid character '" + c + "' in property name " + n);
            }
        }
    }

    @Override
    public String toString() {
        return path();
    }
}
