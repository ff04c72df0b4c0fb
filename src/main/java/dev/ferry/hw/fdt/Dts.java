package dev.ferry.hw.fdt;

/**
 * Formats a {@link DeviceTree} as device tree source, close to what {@code dtc -O dts} prints:
 * printable NUL-terminated values as strings, whole cells as {@code <0x..>}, anything else as
 * bytes. For reading and diagnostics; not meant to be fed back through a DTS parser of ours.
 */
final class Dts {
    private Dts() {
    }

    static String format(DeviceTree tree) {
        StringBuilder sb = new StringBuilder("/dts-v1/;\n\n");
        for (DeviceTree.Reservation r : tree.reservations()) {
            sb.append(String.format("/memreserve/ 0x%016x 0x%016x;%n", r.address(), r.size()));
        }
        if (!tree.reservations().isEmpty()) {
            sb.append('\n');
        }
        node(sb, tree.root(), 0);
        return sb.toString();
    }

    private static void node(StringBuilder sb, DtNode n, int depth) {
        String indent = "\t".repeat(depth);
        sb.append(indent).append(n.parent() == null ? "/" : n.name()).append(" {\n");
        for (DtProperty p : n.properties()) {
            sb.append(indent).append('\t').append(p.name());
            if (!p.isEmpty()) {
                sb.append(" = ").append(formatValue(p.rawValue()));
            }
            sb.append(";\n");
        }
        for (DtNode c : n.children()) {
            sb.append('\n');
            node(sb, c, depth + 1);
        }
        sb.append(indent).append("};\n");
    }

    static String formatValue(byte[] v) {
        if (v.length == 0) {
            return "";
        }
        if (isStringList(v)) {
            StringBuilder sb = new StringBuilder("\"");
            for (int i = 0; i < v.length - 1; i++) {
                char c = (char) (v[i] & 0xFF);
                switch (c) {
                    case 0 -> sb.append("\\0");
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    default -> sb.append(c);
                }
            }
            return sb.append('"').toString();
        }
        StringBuilder sb = new StringBuilder();
        if (v.length % 4 == 0) {
            sb.append('<');
            for (int i = 0; i < v.length; i += 4) {
                sb.append(i == 0 ? "" : " ").append(String.format("0x%02x", DtbParser.u32(v, i)));
            }
            return sb.append('>').toString();
        }
        sb.append('[');
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", v[i] & 0xFF));
        }
        return sb.append(']').toString();
    }

    /** Non-empty printable ASCII strings, each NUL-terminated. */
    private static boolean isStringList(byte[] v) {
        if (v[v.length - 1] != 0) {
            return false;
        }
        boolean atStart = true;
        for (byte c : v) {
            if (c == 0) {
                if (atStart) {
                    return false;
                }
                atStart = true;
            } else if (c < 0x20 || c > 0x7E) {
                return false;
            } else {
                atStart = false;
            }
        }
        return true;
    }
}
