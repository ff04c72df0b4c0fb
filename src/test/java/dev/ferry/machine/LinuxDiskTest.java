package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.block.BlockDriver;
import dev.ferry.block.Images;
import dev.ferry.block.OpenOptions;
import dev.ferry.chardev.FileBackend;
import dev.ferry.hw.virtio.VirtioBlk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest writes, checks and sums its virtio disk: the lines match what QEMU prints (the
 * guests' README), on a raw image and on a qcow2 image that qemu-img then finds clean.
 */
@Tag("linux")
class LinuxDiskTest {
    static final String RUN = "console=ttyS0 quiet guest.run=blkwrite+/dev/vda+16+7;blkcheck+/dev/vda+16+7;sum+/dev/vda;poweroff";

    static String qemuLine(String prefix) throws Exception {
        return Files.readAllLines(Guests.dir().resolve("README.md")).stream().map(String::strip)
                .filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    private static String bootWithDisk(Path dir, Path image, String format) throws Exception {
        Path console = dir.resolve("console-" + format + ".txt");
        try (BlockDriver disk = Images.open(image, OpenOptions.defaults().withFormat(format))) {
            VirtioBlk blk = new VirtioBlk(new DriveBackend(disk), VirtioBlk.Options.defaults());
            VirtMachine.Options o = new VirtMachine.Options(256L << 20, 1, VirtMachine.BiosKind.DEFAULT, null,
                    Guests.kernel(), Guests.initrd(), RUN, null, new FileBackend(console, false), false, false,
                    List.of(blk), true);
            try (VirtMachine m = new VirtMachine(o)) {
                m.start();
                m.resume();
                assertEquals(0, m.runUntilExit());
            }
        }
        return Files.readString(console);
    }

    private static void checkLines(String console) throws Exception {
        assertTrue(console.contains(qemuLine("blk: write ok")), console);
        assertTrue(console.contains(qemuLine("blk: check ok")), console);
        assertTrue(console.contains(qemuLine("sum: /dev/vda")), console);
        assertFalse(console.contains("FAIL"), console);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void rawImage(@TempDir Path dir) throws Exception {
        Path img = dir.resolve("disk.img");
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        checkLines(bootWithDisk(dir, img, "raw"));
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void qcow2ImageStaysCleanForQemuImg(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img (qemu-utils) is not installed");
        Path img = dir.resolve("disk.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "64M").inheritIO().start();
        assertEquals(0, p.waitFor());
        checkLines(bootWithDisk(dir, img, "qcow2"));
        Process check = new ProcessBuilder("qemu-img", "check", img.toString()).redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes());
        assertEquals(0, check.waitFor(), out);
        assertTrue(out.contains("No errors were found on the image."), out);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void qcow2OverlayOverARawBackingFileQemuImgMade(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img (qemu-utils) is not installed");
        Path base = dir.resolve("base.raw"), overlay = dir.resolve("overlay.qcow2");
        assertEquals(0, new ProcessBuilder("qemu-img", "create", "-q", "-f", "raw", base.toString(), "64M").inheritIO().start().waitFor());
        assertEquals(0, new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw",
                overlay.toString()).inheritIO().start().waitFor());
        byte[] baseBefore = Files.readAllBytes(base);
        checkLines(bootWithDisk(dir, overlay, "qcow2"));
        Process check = new ProcessBuilder("qemu-img", "check", overlay.toString()).redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes());
        assertEquals(0, check.waitFor(), out);
        assertTrue(out.contains("No errors were found on the image."), out);
        assertArrayEquals(baseBefore, Files.readAllBytes(base), "the backing file is never written");
    }
}
