package dev.ferry.cli;

import java.util.Map;

/** {@code -object type,id=ID[,prop=value...]} (a memory backend, an RNG source, a secret, ...). */
public record QomObject(String type, String id, Map<String, String> properties) {
    public QomObject {
        properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }
}
