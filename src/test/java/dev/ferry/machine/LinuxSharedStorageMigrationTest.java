package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.HmpSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * QEMU's classic live migration on shared storage, between two Ferry processes started with the
 * same command line on one qcow2 image that qemu-img made (the destination adds
 * {@code -incoming unix:}, and starts first, so it opens the image while it is still empty).
 * The guest is writing its whole disk ({@code blkwrite}) when it is migrated; the destination
 * finishes the write and reads it all back from the disk ({@code blkcheck}: the block device's
 * page cache is dropped on its last close), which only passes if the source's requests were
 * drained and its qcow2 metadata flushed at the switchover, and the destination reloaded the
 * metadata when it took the image over. qemu-img finds the image clean afterwards.
 */
@Tag("linux")
class LinuxSharedStorageMigrationTest {
    private static final Pattern WRITE_OK = Pattern.compile("blk: write ok dev=/dev/vda mib=64 crc=([0-9a-f]{8})");
    private static final Pattern CHECK_OK = Pattern.compile("blk: check ok dev=/dev/vda mib=64 crc=([0-9a-f]{8})");

    private static Process ferry(Path dir, Path image, String name, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "-machine", "virt", "-m", "256M", "-display", "none", "-kernel", Guests.kernel().toString(),
                "-initrd", Guests.initrd().toString(),
                "-append", "console=ttyS0 quiet guest.run=blkwrite+/dev/vda+64+7;blkcheck+/dev/vda+64+7",
                "-drive", "file=" + image + ",format=qcow2,if=none,id=hd0", "-device", "virtio-blk-device,drive=hd0",
                "-serial", "file:" + dir.resolve(name + ".txt"),
                "-monitor", "unix:" + dir.resolve(name + ".mon") + ",server=on,wait=off"));
        args.addAll(extra);
        return FerryProcess.start(dir.resolve(name + ".log"), args);
    }

    private static String console(Path dir, String name) throws Exception {
        Path p = dir.resolve(name + ".txt");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private static String waitForConsole(Path dir, String name, String what, Process p, long seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            String c = console(dir, name);
            if (c.contains(what) || c.contains("FAIL")) return c;
            if (!p.isAlive() || System.nanoTime() > deadline)
                throw new AssertionError("no '" + what + "' from " + name + "; console:\n" + c + "\nlog:\n"
                        + Files.readString(dir.resolve(name + ".log")));
            Thread.sleep(200);
        }
    }

    private static String qemuImg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() + ":" + out;
    }

    @Test
    @Timeout(value = 500, unit = TimeUnit.SECONDS)
    void liveMigrationWhileTheGuestWritesItsSharedDisk(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img (qemu-utils) is not installed");
        Path image = dir.resolve("shared.qcow2");
        assertTrue(qemuImg("create", "-q", "-f", "qcow2", image.toString(), "64M").startsWith("0:"));
        String uri = "unix:" + dir.resolve("mig.sock");
        Process dst = ferry(dir, image, "dst", List.of("-incoming", uri));
        Process src = null;
        try {
            // the destination opened the image (inactive: no lock, so the source can open it too)
            assertTrue(HmpSocket.send(dir.resolve("dst.mon"), "info status").contains("VM status: paused (inmigrate)"));
            src = ferry(dir, image, "src", List.of());
            waitForConsole(dir, "src", "guest: ready", src, 200);
            // blkwrite runs now: migrate as soon as its writes reach the image (clusters allocated,
            // the source's qcow2 metadata changing), with most of the disk still to write
            long empty = Files.size(image);
            long until = System.nanoTime() + 120_000_000_000L;
            while (Files.size(image) < empty + (1 << 20) && !console(dir, "src").contains("blk: ") && System.nanoTime() < until)
                Thread.sleep(50);
            assertFalse(console(dir, "src").contains("blk: "), "the write is still going: " + console(dir, "src"));
            HmpSocket.send(dir.resolve("src.mon"), "migrate_set_parameter max-bandwidth 1G", "migrate -d " + uri);
            String info;
            long deadline = System.nanoTime() + 200_000_000_000L;
            do {
                Thread.sleep(250);
                info = HmpSocket.send(dir.resolve("src.mon"), "info migrate");
            } while (!info.contains("Migration status: completed") && !info.contains("Migration status: failed")
                    && System.nanoTime() < deadline);
            assertTrue(info.contains("Migration status: completed"), info + "\n" + Files.readString(dir.resolve("dst.log")));
            String srcConsole = console(dir, "src");
            assertFalse(srcConsole.contains("blk: "), "the write was still going at the switchover; source:\n" + srcConsole);

            String d = waitForConsole(dir, "dst", "blk: check ok", dst, 300);
            assertFalse(d.contains("FAIL"), d);
            Matcher w = WRITE_OK.matcher(d), c = CHECK_OK.matcher(d);
            assertTrue(w.find(), "the destination finished the source's write:\n" + d);
            assertTrue(c.find(), d);
            assertEquals(w.group(1), c.group(1), "the disk holds what was written");

            // the source stays in postmigrate without its disk: cont fails while the destination holds it
            String s = HmpSocket.send(dir.resolve("src.mon"), "info status", "cont", "info status");
            assertTrue(s.contains("Error: Failed to get \"write\" lock"), s);
            assertFalse(s.contains("VM status: running"), s);
            assertTrue(s.contains("VM status: paused (postmigrate)"), s);

            HmpSocket.send(dir.resolve("src.mon"), "quit");
            HmpSocket.send(dir.resolve("dst.mon"), "quit");
            assertTrue(src.waitFor(30, TimeUnit.SECONDS) && dst.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, dst.exitValue(), Files.readString(dir.resolve("dst.log")));
        } finally {
            dst.destroyForcibly();
            if (src != null) src.destroyForcibly();
        }
        String check = qemuImg("check", image.toString());
        assertTrue(check.startsWith("0:") && check.contains("No errors were found on the image."), check);
    }
}
