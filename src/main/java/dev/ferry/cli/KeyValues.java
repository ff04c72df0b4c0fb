package dev.ferry.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An option group as QEMU writes them: {@code key=value,key=value}, with an optional implied
 * first key ({@code -machine virt} is {@code type=virt}), {@code ,,} for a comma inside a name
 * or value, and, where the option allows the older spelling, bare boolean flags
 * ({@code server} for {@code server=on}, {@code nowait} for {@code wait=off}).
 *
 * <p>Entries keep their order and repeats; a lookup takes the last value of a key, as QEMU does.
 * Keys that were looked up are remembered, so {@link #rejectUnused} can report the first key
 * nobody asked for with QEMU's {@code Invalid parameter 'foo'}.
 */
public final class KeyValues {
    public record Entry(String key, String value) {}

    /** How bare words after the first are taken. */
    public enum Flags {
        /** {@code -chardev}, {@code -drive}, ... (QemuOpts): a bare word is a boolean, with a deprecation warning. */
        BOOLEAN_WARN,
        /** the same without the warning (the {@code -serial tcp:...,server,nowait} shorthand). */
        BOOLEAN_QUIET,
        /** {@code -machine}, {@code -blockdev}, {@code -object} (keyval): a bare word is an error. */
        REJECT
    }

    private final String text;
    private final List<Entry> entries;
    private final Set<String> used = new LinkedHashSet<>();

    private KeyValues(String text, List<Entry> entries) {
        this.text = text;
        this.entries = entries;
    }

    public static KeyValues of(String text, List<Entry> entries) {
        return new KeyValues(text, new ArrayList<>(entries));
    }

    /**
     * Parses an option group.
     *
     * @param impliedKey the key a first word without {@code =} stands for, or null for none
     * @param warnings   receives deprecation warnings (short-form booleans)
     */
    public static KeyValues parse(String text, String impliedKey, Flags flags, Consumer<String> warnings) {
        var entries = new ArrayList<Entry>();
        int i = 0, n = text.length();
        boolean first = true;
        while (i < n) {
            // read a name up to '=' or ',' (",," is a comma in the name)
            var name = new StringBuilder();
            while (i < n) {
                char c = text.charAt(i);
                if (c == '=') break;
                if (c == ',') {
                    // ",," is a comma, except in keyval's implied first value, which ends at any comma
                    boolean impliedKeyval = first && impliedKey != null && flags == Flags.REJECT;
                    if (!impliedKeyval && i + 1 < n && text.charAt(i + 1) == ',') { name.append(','); i += 2; continue; }
                    break;
                }
                name.append(c);
                i++;
            }
            if (i < n && text.charAt(i) == '=') {
                i++;
                var value = new StringBuilder();
                i = readValue(text, i, value);
                if (name.isEmpty()) throw CliError.plain("Invalid parameter ''");
                entries.add(new Entry(name.toString(), value.toString()));
            } else {
                String word = name.toString();
                if (word.isEmpty()) {
                    throw CliError.plain("Invalid parameter ''");
                } else if (first && impliedKey != null) {
                    entries.add(new Entry(impliedKey, word));
                } else if (flags == Flags.REJECT) {
                    throw CliError.plain("Expected '=' after parameter '" + word + "'");
                } else {
                    String key = word, value = "on";
                    if (word.startsWith("no") && word.length() > 2) { key = word.substring(2); value = "off"; }
                    if (flags == Flags.BOOLEAN_WARN && warnings != null)
                        warnings.accept("warning: short-form boolean option '" + word + "' deprecated\nPlease use "
                                + key + "=" + value + " instead");
                    entries.add(new Entry(key, value));
                }
            }
            if (i < n) i++; // the separating comma
            first = false;
        }
        return new KeyValues(text, entries);
    }

    private static int readValue(String text, int i, StringBuilder value) {
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == ',') {
                if (i + 1 < n && text.charAt(i + 1) == ',') { value.append(','); i += 2; continue; }
                break;
            }
            value.append(c);
            i++;
        }
        return i;
    }

    /** Splits {@code text} at single commas, turning {@code ,,} into {@code ,} (for item lists). */
    public static List<String> splitList(String text) {
        var out = new ArrayList<String>();
        var cur = new StringBuilder();
        int i = 0, n = text.length();
        while (i <= n) {
            if (i == n) { out.add(cur.toString()); break; }
            char c = text.charAt(i);
            if (c == ',') {
                if (i + 1 < n && text.charAt(i + 1) == ',') { cur.append(','); i += 2; continue; }
                out.add(cur.toString());
                cur.setLength(0);
                i++;
                continue;
            }
            cur.append(c);
            i++;
        }
        return out;
    }

    public String text() { return text; }
    public List<Entry> entries() { return List.copyOf(entries); }
    public boolean isEmpty() { return entries.isEmpty(); }

    public boolean has(String key) {
        for (var e : entries) if (e.key.equals(key)) return true;
        return false;
    }

    /** The last value of a key, marking it used. */
    public Optional<String> get(String key) {
        used.add(key);
        String v = null;
        for (var e : entries) if (e.key.equals(key)) v = e.value;
        return Optional.ofNullable(v);
    }

    public String get(String key, String dflt) { return get(key).orElse(dflt); }

    /** A boolean key: {@code on/off}, {@code yes/no}, {@code true/false} (and {@code y/n}). */
    public Optional<Boolean> bool(String key) {
        return get(key).map(v -> parseBool(key, v));
    }

    public boolean bool(String key, boolean dflt) { return bool(key).orElse(dflt); }

    public static boolean parseBool(String key, String v) {
        return switch (v) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw CliError.plain("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }

    public static boolean isBool(String v) {
        return switch (v) { case "on", "yes", "true", "y", "off", "no", "false", "n" -> true; default -> false; };
    }

    /** A key holding a non-negative integer; QEMU's message names it {@code qualifier.key}. */
    public Optional<Long> number(String key, String qualifier) {
        return get(key).map(v -> {
            try {
                long x = v.startsWith("0x") || v.startsWith("0X") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
                if (x < 0) throw new NumberFormatException();
                return x;
            } catch (NumberFormatException e) {
                throw CliError.plain("Parameter '" + (qualifier == null ? "" : qualifier + ".") + key + "' expects integer");
            }
        });
    }

    /** Marks keys as used without reading them. */
    public void use(String... keys) { used.addAll(List.of(keys)); }

    /** Keys (in first-seen order) nobody looked up. */
    public List<String> unused() {
        var out = new ArrayList<String>();
        for (var e : entries) if (!used.contains(e.key) && !out.contains(e.key)) out.add(e.key);
        return out;
    }

    /** Throws QEMU's {@code Invalid parameter 'foo'} for the first key nobody looked up. */
    public void rejectUnused() {
        var left = unused();
        if (!left.isEmpty()) throw CliError.plain("Invalid parameter '" + left.get(0) + "'");
    }

    /** The entries as an ordered map, the last value of each key winning (key order: first seen). */
    public Map<String, String> toMap() {
        var m = new LinkedHashMap<String, String>();
        for (var e : entries) m.put(e.key, e.value);
        return m;
    }

    /** The entries whose key nobody looked up, as an ordered map. */
    public Map<String, String> unusedMap() {
        var m = new LinkedHashMap<String, String>();
        for (var e : entries) if (!used.contains(e.key)) m.put(e.key, e.value);
        return m;
    }

    @Override public String toString() { return text; }
}
