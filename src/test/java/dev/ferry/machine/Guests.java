package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared riscv64 Linux test guests (../shared/guests beside the checkout). */
public final class Guests {
    private Guests() {}

    public static Path dir() {
        String p = System.getProperty("ferry.guests");
        Path d = p != null ? Path.of(p) : Path.of("..", "shared", "guests").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(d.resolve("Image")), "test guests not found at " + d + " (set -Dferry.guests=DIR)");
        return d;
    }

    public static Path kernel() {
        return dir().resolve("Image");
    }

    public static Path initrd() {
        return dir().resolve("initrd.cpio.gz");
    }
}
