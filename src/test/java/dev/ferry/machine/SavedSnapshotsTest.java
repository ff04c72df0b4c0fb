package dev.ferry.machine;

import static dev.ferry.machine.ColdMigrationTest.passes;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.block.BlockDriver;
import dev.ferry.block.Images;
import dev.ferry.block.OpenOptions;
import dev.ferry.block.Qcow2CreateOptions;
import dev.ferry.block.Qcow2Image;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Internal snapshots that earlier Ferry versions wrote into a qcow2 image (VM state included)
 * still load: every build must read them, as it must read the kept migration streams. New ones
 * are recorded with {@link #main} when a device's description changes version.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SavedSnapshotsTest {
    /** Kept images, oldest first; each holds a snapshot named {@code kept} of the demo guest running. */
    static final String[] IMAGES = {"demo-snapshot-v1.qcow2.gz"};

    @Test
    void everyKeptSnapshotStillLoadsAndTheGuestContinues(@TempDir Path dir) throws Exception {
        for (String name : IMAGES) {
            Path image = dir.resolve(name.replace(".gz", ""));
            try (InputStream in = new GZIPInputStream(getClass().getResourceAsStream(name))) {
                Files.copy(in, image);
            }
            Path console = dir.resolve("console.txt");
            Files.deleteIfExists(console);
            try (BlockDriver disk = Images.open(image, OpenOptions.defaults().withFormat("qcow2"));
                 VirtMachine m = SnapshotTest.withDisk(dir, disk, "hd0")) {
                m.start();
                assertTrue(Snapshots.info(m).contains(" kept "), Snapshots.info(m));
                Snapshots.load(m, "kept");
                m.resume();
                long deadline = System.nanoTime() + 60_000_000_000L;
                List<Integer> seen;
                do {
                    Thread.sleep(20);
                    seen = passes(console);
                } while (seen.size() < 2 && System.nanoTime() < deadline);
                assertTrue(seen.size() >= 2, name + ": the guest did not continue: " + Files.readString(console));
                assertTrue(seen.getFirst() > 1, name + ": it continues from the saved count, not from the start: " + seen);
                for (int i = 1; i < seen.size(); i++) assertEquals(seen.get(i - 1) + 1, seen.get(i));
                assertFalse(Files.readString(console).contains("FAIL"), name);
            }
            dev.ferry.block.Qemu.assertClean(image);
        }
    }

    /** Records a kept image: {@code java ... SavedSnapshotsTest OUT.qcow2.gz}. */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("record");
        Path image = dir.resolve("disk.qcow2");
        Qcow2Image.create(image, Qcow2CreateOptions.of(1 << 20));
        try (BlockDriver disk = Images.open(image, OpenOptions.defaults().withFormat("qcow2"));
             VirtMachine m = SnapshotTest.withDisk(dir, disk, "hd0")) {
            m.start();
            m.resume();
            while (passes(dir.resolve("console.txt")).size() < 3) Thread.sleep(10);
            Snapshots.save(m, "kept");
        }
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(Path.of(args[0])))) {
            Files.copy(image, o);
        }
        System.exit(0);
    }
}
