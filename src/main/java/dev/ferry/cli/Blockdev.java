package dev.ferry.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code -blockdev}: one node of a block graph, from the dotted form
 * ({@code driver=qcow2,node-name=disk0,file.driver=file,file.filename=a.qcow2}) or the JSON form
 * ({@code {"driver":"qcow2","node-name":"disk0","file":{"driver":"file","filename":"a.qcow2"}}}).
 *
 * @param driver   {@code raw}, {@code qcow2}, {@code file}, ...
 * @param nodeName the root's node name (required)
 * @param options  every option but {@code driver} and {@code node-name} as a tree: a value is a
 *                 {@code String} (JSON numbers and booleans as their text) or a nested
 *                 {@code Map<String, Object>} (a child node such as {@code file}) or, from JSON, a
 *                 {@code List}; a child given as a string names another node
 */
public record Blockdev(String driver, String nodeName, Map<String, Object> options) {
    public Blockdev {
        options = freeze(options);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> freeze(Map<String, Object> m) {
        var out = new LinkedHashMap<String, Object>();
        m.forEach((k, v) -> out.put(k, freezeValue(v)));
        return Collections.unmodifiableMap(out);
    }

    @SuppressWarnings("unchecked")
    private static Object freezeValue(Object v) {
        if (v instanceof Map<?, ?> child) return freeze((Map<String, Object>) child);
        if (v instanceof java.util.List<?> list) return list.stream().map(Blockdev::freezeValue).toList();
        return v;
    }

    public Optional<String> option(String key) {
        return options.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** A child given inline ({@code file.driver=...}). */
    @SuppressWarnings("unchecked")
    public Optional<Map<String, Object>> child(String key) {
        return options.get(key) instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
    }

    /** A child given by reference ({@code file=othernode}). */
    public Optional<String> childReference(String key) { return option(key); }

    public boolean readOnly() { return option("read-only").map(v -> v.equals("on") || v.equals("true")).orElse(false); }
}
