package dev.ferry.hw.fdt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A device tree held in memory: a root {@link DtNode}, the memory reservation block and the boot
 * CPU id. Build one with {@link #DeviceTree()} and {@link DtNode#addNode(String)}, write it as a
 * flattened device tree blob (version 17) with {@link #toDtb()}, read one with
 * {@link #fromDtb(byte[])} or {@link #read(Path)}, and check its cross references with
 * {@link #check()}.
 */
public final class DeviceTree {
    /** Largest blob {@link #read(Path)} accepts: far above any real tree, far below trouble. */
    public static final int MAX_DTB_SIZE = 16 << 20;

    /** One entry of the memory reservation block. */
    public record Reservation(long address, long size) {
    }

    private final DtNode root = new DtNode(this, null, "");
    private final List<Reservation> reservations = new ArrayList<>();
    private int bootCpuId;

    public DtNode root() {
        return root;
    }

    /**
     * The node at an absolute path ("/", "/soc/serial@10000000"); a path element without unit
     * address matches the first child of that base name. Returns null when there is none.
     */
    public DtNode node(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + path);
        }
        DtNode n = root;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            n = n.child(part);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /** Like {@link #node(String)} but throws {@link IllegalStateException} when the node is missing. */
    public DtNode requireNode(String path) {
        DtNode n = node(path);
        if (n == null) {
            throw new IllegalStateException("no node " + path);
        }
        return n;
    }

    /** The node whose phandle is {@code phandle}, or null. */
    public DtNode nodeByPhandle(int phandle) {
        for (DtNode n : nodes()) {
            var p = n.existingPhandle();
            if (p.isPresent() && p.getAsInt() == phandle) {
                return n;
            }
        }
        return null;
    }

    /** Every node, depth first, parents before children, in document order. */
    public List<DtNode> nodes() {
        List<DtNode> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(DtNode n, List<DtNode> out) {
        out.add(n);
        for (DtNode c : n.children()) {
            collect(c, out);
        }
    }

    int nextFreePhandle() {
        long max = 0;
        for (DtNode n : nodes()) {
            for (String name : new String[] {"phandle", "linux,phandle"}) {
                DtProperty p = n.property(name);
                if (p != null && p.length() == 4) {
                    max = Math.max(max, p.asU32() & 0xFFFF_FFFFL);
                }
            }
        }
        if (max >= 0xFFFF_FFFEL) {
            throw new IllegalStateException("no phandle left");
        }
        return (int) (max + 1);
    }

    public List<Reservation> reservations() {
        return Collections.unmodifiableList(reservations);
    }

    public DeviceTree addReservation(long address, long size) {
        if (address == 0 && size == 0) {
            throw new IllegalArgumentException("(0, 0) ends the reservation block and cannot be an entry");
        }
        reservations.add(new Reservation(address, size));
        return this;
    }

    public int bootCpuId() {
        return bootCpuId;
    }

    public DeviceTree setBootCpuId(int id) {
        bootCpuId = id;
        return this;
    }

    /** The flattened device tree blob, version 17, with no free space at the end. */
    public byte[] toDtb() {
        return DtbWriter.write(this, 0);
    }

    /**
     * The blob padded with zeros to at least {@code minTotalSize} bytes ({@code totalsize} says so),
     * leaving room for firmware that edits the tree in place.
     */
    public byte[] toDtb(int minTotalSize) {
        return DtbWriter.write(this, minTotalSize);
    }

    /** Reads a blob; throws {@link FdtException} saying what is wrong when it is malformed. */
    public static DeviceTree fromDtb(byte[] dtb) {
        return DtbParser.parse(dtb);
    }

    /** Reads a blob from a file (a user's {@code -dtb FILE}), refusing files over {@link #MAX_DTB_SIZE}. */
    public static DeviceTree read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(MAX_DTB_SIZE + 1);
            if (b.length > MAX_DTB_SIZE) {
                throw new FdtException(file + ": larger than " + MAX_DTB_SIZE + " bytes, not a device tree blob");
            }
            try {
                return fromDtb(b);
            } catch (FdtException e) {
                throw new FdtException(file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Checks the cross references a guest relies on and returns one line per problem (empty when
     * none): phandles unique and valid, {@code interrupt-parent}, {@code interrupts-extended},
     * {@code regmap} and cpu-map {@code cpu} references resolving, {@code interrupts} and
     * {@code reg} lengths matching the cell counts, interrupt-parent chains ending (no loops),
     * and {@code /chosen/stdout-path} naming a node.
     */
    public List<String> check() {
        return DtChecker.check(this);
    }

    /** Device tree source text in the style of {@code dtc -O dts}. */
    public String toDts() {
        return Dts.format(this);
    }

    @Override
    public String toString() {
        return toDts();
    }
}
