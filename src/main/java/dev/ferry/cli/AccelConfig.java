package dev.ferry.cli;

import java.util.Map;

/**
 * {@code -accel tcg[,thread=single|multi][,tb-size=n][,split-wx=on|off]}. Ferry runs guests with its
 * own engine; {@code tcg} is accepted as the name of "the emulator" so QEMU command lines work.
 */
public record AccelConfig(String type, Map<String, String> properties) {
    public static final AccelConfig DEFAULT = new AccelConfig("tcg", Map.of());

    public AccelConfig {
        properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }
}
