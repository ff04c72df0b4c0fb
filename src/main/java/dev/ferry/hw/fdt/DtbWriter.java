package dev.ferry.hw.fdt;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a {@link DeviceTree} as a flattened device tree blob, version 17 (Devicetree
 * Specification, chapter 5): header, memory reservation block, structure block, strings block.
 * Property names are stored once each in the strings block.
 */
final class DtbWriter {
    static final int MAGIC = 0xD00DFEED;
    static final int VERSION = 17;
    static final int LAST_COMP_VERSION = 16;
    static final int HEADER_SIZE = 40;

    static final int FDT_BEGIN_NODE = 1;
    static final int FDT_END_NODE = 2;
    static final int FDT_PROP = 3;
    static final int FDT_NOP = 4;
    static final int FDT_END = 9;

    private final ByteArrayOutputStream struct = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> stringOffsets = new LinkedHashMap<>();

    private DtbWriter() {
    }

    static byte[] write(DeviceTree tree, int minTotalSize) {
        DtbWriter w = new DtbWriter();
        w.node(tree.root());
        w.token(FDT_END);

        int rsvOff = HEADER_SIZE; // 8-aligned, as the reservation block must be
        int rsvSize = (tree.reservations().size() + 1) * 16;
        int structOff = rsvOff + rsvSize;
        int structSize = w.struct.size();
        int stringsOff = structOff + structSize;
        int stringsSize = w.strings.size();
        int total = Math.max(stringsOff + stringsSize, minTotalSize);

        ByteBuffer b = ByteBuffer.allocate(total); // big-endian by default
        b.putInt(MAGIC).putInt(total).putInt(structOff).putInt(stringsOff).putInt(rsvOff)
                .putInt(VERSION).putInt(LAST_COMP_VERSION).putInt(tree.bootCpuId())
                .putInt(stringsSize).putInt(structSize);
        for (DeviceTree.Reservation r : tree.reservations()) {
            b.putLong(r.address()).putLong(r.size());
        }
        b.putLong(0).putLong(0);
        b.put(w.struct.toByteArray());
        b.put(w.strings.toByteArray());
        return b.array();
    }

    private void node(DtNode n) {
        token(FDT_BEGIN_NODE);
        byte[] name = n.name().getBytes(StandardCharsets.UTF_8);
        struct.writeBytes(name);
        struct.write(0);
        pad();
        for (DtProperty p : n.properties()) {
            token(FDT_PROP);
            token(p.length());
            token(stringOffset(p.name()));
            struct.writeBytes(p.rawValue());
            pad();
        }
        for (DtNode c : n.children()) {
            node(c);
        }
        token(FDT_END_NODE);
    }

    private int stringOffset(String s) {
        return stringOffsets.computeIfAbsent(s, k -> {
            int off = strings.size();
            strings.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            strings.write(0);
            return off;
        });
    }

    private void token(int v) {
        struct.write(v >>> 24);
        struct.write(v >>> 16);
        struct.write(v >>> 8);
        struct.write(v);
    }

    private void pad() {
        while (struct.size() % 4 != 0) {
            struct.write(0);
        }
    }
}
