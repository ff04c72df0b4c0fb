package dev.ferry.cli;

import java.util.Map;

/**
 * {@code -cpu model[,prop=value...]}.
 *
 * @param model      {@code rv64} (the default, RV64GC with the usual extensions) or {@code any}
 * @param properties extension switches and the like ({@code h=on}, {@code zba=off},
 *                   {@code priv_spec=v1.12.0}) in order, booleans normalised to {@code on}/{@code off}
 */
public record CpuConfig(String model, Map<String, String> properties) {
    public CpuConfig {
        properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }

    /** A boolean property, or its default when not given. */
    public boolean flag(String name, boolean dflt) {
        String v = properties.get(name);
        return v == null ? dflt : v.equals("on");
    }
}
