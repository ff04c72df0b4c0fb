package dev.ferry.block;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs qemu-img and qemu-io (from Debian's qemu-utils); tests needing them are skipped where they are absent. */
public final class Qemu {
    private Qemu() {
    }

    record Result(int exit, String out) {
    }

    private static Boolean present;

    public static boolean available() {
        if (present == null) {
            boolean ok;
            try {
                ok = run(List.of("qemu-img", "--version")).exit == 0 && run(List.of("qemu-io", "--version")).exit == 0;
            } catch (IOException e) {
                ok = false;
            }
            present = ok;
        }
        return present;
    }

    public static void assume() {
        assumeTrue(available(), "qemu-img/qemu-io (qemu-utils) not installed");
    }

    static Result run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + cmd);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static Result img(String... args) throws IOException {
        List<String> c = new ArrayList<>();
        c.add("qemu-img");
        c.addAll(List.of(args));
        return run(c);
    }

    /** Runs qemu-img and fails on a non-zero exit. */
    public static String imgOk(String... args) throws IOException {
        Result r = img(args);
        if (r.exit != 0) throw new AssertionError("qemu-img " + String.join(" ", args) + " failed (" + r.exit + "):\n" + r.out);
        return r.out;
    }

    /** qemu-io with one -c per command, the image format given. */
    static String io(Path image, String format, String... commands) throws IOException {
        List<String> c = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String s : commands) {
            c.add("-c");
            c.add(s);
        }
        c.add(image.toString());
        Result r = run(c);
        if (r.exit != 0 || r.out.contains("error") || r.out.contains("failed"))
            throw new AssertionError("qemu-io " + c + " failed (" + r.exit + "):\n" + r.out);
        return r.out;
    }

    /** Asserts {@code qemu-img check} finds neither errors nor leaks. */
    public static void assertClean(Path image) throws IOException {
        Result r = img("check", image.toString());
        if (r.exit != 0 || !r.out.contains("No errors were found on the image."))
            throw new AssertionError("qemu-img check " + image + " (exit " + r.exit + "):\n" + r.out);
    }

    /** The image's content as a raw file made by qemu-img convert. */
    static byte[] toRaw(Path image, Path dir, String... extra) throws IOException {
        Path raw = Files.createTempFile(dir, "raw", ".img");
        List<String> a = new ArrayList<>(List.of("convert", "-U", "-O", "raw"));
        a.addAll(List.of(extra));
        a.add(image.toString());
        a.add(raw.toString());
        imgOk(a.toArray(String[]::new));
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }
}
