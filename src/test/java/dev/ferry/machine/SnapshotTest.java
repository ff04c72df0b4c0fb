package dev.ferry.machine;

import static dev.ferry.machine.ColdMigrationTest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.block.BlockDriver;
import dev.ferry.block.Images;
import dev.ferry.block.OpenOptions;
import dev.ferry.chardev.FileBackend;
import dev.ferry.demo.DemoGuest;
import dev.ferry.hw.virtio.VirtioBlk;
import dev.ferry.migration.MigrationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** savevm/loadvm/delvm into a qcow2 disk, as QEMU's internal snapshots, checked by qemu-img. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SnapshotTest {
    static VirtMachine withDisk(Path dir, BlockDriver disk, String id) throws Exception {
        Path guest = dir.resolve("demo.bin");
        if (!Files.exists(guest)) Files.write(guest, DemoGuest.build(4, 300_000));
        List<dev.ferry.hw.virtio.VirtioDevice> devs = disk == null ? List.of()
                : List.of(new VirtioBlk(new DriveBackend(disk, id), VirtioBlk.Options.defaults()));
        return new VirtMachine(new VirtMachine.Options(32L << 20, 1, VirtMachine.BiosKind.NONE, null, guest, null, null,
                null, new FileBackend(dir.resolve("console.txt"), false), false, false, devs, true));
    }

    static void qemuImg(String... args) throws Exception {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", args) + ":\n" + out);
    }

    static String qemuImgOut(String... args) throws Exception {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void saveRunOnLoadAndTheGuestGoesBack(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img is not installed");
        Path img = dir.resolve("disk.qcow2");
        qemuImg("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        Path console = dir.resolve("console.txt");
        try (BlockDriver disk = Images.open(img, OpenOptions.defaults().withFormat("qcow2"))) {
            try (VirtMachine m = withDisk(dir, disk, "hd0")) {
                m.start();
                m.resume();
                waitForPasses(console, 2);
                Snapshots.save(m, "s1");
                assertEquals(RunState.RUNNING, m.state(), "a running guest runs on after savevm");
                int atSave = passes(console).getLast();
                waitForPasses(console, passes(console).size() + 3);
                assertTrue(Snapshots.info(m).contains(" s1 "), Snapshots.info(m));
                Snapshots.load(m, "s1");
                assertEquals(RunState.RUNNING, m.state());
                int before = passes(console).size();
                waitForPasses(console, before + 2);
                List<Integer> all = passes(console);
                // right after loadvm the count starts over from the saved pass (+1 or +2: a pass may have been in flight)
                int first = all.get(before);
                assertTrue(first >= atSave + 1 && first <= atSave + 2, "after loadvm the count went back to " + first + " (saved at " + atSave + ")");
                assertFalse(Files.readString(console).contains("FAIL"));
                MigrationException e = assertThrows(MigrationException.class, () -> Snapshots.load(m, "nosuch"));
                assertEquals("Snapshot 'nosuch' does not exist in one or more devices", e.getMessage());
                Snapshots.save(m, "s2");
                Snapshots.delete(m, "s1");
                Snapshots.delete(m, "nosuch"); // as QEMU: nothing to do, no error
                assertFalse(Snapshots.info(m).contains(" s1 "));
            }
        }
        String list = qemuImgOut("qemu-img", "snapshot", "-l", img.toString());
        assertTrue(list.contains("s2") && !list.contains("s1 "), list);
        assertTrue(qemuImgOut("qemu-img", "check", img.toString()).contains("No errors were found on the image."));
    }

    @Test
    void qemuErrorsWithoutASnapshotCapableDisk(@TempDir Path dir) throws Exception {
        try (VirtMachine m = withDisk(dir, null, null)) {
            assertEquals("no block device can store vmstate for snapshot",
                    assertThrows(MigrationException.class, () -> Snapshots.save(m, "x")).getMessage());
        }
        Path raw = dir.resolve("disk.img");
        try (var f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        try (BlockDriver disk = Images.open(raw, OpenOptions.defaults().withFormat("raw"));
             VirtMachine m = withDisk(dir, disk, "hd1")) {
            assertEquals("Device 'hd1' is writable but does not support snapshots",
                    assertThrows(MigrationException.class, () -> Snapshots.save(m, "x")).getMessage());
        }
    }

    @Test
    void theFirstDiskGivenTakesTheVmStateAsWithQemu(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img is not installed");
        Path a = dir.resolve("a.qcow2"), b = dir.resolve("b.qcow2");
        qemuImg("qemu-img", "create", "-q", "-f", "qcow2", a.toString(), "16M");
        qemuImg("qemu-img", "create", "-q", "-f", "qcow2", b.toString(), "16M");
        Path guest = dir.resolve("demo.bin");
        Files.write(guest, DemoGuest.build(4, 300_000));
        try (BlockDriver da = Images.open(a, OpenOptions.defaults().withFormat("qcow2"));
             BlockDriver db = Images.open(b, OpenOptions.defaults().withFormat("qcow2"))) {
            List<dev.ferry.hw.virtio.VirtioDevice> devs = List.of(new VirtioBlk(new DriveBackend(da, "first"), VirtioBlk.Options.defaults()),
                    new VirtioBlk(new DriveBackend(db, "second"), VirtioBlk.Options.defaults()));
            try (VirtMachine m = new VirtMachine(new VirtMachine.Options(32L << 20, 1, VirtMachine.BiosKind.NONE, null, guest, null, null,
                    null, new FileBackend(dir.resolve("console.txt"), false), false, false, devs, true))) {
                m.start();
                Snapshots.save(m, "both");
            }
        }
        // qemu-img's VM SIZE column: the state is in the first disk, the second has the snapshot without it
        assertFalse(qemuImgOut("qemu-img", "snapshot", "-l", a.toString()).contains(" 0 B "));
        assertTrue(qemuImgOut("qemu-img", "snapshot", "-l", b.toString()).contains(" 0 B "));
    }

    @Test
    void sizesAsQemuPrintsThem() {
        assertEquals("0 B", Snapshots.sizeToStr(0));
        assertEquals("315 KiB", Snapshots.sizeToStr(315 * 1024));
        assertEquals("1.23 MiB", Snapshots.sizeToStr((long) (1.23 * 1024 * 1024)));
        assertEquals("0.977 MiB", Snapshots.sizeToStr(1000 * 1024));
    }
}
