package dev.ferry.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON as QMP speaks it, on Jackson's tree model. Input is a byte stream cut into values the way
 * QEMU's JSON streamer cuts it: a value ends where its braces and brackets balance (so a request
 * may span lines and several may share one), a lexical error is reported at once and skipped up
 * to the next structural character or line end, and parse errors carry QEMU's messages
 * ("JSON parse error, expecting value", "... stray '@'", ...). QEMU's extensions are accepted:
 * single-quoted strings and the {@code \'} escape. Output is QEMU's compact form:
 * {@code {"a": 1, "b": [1, 2]}}, non-ASCII escaped as uppercase {@code \\uXXXX}, floating-point
 * numbers as C's {@code %.17g}.
 */
public final class QmpJson {
    private QmpJson() {
    }

    /** QEMU's limits on one value: nesting, bytes and tokens. */
    public static final int MAX_NESTING = 1024;
    public static final long MAX_TOKEN_SIZE = 64L << 20;
    public static final int MAX_TOKEN_COUNT = 2 << 20;

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One value cut from the stream: a parsed value or the error reply's text. */
    public record Item(JsonNode value, String error) {
        public boolean isError() {
            return error != null;
        }
    }

    // ------------------------------------------------------------------ tokens

    private enum Kind { LBRACE, RBRACE, LBRACKET, RBRACKET, COLON, COMMA, STRING, INTEGER, FLOAT, KEYWORD }

    private record Token(Kind kind, byte[] text) {
        String ascii() {
            return new String(text, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * The incremental lexer and streamer. Not thread-safe: one per input stream, fed from one
     * thread. {@link #feed} returns the values (and errors) completed by the new bytes.
     */
    public static final class Streamer {
        private enum State { START, STRING, STRING_ESCAPE, NUMBER, KEYWORD, RECOVERY }

        private enum Num { SIGN, ZERO, INT, DOT, FRAC, EXP, EXP_SIGN, EXP_DIGITS }

        private State state = State.START;
        private Num num;
        private byte quote;
        private final ByteArrayOutputStream tok = new ByteArrayOutputStream();
        private boolean isFloat;

        private final List<Token> pending = new ArrayList<>();
        private int braces, brackets;
        private long pendingBytes;

        /** Forgets any partial value (a new connection starts clean). */
        public void reset() {
            state = State.START;
            tok.reset();
            resetValue();
        }

        private void resetValue() {
            pending.clear();
            braces = brackets = 0;
            pendingBytes = 0;
        }

        public List<Item> feed(byte[] buf, int off, int len) {
            List<Item> out = new ArrayList<>();
            for (int i = off; i < off + len; i++) {
                int c = buf[i] & 0xff;
                while (!step(c, out)) {
                    // the byte ended a token and is looked at again in the new state
                }
            }
            return out;
        }

        /** Processes one byte; false when it must be processed again (lookahead). */
        private boolean step(int c, List<Item> out) {
            switch (state) {
                case START -> {
                    switch (c) {
                        case ' ', '\t', '\r', '\n' -> {
                        }
                        case '{' -> token(Kind.LBRACE, c, out);
                        case '}' -> token(Kind.RBRACE, c, out);
                        case '[' -> token(Kind.LBRACKET, c, out);
                        case ']' -> token(Kind.RBRACKET, c, out);
                        case ':' -> token(Kind.COLON, c, out);
                        case ',' -> token(Kind.COMMA, c, out);
                        case '"', '\'' -> {
                            tok.write(c);
                            quote = (byte) c;
                            state = State.STRING;
                        }
                        default -> {
                            if (c == '-' || (c >= '0' && c <= '9')) {
                                tok.write(c);
                                isFloat = false;
                                num = c == '-' ? Num.SIGN : c == '0' ? Num.ZERO : Num.INT;
                                state = State.NUMBER;
                            } else if (c >= 'a' && c <= 'z') {
                                tok.write(c);
                                state = State.KEYWORD;
                            } else {
                                tok.write(c);
                                lexError(out);
                            }
                        }
                    }
                    return true;
                }
                case STRING -> {
                    tok.write(c);
                    if (c < 0x20 || c >= 0xfe) {
                        lexError(out);
                    } else if (c == '\\') {
                        state = State.STRING_ESCAPE;
                    } else if (c == (quote & 0xff)) {
                        finishToken(Kind.STRING, out);
                    }
                    return true;
                }
                case STRING_ESCAPE -> {
                    tok.write(c);
                    if (c < 0x20 || c >= 0xfe) lexError(out);
                    else state = State.STRING;
                    return true;
                }
                case NUMBER -> {
                    return number(c, out);
                }
                case KEYWORD -> {
                    if (c >= 'a' && c <= 'z') {
                        tok.write(c);
                        return true;
                    }
                    finishToken(Kind.KEYWORD, out);
                    return false;
                }
                case RECOVERY -> {
                    boolean resync = c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ','
                            || (c < 0x20 && c != '\t') || c >= 0xfe;
                    if (!resync) return true;
                    state = State.START;
                    return false;
                }
            }
            return true;
        }

        private boolean number(int c, List<Item> out) {
            boolean digit = c >= '0' && c <= '9';
            switch (num) {
                case SIGN -> {
                    if (!digit) return numberError(c, out);
                    num = c == '0' ? Num.ZERO : Num.INT;
                }
                case ZERO -> {
                    if (digit) return numberError(c, out);
                    if (c == '.') num = Num.DOT;
                    else if (c == 'e' || c == 'E') num = Num.EXP;
                    else return numberEnd(out);
                }
                case INT -> {
                    if (c == '.') num = Num.DOT;
                    else if (c == 'e' || c == 'E') num = Num.EXP;
                    else if (!digit) return numberEnd(out);
                }
                case DOT -> {
                    if (!digit) return numberError(c, out);
                    num = Num.FRAC;
                }
                case FRAC -> {
                    if (c == 'e' || c == 'E') num = Num.EXP;
                    else if (!digit) return numberEnd(out);
                }
                case EXP -> {
                    if (c == '+' || c == '-') num = Num.EXP_SIGN;
                    else if (digit) num = Num.EXP_DIGITS;
                    else return numberError(c, out);
                }
                case EXP_SIGN -> {
                    if (!digit) return numberError(c, out);
                    num = Num.EXP_DIGITS;
                }
                case EXP_DIGITS -> {
                    if (!digit) return numberEnd(out);
                }
            }
            if (c == '.' || c == 'e' || c == 'E') isFloat = true;
            tok.write(c);
            return true;
        }

        private boolean numberError(int c, List<Item> out) {
            tok.write(c);
            lexError(out);
            return true;
        }

        private boolean numberEnd(List<Item> out) {
            finishToken(isFloat ? Kind.FLOAT : Kind.INTEGER, out);
            return false;
        }

        private void token(Kind k, int c, List<Item> out) {
            tok.write(c);
            finishToken(k, out);
        }

        private void finishToken(Kind k, List<Item> out) {
            Token t = new Token(k, tok.toByteArray());
            tok.reset();
            state = State.START;
            switch (k) {
                case LBRACE -> braces++;
                case RBRACE -> braces--;
                case LBRACKET -> brackets++;
                case RBRACKET -> brackets--;
                default -> {
                }
            }
            pending.add(t);
            pendingBytes += t.text.length;
            if (braces < 0 || brackets < 0 || (braces == 0 && brackets == 0)) {
                List<Token> value = new ArrayList<>(pending);
                resetValue();
                out.add(parse(value));
            } else if (braces + brackets > MAX_NESTING) {
                resetValue();
                out.add(new Item(null, "JSON nesting depth limit exceeded"));
            } else if (pendingBytes > MAX_TOKEN_SIZE) {
                resetValue();
                out.add(new Item(null, "JSON token size limit exceeded"));
            } else if (pending.size() > MAX_TOKEN_COUNT) {
                resetValue();
                out.add(new Item(null, "JSON token count limit exceeded"));
            }
        }

        /** A byte no token can take: reported with the token so far, then skipped to a resync point. */
        private void lexError(List<Item> out) {
            byte[] text = tok.toByteArray();
            tok.reset();
            resetValue();
            int nul = 0;
            while (nul < text.length && text[nul] != 0) nul++; // QEMU's message is a C string
            String shown = new String(text, 0, nul, StandardCharsets.UTF_8);
            out.add(new Item(null, "JSON parse error, stray '" + shown + "'"));
            state = State.RECOVERY;
        }
    }

    // ------------------------------------------------------------------ parser

    private static final class ParseError extends Exception {
        ParseError(String message) {
            super(message, null, false, false);
        }
    }

    private static Item parse(List<Token> tokens) {
        try {
            int[] pos = {0};
            JsonNode v = parseValue(tokens, pos);
            return new Item(v, null);
        } catch (ParseError e) {
            return new Item(null, "JSON parse error, " + e.getMessage());
        }
    }

    private static Token next(List<Token> tokens, int[] pos) {
        return pos[0] < tokens.size() ? tokens.get(pos[0]++) : null;
    }

    private static Token peek(List<Token> tokens, int[] pos) {
        return pos[0] < tokens.size() ? tokens.get(pos[0]) : null;
    }

    private static boolean startsValue(Token t) {
        return t != null && switch (t.kind) {
            case LBRACE, LBRACKET, STRING, INTEGER, FLOAT, KEYWORD -> true;
            default -> false;
        };
    }

    private static JsonNode parseValue(List<Token> tokens, int[] pos) throws ParseError {
        Token t = next(tokens, pos);
        if (t == null) throw new ParseError("expecting value");
        return switch (t.kind) {
            case LBRACE -> parseObject(tokens, pos);
            case LBRACKET -> parseArray(tokens, pos);
            case STRING -> NODES.textNode(decodeString(t.text));
            case INTEGER -> integer(t.ascii());
            case FLOAT -> NODES.numberNode(Double.parseDouble(t.ascii()));
            case KEYWORD -> switch (t.ascii()) {
                case "true" -> NODES.booleanNode(true);
                case "false" -> NODES.booleanNode(false);
                case "null" -> NODES.nullNode();
                default -> throw new ParseError("invalid keyword '" + t.ascii() + "'");
            };
            default -> throw new ParseError("expecting value");
        };
    }

    private static JsonNode integer(String s) {
        try {
            return NODES.numberNode(Long.parseLong(s));
        } catch (NumberFormatException e) {
            BigInteger b = new BigInteger(s);
            if (b.signum() > 0 && b.bitLength() <= 64) return NODES.numberNode(b); // QEMU keeps uint64
            return NODES.numberNode(b.doubleValue());
        }
    }

    private static ObjectNode parseObject(List<Token> tokens, int[] pos) throws ParseError {
        ObjectNode o = NODES.objectNode();
        Token t = peek(tokens, pos);
        if (t != null && t.kind == Kind.RBRACE) {
            pos[0]++;
            return o;
        }
        while (true) {
            Token k = peek(tokens, pos);
            if (k == null || k.kind != Kind.STRING) {
                if (!startsValue(k)) throw new ParseError("expecting value");
                parseValue(tokens, pos);
                throw new ParseError("key is not a string in object");
            }
            pos[0]++;
            String key = decodeString(k.text);
            Token colon = next(tokens, pos);
            if (colon == null || colon.kind != Kind.COLON) throw new ParseError("missing : in object pair");
            JsonNode v = parseValue(tokens, pos);
            if (o.has(key)) throw new ParseError("duplicate key");
            o.set(key, v);
            Token sep = next(tokens, pos);
            if (sep != null && sep.kind == Kind.RBRACE) return o;
            if (sep == null || sep.kind != Kind.COMMA) throw new ParseError("expected separator in dict");
        }
    }

    private static ArrayNode parseArray(List<Token> tokens, int[] pos) throws ParseError {
        ArrayNode a = NODES.arrayNode();
        Token t = peek(tokens, pos);
        if (t != null && t.kind == Kind.RBRACKET) {
            pos[0]++;
            return a;
        }
        while (true) {
            a.add(parseValue(tokens, pos));
            Token sep = next(tokens, pos);
            if (sep != null && sep.kind == Kind.RBRACKET) return a;
            if (sep == null || sep.kind != Kind.COMMA) throw new ParseError("expected separator in list");
        }
    }

    /** A string token's value: escapes resolved, UTF-8 checked (NUL may come as C0 80, as QEMU allows). */
    private static String decodeString(byte[] t) throws ParseError {
        StringBuilder sb = new StringBuilder();
        int end = t.length - 1; // the closing quote
        int i = 1;
        while (i < end) {
            int c = t[i] & 0xff;
            if (c == '\\') {
                int e = t[i + 1] & 0xff;
                switch (e) {
                    case '"', '\'', '\\', '/' -> sb.append((char) e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        int cp = hex4(t, i + 2);
                        String text = escapeText(t, i);
                        if (cp < 0) throw new ParseError(text + " is not a valid Unicode character");
                        if (cp >= 0xdc00 && cp <= 0xdfff) throw new ParseError(text + " is not a valid Unicode character");
                        if (cp >= 0xd800 && cp <= 0xdbff) {
                            boolean pair = i + 7 < end && t[i + 6] == '\\' && t[i + 7] == 'u';
                            int lo = pair ? hex4(t, i + 8) : -1;
                            if (lo < 0xdc00 || lo > 0xdfff) throw new ParseError(text + " is not a valid Unicode character");
                            sb.appendCodePoint(Character.toCodePoint((char) cp, (char) lo));
                            i += 12;
                            continue;
                        }
                        sb.append((char) cp);
                        i += 6;
                        continue;
                    }
                    default -> throw new ParseError("invalid escape sequence in string");
                }
                i += 2;
            } else if (c < 0x80) {
                sb.append((char) c);
                i++;
            } else {
                int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
                if (n < 0 || c >= 0xf8) throw new ParseError("invalid UTF-8 sequence in string");
                int cp = c & (0x3f >> n);
                for (int k = 1; k <= n; k++) {
                    if (i + k >= end) throw new ParseError("invalid UTF-8 sequence in string");
                    int cc = t[i + k] & 0xff;
                    if ((cc & 0xc0) != 0x80) throw new ParseError("invalid UTF-8 sequence in string");
                    cp = (cp << 6) | (cc & 0x3f);
                }
                boolean overlong = (n == 1 && cp < 0x80 && !(c == 0xc0 && cp == 0)) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
                if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                    throw new ParseError("invalid UTF-8 sequence in string");
                }
                sb.appendCodePoint(cp);
                i += n + 1;
            }
        }
        return sb.toString();
    }

    /** The text QEMU quotes for a bad {@code \\u} escape: the backslash and up to five characters. */
    private static String escapeText(byte[] t, int at) {
        int end = Math.min(t.length, at + 6);
        return new String(t, at, end - at, StandardCharsets.UTF_8);
    }

    private static int hex4(byte[] t, int at) {
        if (at + 4 > t.length) return -1;
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(t[at + k], 16);
            if (d < 0) return -1;
            v = v * 16 + d;
        }
        return v;
    }

    // ------------------------------------------------------------------ output

    /** The value in QEMU's compact form (no line end). */
    public static String write(JsonNode v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    private static void write(StringBuilder sb, JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            sb.append("null");
        } else if (v.isObject()) {
            sb.append('{');
            Iterator<Map.Entry<String, JsonNode>> it = v.properties().iterator();
            boolean first = true;
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!first) sb.append(", ");
                first = false;
                string(sb, e.getKey());
                sb.append(": ");
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v.isArray()) {
            sb.append('[');
            for (int i = 0; i < v.size(); i++) {
                if (i > 0) sb.append(", ");
                write(sb, v.get(i));
            }
            sb.append(']');
        } else if (v.isTextual()) {
            string(sb, v.textValue());
        } else if (v.isBoolean()) {
            sb.append(v.booleanValue());
        } else if (v.isIntegralNumber()) {
            sb.append(v.bigIntegerValue());
        } else if (v.isNumber()) {
            sb.append(formatDouble(v.doubleValue()));
        } else {
            string(sb, v.asText());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7f) sb.append(String.format("\\u%04X", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /** C's {@code %.17g}, as QEMU prints a JSON floating-point number. */
    public static String formatDouble(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return 1 / d < 0 ? "-0" : "0";
        String sign = d < 0 ? "-" : "";
        BigDecimal bd = new BigDecimal(Math.abs(d)).round(new MathContext(17, RoundingMode.HALF_EVEN));
        int exp = bd.precision() - bd.scale() - 1;
        String digits = bd.unscaledValue().toString().replaceFirst("0+$", "");
        if (digits.isEmpty()) digits = "0";
        StringBuilder sb = new StringBuilder(sign);
        if (exp < -4 || exp >= 17) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            int a = Math.abs(exp);
            sb.append('e').append(exp < 0 ? '-' : '+').append(a < 10 ? "0" : "").append(a);
        } else if (exp >= 0) {
            if (digits.length() <= exp + 1) {
                sb.append(digits).append("0".repeat(exp + 1 - digits.length()));
            } else {
                sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
            }
        } else {
            sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
        }
        return sb.toString();
    }
}
