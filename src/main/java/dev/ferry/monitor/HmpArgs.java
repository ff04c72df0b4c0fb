package dev.ferry.monitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A human-monitor command's arguments, parsed from the rest of its line by the command's
 * {@code args_type}: comma-separated {@code NAME:TYPE} entries, {@code ?} after the type making
 * it optional. Types, as QEMU's:
 * <ul>
 * <li>{@code s} a word, or a double-quoted string with {@code \\ \" \' \n \r} escapes; {@code F} a
 *     file name and {@code B} a block device, the same;</li>
 * <li>{@code S} the rest of the line;</li>
 * <li>{@code i}, {@code l} an integer expression ({@code + - * / % ( )}, numbers in C's decimal,
 *     {@code 0x} hex or {@code 0} octal); {@code M} the same in MiB unless a size suffix is given;
 *     {@code o} a size with an optional suffix {@code k M G T P E};</li>
 * <li>{@code b} {@code on} or {@code off};</li>
 * <li>{@code -X} a flag, given as {@code -X} before the other arguments (flags may be grouped: {@code -db}).</li>
 * </ul>
 * Errors are QEMU's: "NAME: string expected", "unexpected end of expression", "invalid char 'a'
 * in expression", "NAME: unsupported option -x", "NAME: extraneous characters at the end of line".
 */
public final class HmpArgs {
    /** One declared argument. */
    public record Spec(String name, char type, char flag, boolean optional) {
    }

    /** A line that does not fit the command: the message lines to print before "Try help". */
    public static final class ParseError extends Exception {
        public ParseError(String message) {
            super(message, null, false, false);
        }
    }

    private final Map<String, Object> values;

    private HmpArgs(Map<String, Object> values) {
        this.values = values;
    }

    public static HmpArgs empty() {
        return new HmpArgs(Map.of());
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String str(String name) {
        return (String) values.get(name);
    }

    public String str(String name, String absent) {
        Object v = values.get(name);
        return v == null ? absent : (String) v;
    }

    public long integer(String name) {
        return (Long) values.get(name);
    }

    public long integer(String name, long absent) {
        Object v = values.get(name);
        return v == null ? absent : (Long) v;
    }

    /** A flag ({@code -X}) or an on/off argument; absent counts as false. */
    public boolean bool(String name) {
        return Boolean.TRUE.equals(values.get(name));
    }

    public static List<Spec> parseSpec(String argsType) {
        List<Spec> out = new ArrayList<>();
        if (argsType.isEmpty()) return out;
        for (String part : argsType.split(",")) {
            int colon = part.indexOf(':');
            if (colon <= 0 || colon == part.length() - 1) throw new IllegalArgumentException("bad args_type entry '" + part + "'");
            String name = part.substring(0, colon);
            String t = part.substring(colon + 1);
            boolean optional = t.endsWith("?");
            if (optional) t = t.substring(0, t.length() - 1);
            if (t.length() == 2 && t.charAt(0) == '-') {
                out.add(new Spec(name, '-', t.charAt(1), true));
            } else if (t.length() == 1 && "sSFBilMob".indexOf(t.charAt(0)) >= 0) {
                out.add(new Spec(name, t.charAt(0), (char) 0, optional));
            } else {
                throw new IllegalArgumentException("bad args_type entry '" + part + "'");
            }
        }
        return out;
    }

    /** Parses {@code line} from {@code pos} by the command's declaration. */
    static HmpArgs parse(HmpCommand cmd, String line, int pos) throws ParseError {
        List<Spec> specs = parseSpec(cmd.argsType());
        Map<String, Object> v = new HashMap<>();
        Cursor c = new Cursor(line, pos);
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            switch (s.type()) {
                case '-' -> {
                    int j = i;
                    while (j < specs.size() && specs.get(j).type() == '-') j++;
                    List<Spec> flags = specs.subList(i, j);
                    while (true) {
                        c.skipSpace();
                        if (c.peek() != '-') break;
                        c.pos++;
                        while (!c.atEnd() && !Character.isWhitespace(c.peek())) {
                            char f = c.line.charAt(c.pos++);
                            Spec match = flags.stream().filter(x -> x.flag() == f).findFirst().orElse(null);
                            if (match == null) throw new ParseError(cmd.name() + ": unsupported option -" + f);
                            v.put(match.name(), Boolean.TRUE);
                        }
                    }
                    i = j - 1;
                }
                case 's', 'F', 'B' -> {
                    c.skipSpace();
                    if (c.atEnd()) {
                        if (s.optional()) continue;
                        throw new ParseError(cmd.name() + ": " + (s.type() == 'F' ? "filename" : s.type() == 'B' ? "block device name" : "string") + " expected");
                    }
                    v.put(s.name(), c.word(cmd));
                }
                case 'S' -> {
                    c.skipSpace();
                    if (c.atEnd()) {
                        if (s.optional()) continue;
                        throw new ParseError(cmd.name() + ": string expected");
                    }
                    v.put(s.name(), c.line.substring(c.pos).strip());
                    c.pos = c.line.length();
                }
                case 'i', 'l', 'M', 'o' -> {
                    c.skipSpace();
                    if (c.atEnd() && s.optional()) continue;
                    if (s.type() == 'o') {
                        v.put(s.name(), c.size(cmd));
                    } else {
                        long x = new Expr(c).parse();
                        if (s.type() == 'M') {
                            long unit = c.suffix();
                            x *= unit == 0 ? 1L << 20 : unit;
                        }
                        v.put(s.name(), x);
                    }
                }
                case 'b' -> {
                    c.skipSpace();
                    if (c.atEnd() && s.optional()) continue;
                    int start = c.pos;
                    while (!c.atEnd() && !Character.isWhitespace(c.peek())) c.pos++;
                    String w = c.line.substring(start, c.pos);
                    if (w.equals("on")) v.put(s.name(), Boolean.TRUE);
                    else if (w.equals("off")) v.put(s.name(), Boolean.FALSE);
                    else throw new ParseError("Expected 'on' or 'off'");
                }
                default -> throw new IllegalStateException();
            }
        }
        c.skipSpace();
        if (!c.atEnd()) throw new ParseError(cmd.name() + ": extraneous characters at the end of line");
        return new HmpArgs(v);
    }

    private static final class Cursor {
        final String line;
        int pos;

        Cursor(String line, int pos) {
            this.line = line;
            this.pos = pos;
        }

        boolean atEnd() {
            return pos >= line.length();
        }

        char peek() {
            return atEnd() ? 0 : line.charAt(pos);
        }

        void skipSpace() {
            while (!atEnd() && Character.isWhitespace(peek())) pos++;
        }

        String word(HmpCommand cmd) throws ParseError {
            StringBuilder sb = new StringBuilder();
            if (peek() == '"') {
                pos++;
                while (true) {
                    if (atEnd()) throw new ParseError("unterminated string");
                    char ch = line.charAt(pos++);
                    if (ch == '"') break;
                    if (ch == '\\') {
                        if (atEnd()) throw new ParseError("unterminated string");
                        char e = line.charAt(pos++);
                        switch (e) {
                            case '\\', '\'', '"' -> sb.append(e);
                            case 'n' -> sb.append('\n');
                            case 'r' -> sb.append('\r');
                            default -> throw new ParseError("unsupported escape code: '\\" + e + "'");
                        }
                    } else {
                        sb.append(ch);
                    }
                }
            } else {
                while (!atEnd() && !Character.isWhitespace(peek())) sb.append(line.charAt(pos++));
            }
            return sb.toString();
        }

        /** A binary size suffix at the cursor (consumed), or 0. */
        long suffix() {
            if (atEnd()) return 0;
            int shift = switch (peek()) {
                case 'k', 'K' -> 10;
                case 'M', 'm' -> 20;
                case 'G', 'g' -> 30;
                case 'T', 't' -> 40;
                case 'P', 'p' -> 50;
                case 'E', 'e' -> 60;
                case 'B', 'b' -> 0;
                default -> -1;
            };
            if (shift < 0) return 0;
            pos++;
            return 1L << shift;
        }

        long size(HmpCommand cmd) throws ParseError {
            if (atEnd()) throw new ParseError("unexpected end of expression");
            int start = pos;
            while (!atEnd() && (Character.isDigit(peek()) || peek() == '.')) pos++;
            if (start == pos) throw new ParseError("invalid size");
            double n;
            try {
                n = Double.parseDouble(line.substring(start, pos));
            } catch (NumberFormatException e) {
                throw new ParseError("invalid size");
            }
            long unit = suffix();
            if (!atEnd() && !Character.isWhitespace(peek())) throw new ParseError("invalid size");
            return (long) (n * (unit == 0 ? 1 : unit));
        }
    }

    /** QEMU's HMP integer expressions, the arithmetic part. */
    private static final class Expr {
        private final Cursor c;

        Expr(Cursor c) {
            this.c = c;
        }

        long parse() throws ParseError {
            return sum();
        }

        private void space() {
            while (!c.atEnd() && (c.peek() == ' ' || c.peek() == '\t')) c.pos++;
        }

        private long sum() throws ParseError {
            long v = product();
            while (true) {
                space();
                char op = c.peek();
                if (op != '+' && op != '-') return v;
                c.pos++;
                long r = product();
                v = op == '+' ? v + r : v - r;
            }
        }

        private long product() throws ParseError {
            long v = unary();
            while (true) {
                space();
                char op = c.peek();
                if (op != '*' && op != '/' && op != '%') return v;
                c.pos++;
                long r = unary();
                if (op == '*') {
                    v *= r;
                } else {
                    if (r == 0) throw new ParseError("division by zero");
                    v = op == '/' ? v / r : v % r;
                }
            }
        }

        private long unary() throws ParseError {
            space();
            if (c.atEnd()) throw new ParseError("unexpected end of expression");
            char ch = c.peek();
            if (ch == '+') {
                c.pos++;
                return unary();
            }
            if (ch == '-') {
                c.pos++;
                return -unary();
            }
            if (ch == '(') {
                c.pos++;
                long v = sum();
                space();
                if (c.peek() != ')') throw new ParseError("')' expected");
                c.pos++;
                return v;
            }
            if (Character.isDigit(ch)) return number();
            throw new ParseError("invalid char '" + ch + "' in expression");
        }

        private long number() throws ParseError {
            int start = c.pos;
            int radix = 10;
            if (c.peek() == '0' && c.pos + 1 < c.line.length() && (c.line.charAt(c.pos + 1) == 'x' || c.line.charAt(c.pos + 1) == 'X')) {
                radix = 16;
                c.pos += 2;
                start = c.pos;
            } else if (c.peek() == '0') {
                radix = 8;
            }
            while (!c.atEnd() && Character.digit(c.peek(), radix) >= 0) c.pos++;
            String digits = c.line.substring(start, c.pos);
            if (digits.isEmpty()) {
                if (radix == 16) throw new ParseError("invalid char '" + c.peek() + "' in expression");
                return 0;
            }
            try {
                return Long.parseUnsignedLong(digits, radix);
            } catch (NumberFormatException e) {
                throw new ParseError("number too large");
            }
        }
    }
}
