package dev.ferry.hw.fdt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Test helper: reads the device tree source that {@code dtc -I dtb -O dts} prints (no labels,
 * references, includes or expressions) into a {@link DeviceTree}, so QEMU dumps kept as test
 * resources can be compared with Ferry's tree without dtc at test time.
 */
final class DtsReader {
    private final String s;
    private int pos;

    private DtsReader(String s) {
        this.s = s;
    }

    static DeviceTree read(String text) {
        return new DtsReader(text).parse();
    }

    static DeviceTree resource(String name) throws IOException {
        try (InputStream in = DtsReader.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private DeviceTree parse() {
        DeviceTree tree = new DeviceTree();
        skip();
        expect("/dts-v1/");
        expect(";");
        skip();
        while (s.startsWith("/memreserve/", pos)) {
            pos += "/memreserve/".length();
            long a = number();
            long sz = number();
            expect(";");
            tree.addReservation(a, sz);
            skip();
        }
        expect("/");
        expect("{");
        body(tree.root());
        expect(";");
        skip();
        if (pos != s.length()) {
            throw error("text after the root node");
        }
        return tree;
    }

    private void body(DtNode node) {
        while (true) {
            skip();
            if (peek() == '}') {
                pos++;
                return;
            }
            String name = name();
            skip();
            if (peek() == '{') {
                pos++;
                body(node.addNode(name));
                expect(";");
            } else if (peek() == ';') {
                pos++;
                node.setEmpty(name);
            } else {
                expect("=");
                ByteArrayOutputStream v = new ByteArrayOutputStream();
                while (true) {
                    value(v);
                    skip();
                    if (peek() == ',') {
                        pos++;
                        continue;
                    }
                    break;
                }
                expect(";");
                node.setBytes(name, v.toByteArray());
            }
        }
    }

    private void value(ByteArrayOutputStream v) {
        skip();
        char c = peek();
        if (c == '<') {
            pos++;
            while (true) {
                skip();
                if (peek() == '>') {
                    pos++;
                    return;
                }
                long n = number();
                for (int sh = 24; sh >= 0; sh -= 8) {
                    v.write((int) (n >>> sh));
                }
            }
        } else if (c == '"') {
            pos++;
            while (peek() != '"') {
                char ch = s.charAt(pos++);
                if (ch != '\\') {
                    v.write(ch);
                    continue;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n' -> v.write('\n');
                    case 't' -> v.write('\t');
                    case 'r' -> v.write('\r');
                    case 'a' -> v.write(7);
                    case 'b' -> v.write(8);
                    case 'v' -> v.write(11);
                    case 'f' -> v.write(12);
                    case 'x' -> {
                        int start = pos;
                        while (pos < start + 2 && Character.digit(peek(), 16) >= 0) {
                            pos++;
                        }
                        v.write(Integer.parseInt(s.substring(start, pos), 16));
                    }
                    default -> {
                        if (e >= '0' && e <= '7') {
                            int n = e - '0';
                            for (int k = 0; k < 2 && peek() >= '0' && peek() <= '7'; k++) {
                                n = n * 8 + (s.charAt(pos++) - '0');
                            }
                            v.write(n);
                        } else {
                            v.write(e);
                        }
                    }
                }
            }
            pos++;
            v.write(0);
        } else if (c == '[') {
            pos++;
            while (true) {
                skip();
                if (peek() == ']') {
                    pos++;
                    return;
                }
                v.write(Integer.parseInt(s.substring(pos, pos + 2), 16));
                pos += 2;
            }
        } else {
            throw error("unexpected '" + c + "' in a value");
        }
    }

    private long number() {
        skip();
        int start = pos;
        while (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos))) {
            pos++;
        }
        String t = s.substring(start, pos);
        if (t.startsWith("0x") || t.startsWith("0X")) {
            return Long.parseUnsignedLong(t.substring(2), 16);
        }
        return Long.parseLong(t);
    }

    private String name() {
        int start = pos;
        while (pos < s.length() && "{};= \t\r\n".indexOf(s.charAt(pos)) < 0) {
            pos++;
        }
        if (start == pos) {
            throw error("name expected");
        }
        return s.substring(start, pos);
    }

    private char peek() {
        if (pos >= s.length()) {
            throw error("unexpected end of text");
        }
        return s.charAt(pos);
    }

    private void expect(String t) {
        skip();
        if (!s.startsWith(t, pos)) {
            throw error("expected '" + t + "'");
        }
        pos += t.length();
    }

    private void skip() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (s.startsWith("/*", pos)) {
                int end = s.indexOf("*/", pos + 2);
                pos = end < 0 ? s.length() : end + 2;
            } else if (s.startsWith("//", pos)) {
                int end = s.indexOf('\n', pos);
                pos = end < 0 ? s.length() : end + 1;
            } else {
                return;
            }
        }
    }

    private IllegalArgumentException error(String what) {
        int line = 1;
        for (int i = 0; i < Math.min(pos, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                line++;
            }
        }
        return new IllegalArgumentException("DTS line " + line + ": " + what);
    }
}
