package dev.ferry.cli;

import java.util.Map;
import java.util.Optional;

/**
 * {@code -device driver[,prop=value...]} (or its JSON form), properties in the order given.
 * References ({@code drive=}, {@code chardev=}, {@code rng=}) have been checked to exist.
 */
public record Device(DeviceModel model, Optional<String> id, Map<String, String> properties) {
    public Device {
        properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }

    public String driver() { return model.name; }

    public Optional<String> property(String name) { return Optional.ofNullable(properties.get(name)); }
}
