package dev.ferry.hw.fdt;

import static dev.ferry.hw.fdt.DtbWriter.FDT_BEGIN_NODE;
import static dev.ferry.hw.fdt.DtbWriter.FDT_END;
import static dev.ferry.hw.fdt.DtbWriter.FDT_END_NODE;
import static dev.ferry.hw.fdt.DtbWriter.FDT_NOP;
import static dev.ferry.hw.fdt.DtbWriter.FDT_PROP;
import static dev.ferry.hw.fdt.DtbWriter.MAGIC;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads a flattened device tree blob (versions 16 and 17) into a {@link DeviceTree}.
 *
 * <p>Built for untrusted input: every offset and length is checked against the blob before use,
 * the structure block is walked once from start to end (each step moves forward, so it ends),
 * nesting is limited to {@link #MAX_DEPTH}, and nothing is allocated beyond what the blob itself
 * holds. Anything wrong raises {@link FdtException} naming the problem and its offset.
 */
final class DtbParser {
    /** Deepest nesting accepted (the root is depth 0); Linux's own unflattening stops at 64. */
    static final int MAX_DEPTH = 64;

    private final byte[] b;
    private final int structStart;
    private final int structEnd;
    private final int stringsStart;
    private final int stringsEnd;
    private final Map<Integer, String> nameCache = new HashMap<>();

    private DtbParser(byte[] b, int structStart, int structEnd, int stringsStart, int stringsEnd) {
        this.b = b;
        this.structStart = structStart;
        this.structEnd = structEnd;
        this.stringsStart = stringsStart;
        this.stringsEnd = stringsEnd;
    }

    static DeviceTree parse(byte[] b) {
        if (b.length < 4) {
            throw new FdtException("truncated: " + b.length + " bytes, not even a magic number");
        }
        int magic = u32(b, 0);
        if (magic != MAGIC) {
            throw new FdtException(String.format("bad magic 0x%08x (a device tree blob starts with 0xd00dfeed)", magic));
        }
        if (b.length < 28) {
            throw new FdtException("truncated: " + b.length + " bytes, the header needs at least 28");
        }
        long total = uint(b, 4);
        int version = u32(b, 20);
        long lastComp = uint(b, 24);
        if (version < 16) {
            throw new FdtException("version " + version + " is not supported (16 and 17 are)");
        }
        if (lastComp > 17) {
            throw new FdtException("last compatible version " + lastComp + " is newer than 17");
        }
        int headerSize = version >= 17 ? 40 : 36;
        if (b.length < headerSize) {
            throw new FdtException("truncated: " + b.length + " bytes, the version " + version
                    + " header needs " + headerSize);
        }
        if (total < headerSize) {
            throw new FdtException("totalsize " + total + " is smaller than the header");
        }
        if (total > b.length) {
            throw new FdtException("truncated: totalsize says " + total + " bytes but only " + b.length + " are there");
        }
        long structOff = uint(b, 8);
        long stringsOff = uint(b, 12);
        long rsvOff = uint(b, 16);
        long stringsSize = uint(b, 32);
        long structSize = version >= 17 ? uint(b, 36) : total - Math.min(structOff, total);

        checkBlock("memory reservation block", rsvOff, 16, headerSize, total);
        if (rsvOff % 8 != 0) {
            throw new FdtException("memory reservation block offset " + rsvOff + " is not 8-byte aligned");
        }
        checkBlock("structure block", structOff, structSize, headerSize, total);
        if (structOff % 4 != 0) {
            throw new FdtException("structure block offset " + structOff + " is not 4-byte aligned");
        }
        checkBlock("strings block", stringsOff, stringsSize, headerSize, total);

        DeviceTree tree = new DeviceTree();
        tree.setBootCpuId(u32(b, 28));
        readReservations(b, (int) rsvOff, (int) total, tree);
        new DtbParser(b, (int) structOff, (int) (structOff + structSize), (int) stringsOff,
                (int) (stringsOff + stringsSize)).readStructure(tree);
        return tree;
    }

    private static void checkBlock(String what, long off, long size, int headerSize, long total) {
        if (off < headerSize || off > total || size > total - off) {
            throw new FdtException(what + " at offset " + off + " size " + size
                    + " lies outside the blob (header " + headerSize + " bytes, totalsize " + total + ")");
        }
    }

    private static void readReservations(byte[] b, int off, int total, DeviceTree tree) {
        for (int o = off; ; o += 16) {
            if (o + 16 > total) {
                throw new FdtException("memory reservation block starting at " + off
                        + " has no (0, 0) terminator before the end of the blob");
            }
            long addr = u64(b, o);
            long size = u64(b, o + 8);
            if (addr == 0 && size == 0) {
                return;
            }
            tree.addReservation(addr, size);
        }
    }

    private void readStructure(DeviceTree tree) {
        int pos = structStart;
        DtNode current = null;
        int depth = -1;
        // names already used in each open node, so duplicates are found without rescanning
        ArrayDeque<Set<String>> childNames = new ArrayDeque<>();
        ArrayDeque<Set<String>> propNames = new ArrayDeque<>();
        boolean rootDone = false;
        while (true) {
            int tokenAt = pos;
            int token = readToken(pos, "a token");
            pos += 4;
            switch (token) {
                case FDT_NOP -> {
                }
                case FDT_BEGIN_NODE -> {
                    if (rootDone) {
                        throw new FdtException("second root node at offset " + tokenAt);
                    }
                    int nul = findNul(pos, structEnd);
                    if (nul < 0) {
                        throw new FdtException("node name at offset " + pos + " runs past the structure block");
                    }
                    String name = new String(b, pos, nul - pos, StandardCharsets.UTF_8);
                    pos = align4(nul + 1);
                    if (current == null) {
                        current = tree.root(); // the root's name is "" (old blobs may say "/")
                    } else {
                        if (depth + 1 > MAX_DEPTH) {
                            throw new FdtException("nodes nested deeper than " + MAX_DEPTH + " at offset " + tokenAt);
                        }
                        if (name.isEmpty() || name.indexOf('/') >= 0) {
                            throw new FdtException("invalid node name \"" + name + "\" at offset " + tokenAt
                                    + " under " + current.path());
                        }
                        if (!childNames.peek().add(name)) {
                            throw new FdtException("node " + current.path() + " has two children named " + name
                                    + " (second at offset " + tokenAt + ")");
                        }
                        current = current.appendParsedChild(name);
                    }
                    childNames.push(new HashSet<>());
                    propNames.push(new HashSet<>());
                    depth++;
                }
                case FDT_END_NODE -> {
                    if (current == null) {
                        throw new FdtException("FDT_END_NODE at offset " + tokenAt + " closes no node");
                    }
                    current = current.parent();
                    childNames.pop();
                    propNames.pop();
                    depth--;
                    if (current == null) {
                        rootDone = true;
                    }
                }
                case FDT_PROP -> {
                    if (current == null) {
                        throw new FdtException("property at offset " + tokenAt + " outside any node");
                    }
                    long len = readToken(pos, "a property length") & 0xFFFF_FFFFL;
                    long nameOff = readToken(pos + 4, "a property name offset") & 0xFFFF_FFFFL;
                    pos += 8;
                    if (len > structEnd - pos) {
                        throw new FdtException("property at offset " + tokenAt + " says its value is " + len
                                + " bytes, past the end of the structure block");
                    }
                    String name = propertyName(nameOff, tokenAt);
                    byte[] value = Arrays.copyOfRange(b, pos, pos + (int) len);
                    pos = align4(pos + (int) len);
                    if (!propNames.peek().add(name)) {
                        throw new FdtException("node " + current.path() + " has property " + name
                                + " twice (second at offset " + tokenAt + ")");
                    }
                    current.appendParsedProperty(DtProperty.wrap(name, value));
                }
                case FDT_END -> {
                    if (current != null || !rootDone) {
                        throw new FdtException("FDT_END at offset " + tokenAt
                                + (rootDone ? "" : current == null ? " before any node" : " inside " + current.path()));
                    }
                    return;
                }
                default -> throw new FdtException(String.format("unknown token 0x%08x at offset %d", token, tokenAt));
            }
            if (current == null && !rootDone) {
                throw new FdtException("structure block does not start with the root node");
            }
        }
    }

    private int readToken(int pos, String what) {
        if (pos < structStart || pos + 4 > structEnd) {
            throw new FdtException("structure block ends (offset " + structEnd + ") where " + what
                    + " was expected; missing FDT_END_NODE or FDT_END");
        }
        return u32(b, pos);
    }

    private String propertyName(long nameOff, int tokenAt) {
        if (nameOff >= stringsEnd - stringsStart) {
            throw new FdtException("property at offset " + tokenAt + " names string offset " + nameOff
                    + ", outside the " + (stringsEnd - stringsStart) + "-byte strings block");
        }
        return nameCache.computeIfAbsent((int) nameOff, off -> {
            int start = stringsStart + off;
            int nul = findNul(start, stringsEnd);
            if (nul < 0) {
                throw new FdtException("property name at strings offset " + off + " is not NUL-terminated");
            }
            if (nul == start) {
                throw new FdtException("property at offset " + tokenAt + " has an empty name");
            }
            return new String(b, start, nul - start, StandardCharsets.UTF_8);
        });
    }

    private int findNul(int from, int end) {
        for (int i = from; i < end; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int align4(int v) {
        return (v + 3) & ~3;
    }

    static int u32(byte[] b, int o) {
        return ((b[o] & 0xFF) << 24) | ((b[o + 1] & 0xFF) << 16) | ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
    }

    private static long uint(byte[] b, int o) {
        return u32(b, o) & 0xFFFF_FFFFL;
    }

    private static long u64(byte[] b, int o) {
        return ((long) u32(b, o) << 32) | uint(b, o + 4);
    }
}
