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

    /** The lines QEMU prints for the guest's {@code fp} command, as the guests' README lists them. */
    public static java.util.List<String> qemuFpLines() throws java.io.IOException {
        return Files.readAllLines(dir().resolve("README.md")).stream().map(String::strip)
                .filter(l -> l.startsWith("fp: ")).toList();
    }

    /** The checksum QEMU prints for {@code bench ROUNDS}, from the guests' README. */
    public static String qemuBenchChecksum(int rounds) throws java.io.IOException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("# bench " + rounds + "\\s+->\\s+checksum=([0-9a-f]{8})");
        for (String l : Files.readAllLines(dir().resolve("README.md"))) {
            java.util.regex.Matcher m = p.matcher(l);
            if (m.find()) return m.group(1);
        }
        throw new AssertionError("README lists no checksum for bench " + rounds);
    }

    /** The kernel that runs its self-tests (KUnit, crypto manager, lib tests) while booting. */
    public static Path selftestKernel() {
        return dir().resolve("Image-selftest");
    }

    /** The guests' README as one line: its sentences may wrap anywhere. */
    public static String readmeText() throws java.io.IOException {
        return Files.readString(dir().resolve("README.md")).replaceAll("\\s+", " ");
    }

    /** The first group of {@code regex} in the README (whitespace-collapsed), or an assertion error. */
    public static String fromReadme(String regex) throws java.io.IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(readmeText());
        if (!m.find()) throw new AssertionError("the guests' README does not say /" + regex + "/");
        return m.group(1);
    }

    public static Path initrd() {
        return dir().resolve("initrd.cpio.gz");
    }
}
