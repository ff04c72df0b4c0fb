package dev.ferry.cli;

import java.util.Optional;

/**
 * What the machine boots: firmware, and optionally a kernel (with initrd, command line and a
 * device tree given instead of the generated one).
 */
public record BootConfig(Firmware bios, Optional<String> kernel, Optional<String> initrd,
                         Optional<String> append, Optional<String> dtb) {

    /** {@code -bios}: the default firmware (OpenSBI fw_dynamic), none, or a file. */
    public sealed interface Firmware {
        record Default() implements Firmware {}
        record None() implements Firmware {}
        record File(String path) implements Firmware {}

        static Firmware of(String spelling) {
            return switch (spelling) {
                case "default" -> new Default();
                case "none" -> new None();
                default -> new File(spelling);
            };
        }
    }
}
