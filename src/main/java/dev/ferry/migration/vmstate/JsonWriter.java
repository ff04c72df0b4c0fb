package dev.ferry.migration.vmstate;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A streaming JSON writer producing exactly the text QEMU's JSONWriter produces, which is what
 * goes into the migration stream's trailing VM description ({@code json_writer_new(false)}):
 * compact form separates members with {@code ", "} and keys from values with {@code ": "};
 * pretty form puts each member on its own line indented by 4 spaces per level. Strings escape
 * {@code " \ \b \f \n \r \t}, other characters below 0x20 or from 0x7F up as {@code \\uXXXX}
 * (upper-case hex, surrogate pairs beyond the BMP); {@code /} is not escaped.
 *
 * <p>Inside an object every value needs a name; inside an array (or at top level) the name is
 * ignored and may be null.
 */
public final class JsonWriter {
    private final boolean pretty;
    private final StringBuilder out = new StringBuilder();
    private final Deque<Boolean> containerIsArray = new ArrayDeque<>();
    private boolean needComma;

    public JsonWriter() {
        this(false);
    }

    public JsonWriter(boolean pretty) {
        this.pretty = pretty;
    }

    public JsonWriter startObject(String name) {
        member(name);
        out.append('{');
        enter(false);
        return this;
    }

    public JsonWriter endObject() {
        leave(false);
        prettyNewline();
        out.append('}');
        return this;
    }

    public JsonWriter startArray(String name) {
        member(name);
        out.append('[');
        enter(true);
        return this;
    }

    public JsonWriter endArray() {
        leave(true);
        prettyNewline();
        out.append(']');
        return this;
    }

    public JsonWriter str(String name, String value) {
        member(name);
        quoted(value);
        return this;
    }

    public JsonWriter int64(String name, long value) {
        member(name);
        out.append(value);
        return this;
    }

    public JsonWriter uint64(String name, long value) {
        member(name);
        out.append(Long.toUnsignedString(value));
        return this;
    }

    public JsonWriter bool(String name, boolean value) {
        member(name);
        out.append(value);
        return this;
    }

    public JsonWriter nul(String name) {
        member(name);
        out.append("null");
        return this;
    }

    /** Depth of open objects and arrays. */
    public int depth() {
        return containerIsArray.size();
    }

    /** The text written so far. */
    @Override
    public String toString() {
        return out.toString();
    }

    private void enter(boolean isArray) {
        containerIsArray.push(isArray);
        needComma = false;
    }

    private void leave(boolean isArray) {
        Boolean top = containerIsArray.poll();
        if (top == null || top != isArray)
            throw new IllegalStateException("JSON: closing " + (isArray ? "array" : "object") + " that is not open");
        needComma = true;
    }

    private boolean inObject() {
        Boolean top = containerIsArray.peek();
        return top != null && !top;
    }

    private void prettyNewline() {
        if (pretty) out.append('\n').repeat(' ', containerIsArray.size() * 4);
    }

    private void member(String name) {
        if (needComma) {
            out.append(',');
            if (pretty) prettyNewline();
            else out.append(' ');
        } else {
            if (!out.isEmpty()) prettyNewline();
            needComma = true;
        }
        if (inObject()) {
            if (name == null) throw new IllegalStateException("JSON: object member without a name");
            quoted(name);
            out.append(": ");
        }
    }

    private void quoted(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (cp > 0xFFFF) {
                        hex4(0xD800 + ((cp - 0x10000) >> 10));
                        hex4(0xDC00 + ((cp - 0x10000) & 0x3FF));
                    } else if (cp < 0x20 || cp >= 0x7F) {
                        hex4(cp);
                    } else {
                        out.append((char) cp);
                    }
                }
            }
        }
        out.append('"');
    }

    private void hex4(int v) {
        out.append("\\u");
        String h = Integer.toHexString(v).toUpperCase(java.util.Locale.ROOT);
        out.repeat('0', 4 - h.length()).append(h);
    }
}
