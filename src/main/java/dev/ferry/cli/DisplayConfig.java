package dev.ferry.cli;

import java.util.Map;

/**
 * {@code -display type[,prop=value...]} and {@code -nographic}. Ferry has no graphical console:
 * without either option the display is {@link Kind#NONE} and, as under QEMU with no window, the
 * default serial port and monitor go to a hidden virtual console ({@code vc}).
 */
public record DisplayConfig(Kind kind, boolean nographic, Map<String, String> properties) {
    public DisplayConfig {
        properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }

    public enum Kind {
        NONE("none"), GTK("gtk"), SDL("sdl"), CURSES("curses"), EGL_HEADLESS("egl-headless"),
        DBUS("dbus"), SPICE_APP("spice-app"), COCOA("cocoa"), VNC("vnc");
        public final String spelling;
        Kind(String s) { spelling = s; }

        public static java.util.Optional<Kind> of(String s) {
            for (var k : values()) if (k.spelling.equals(s)) return java.util.Optional.of(k);
            return java.util.Optional.empty();
        }
    }
}
