package dev.ferry.machine;

import static dev.ferry.machine.ColdMigrationTest.passes;
import static dev.ferry.machine.ColdMigrationTest.runUntilPasses;
import static dev.ferry.machine.ColdMigrationTest.waitForPasses;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.block.BlockDriver;
import dev.ferry.block.Images;
import dev.ferry.block.ImageLockException;
import dev.ferry.block.OpenOptions;
import dev.ferry.block.Qcow2CreateOptions;
import dev.ferry.block.Qcow2Image;
import dev.ferry.chardev.FileBackend;
import dev.ferry.demo.DemoGuest;
import dev.ferry.hw.virtio.VirtioBlk;
import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import dev.ferry.monitor.Monitors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migration with the disks on shared storage, between two machines that open the same qcow2
 * images (the demo guest runs; the test writes the disks as a guest's completed requests would):
 * the source hands the disks over at the switchover, the destination takes them when loaded,
 * and a destination that cannot take them all makes the source take them back and run on.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedStorageMigrationTest {
    private static final OpenOptions QCOW2 = OpenOptions.defaults().withFormat("qcow2").withWarnings(m -> { });

    private static VirtMachine machine(Path dir, String name, List<BlockDriver> disks) throws Exception {
        Path guest = dir.resolve("demo.bin");
        if (!Files.exists(guest)) Files.write(guest, DemoGuest.build(4, 300_000));
        List<dev.ferry.hw.virtio.VirtioDevice> devs = new ArrayList<>();
        for (BlockDriver d : disks) devs.add(new VirtioBlk(new DriveBackend(d), VirtioBlk.Options.defaults()));
        return new VirtMachine(new VirtMachine.Options(32L << 20, 1, VirtMachine.BiosKind.NONE, null, guest, null, null,
                null, new FileBackend(dir.resolve(name + ".txt"), false), false, false, devs, true));
    }

    private static Path qcow2(Path dir, String name) throws Exception {
        Path p = dir.resolve(name);
        Qcow2Image.create(p, Qcow2CreateOptions.of(16 << 20));
        return p;
    }

    private static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) (seed + i * 13 + (i >>> 8));
        return b;
    }

    private static byte[] read(BlockDriver d, long off, int len) throws Exception {
        byte[] b = new byte[len];
        d.read(off, b, 0, len);
        return b;
    }

    private static Thread incoming(VirtMachine dst, String uri, AtomicReference<MigrationException> failure) throws Exception {
        Channels.Listener l = Channels.listen(uri);
        return Thread.ofPlatform().start(() -> {
            try {
                MachineMigration.incoming(dst, l, true);
            } catch (MigrationException e) {
                failure.set(e);
            }
        });
    }

    @Test
    void liveMigrationHandsTheDiskOverAndContTakesItBackOnlyOnceFree(@TempDir Path dir) throws Exception {
        Path img = qcow2(dir, "shared.qcow2");
        String uri = "unix:" + dir.resolve("mig.sock");
        byte[] early = pattern(300_000, 1), late = pattern(70_000, 2);
        try (BlockDriver srcDisk = Images.open(img, QCOW2);
             BlockDriver dstDisk = Images.open(img, QCOW2.withInactive(true));
             VirtMachine src = machine(dir, "src", List.of(srcDisk));
             VirtMachine dst = machine(dir, "dst", List.of(dstDisk))) {
            src.start();
            src.resume();
            srcDisk.write(1 << 20, early, 0, early.length);
            waitForPasses(dir.resolve("src.txt"), 2);
            // written after the destination opened, and left in the source's caches (no flush)
            srcDisk.write(9 << 20, late, 0, late.length);
            dst.start();
            AtomicReference<MigrationException> failure = new AtomicReference<>();
            Thread in = incoming(dst, uri, failure);
            LiveMigration.Parameters p = new LiveMigration.Parameters();
            p.maxBandwidth = 64L << 20;
            LiveMigration mig = new LiveMigration(src, uri, p, null);
            mig.run();
            in.join(30_000);
            assertNull(failure.get());
            assertEquals(LiveMigration.Status.COMPLETED, mig.stats.status);
            assertEquals(RunState.RUNNING, dst.state());
            assertEquals(RunState.POSTMIGRATE, src.state());
            assertFalse(srcDisk.isActive(), "the source handed its disk over");
            assertTrue(dstDisk.isActive());
            assertArrayEquals(early, read(dstDisk, 1 << 20, early.length));
            assertArrayEquals(late, read(dstDisk, 9 << 20, late.length), "the source flushed its metadata at the switchover");
            dstDisk.write(12 << 20, early, 0, 4096);
            int lastOnSource = passes(dir.resolve("src.txt")).getLast();
            waitForPasses(dir.resolve("dst.txt"), 2);
            assertEquals(lastOnSource + 1, passes(dir.resolve("dst.txt")).getFirst());

            // cont at the source while the destination holds the image: QEMU 7.2's error, still paused
            Monitors mon = new Monitors(src, null, null);
            String out = mon.runHmp("cont", 0);
            assertTrue(out.startsWith("Error: Failed to get \"write\" lock"), out);
            assertTrue(out.contains("Is another process using the image [" + img + "]?"), out);
            assertEquals(RunState.POSTMIGRATE, src.state());
            assertFalse(srcDisk.isActive());
            // once the destination is gone, cont takes the disk back (fresh metadata) and runs
            dst.pause(RunState.PAUSED);
            dstDisk.close();
            assertEquals("", mon.runHmp("cont", 0));
            assertEquals(RunState.RUNNING, src.state());
            assertTrue(srcDisk.isActive());
            assertArrayEquals(java.util.Arrays.copyOf(early, 4096), read(srcDisk, 12 << 20, 4096),
                    "the source reloaded the metadata: it sees what the destination wrote");
        }
    }

    @Test
    void coldMigrationThroughAFileHandsTheDiskOver(@TempDir Path dir) throws Exception {
        Path img = qcow2(dir, "shared.qcow2");
        byte[] data = pattern(200_000, 3);
        try (BlockDriver srcDisk = Images.open(img, QCOW2);
             BlockDriver dstDisk = Images.open(img, QCOW2.withInactive(true));
             VirtMachine src = machine(dir, "src", List.of(srcDisk));
             VirtMachine dst = machine(dir, "dst", List.of(dstDisk))) {
            runUntilPasses(src, dir.resolve("src.txt"), 1);
            srcDisk.write(3 << 20, data, 0, data.length);
            MachineMigration.migrate(src, "file:" + dir.resolve("state"));
            assertEquals(RunState.POSTMIGRATE, src.state());
            assertFalse(srcDisk.isActive());
            dst.start();
            MachineMigration.incoming(dst, Channels.listen("file:" + dir.resolve("state")), true);
            assertEquals(RunState.RUNNING, dst.state());
            assertTrue(dstDisk.isActive());
            assertArrayEquals(data, read(dstDisk, 3 << 20, data.length));
            assertThrows(ImageLockException.class, () -> Images.open(img, QCOW2), "the destination holds the image");
        }
    }

    @Test
    void aDestinationThatCannotTakeEveryDiskFailsAndTheSourceRunsOn(@TempDir Path dir) throws Exception {
        Path shared = qcow2(dir, "shared.qcow2"), mine = qcow2(dir, "mine.qcow2"), broken = qcow2(dir, "broken.qcow2");
        // the destination's second image is marked corrupt: it opens (inactive) but never for writing
        try (var ch = java.nio.channels.FileChannel.open(broken, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(8).putLong(0, 2), 72);
        }
        String uri = "unix:" + dir.resolve("mig.sock");
        byte[] data = pattern(100_000, 4);
        try (BlockDriver s1 = Images.open(shared, QCOW2); BlockDriver s2 = Images.open(mine, QCOW2);
             BlockDriver d1 = Images.open(shared, QCOW2.withInactive(true));
             BlockDriver d2 = Images.open(broken, QCOW2.withInactive(true));
             VirtMachine src = machine(dir, "src", List.of(s2, s1));
             VirtMachine dst = machine(dir, "dst", List.of(d2, d1))) {
            // the shared disk is activated first, so the destination must give it back
            assertSame(d1, dst.drives().get(0).driver());
            runUntilPasses(src, dir.resolve("src.txt"), 1);
            s1.write(0, data, 0, data.length);
            dst.start();
            AtomicReference<MigrationException> failure = new AtomicReference<>();
            Thread in = incoming(dst, uri, failure);
            LiveMigration mig = new LiveMigration(src, uri, new LiveMigration.Parameters(), null);
            MigrationException e = assertThrows(MigrationException.class, mig::run);
            in.join(30_000);
            assertNotNull(failure.get());
            assertTrue(failure.get().getMessage().startsWith("Could not activate the disks after migration: "),
                    failure.get().getMessage());
            assertTrue(failure.get().getMessage().contains("corrupt"), failure.get().getMessage());
            assertEquals(failure.get().getMessage(), e.getMessage(), "the source hears the destination's reason");
            assertEquals(LiveMigration.Status.FAILED, mig.stats.status);
            assertFalse(d1.isActive(), "all or nothing: the destination let the shared disk go again");
            assertTrue(s1.isActive() && s2.isActive(), "the source took its disks back");
            assertEquals(RunState.RUNNING, src.state());
            int n = passes(dir.resolve("src.txt")).size();
            waitForPasses(dir.resolve("src.txt"), n + 1);
            assertArrayEquals(data, read(s1, 0, data.length));
            s1.write(8 << 20, data, 0, 512);
        }
    }
}
