package dev.ferry.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image locks as QEMU takes them: QEMU, qemu-img and Ferry see each other. */
class LockingTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needLocks() {
        org.junit.jupiter.api.Assumptions.assumeTrue(OfdLocks.available(), OfdLocks.unavailableReason());
    }

    static OpenOptions rw() {
        return OpenOptions.defaults().withWarnings(m -> { });
    }

    Path image(String format) throws IOException {
        Path p = dir.resolve("l." + format);
        if (format.equals("qcow2")) Qcow2Image.create(p, Qcow2CreateOptions.of(1 << 20));
        else java.nio.file.Files.write(p, new byte[1 << 20]);
        return p;
    }

    @Test
    void secondFerryOpenForWritingFails() throws IOException {
        for (String fmt : new String[] {"qcow2", "raw"}) {
            Path img = image(fmt);
            try (BlockDriver a = Images.open(img, rw().withFormat(fmt))) {
                ImageLockException e = assertThrows(ImageLockException.class, () -> Images.open(img, rw().withFormat(fmt)));
                assertTrue(e.getMessage().startsWith("Failed to get \"write\" lock"), e.getMessage());
                assertTrue(e.getMessage().contains("Is another process using the image [" + img + "]?"), e.getMessage());
                // a reader would not share the write permission that the writer holds
                e = assertThrows(ImageLockException.class, () -> Images.open(img, rw().withFormat(fmt).withReadOnly(true)));
                assertTrue(e.getMessage().startsWith("Failed to get shared \"write\" lock"), e.getMessage());
                // force-share (qemu-img -U) reads anyway
                try (BlockDriver b = Images.open(img, rw().withFormat(fmt).withReadOnly(true).withForceShare(true))) {
                    assertEquals(1 << 20, b.size());
                }
                assertTrue(a.isActive());
            }
            // closed: the lock is gone
            try (BlockDriver a = Images.open(img, rw().withFormat(fmt))) {
                assertFalse(a.readOnly());
            }
        }
    }

    @Test
    void readersShare() throws IOException {
        Path img = image("qcow2");
        try (BlockDriver a = Images.open(img, rw().withReadOnly(true));
             BlockDriver b = Images.open(img, rw().withReadOnly(true))) {
            assertEquals(a.size(), b.size());
            assertTrue(a.readOnly() && b.readOnly());
            assertThrows(ImageLockException.class, () -> Images.open(img, rw()));
        }
    }

    @Test
    void qemuImgSeesFerrysLock() throws IOException {
        Qemu.assume();
        Path img = image("qcow2");
        try (BlockDriver a = Images.open(img, rw())) {
            assertTrue(a.isActive());
            Qemu.Result r = Qemu.img("info", img.toString());
            assertTrue(r.exit() != 0, r.out());
            assertTrue(r.out().contains("Failed to get shared \"write\" lock"), r.out());
            assertTrue(r.out().contains("Is another process using the image"), r.out());
            r = Qemu.img("info", "-U", img.toString());
            assertEquals(0, r.exit(), r.out());
            assertTrue(r.out().contains("file format: qcow2"), r.out());
            r = Qemu.run(java.util.List.of("qemu-io", "-f", "qcow2", "-c", "write 0 512", img.toString()));
            assertTrue(r.out().contains("Failed to get \"write\" lock"), r.out());
        }
        assertEquals(0, Qemu.img("info", img.toString()).exit());
    }

    @Test
    void ferrySeesQemusLock() throws Exception {
        Qemu.assume();
        Path img = image("qcow2");
        Process p = new ProcessBuilder("qemu-io", "-f", "qcow2", img.toString()).redirectErrorStream(true).start();
        try {
            // wait until qemu-io holds the image (probing without taking a lock, so as not to race it)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            try (OfdLocks probe = OfdLocks.open(img, false)) {
                while (System.nanoTime() < deadline && !probe.heldByOthers(ImageFile.LOCK_PERM_BASE + 1)) Thread.sleep(20);
            }
            ImageLockException seen = null;
            try (BlockDriver d = Images.open(img, rw())) {
                d.size();
            } catch (ImageLockException e) {
                seen = e;
            }
            assertTrue(seen != null, "qemu-io's lock was never seen");
            assertTrue(seen.getMessage().startsWith("Failed to get \"write\" lock"), seen.getMessage());
            try (BlockDriver d = Images.open(img, rw().withReadOnly(true).withForceShare(true))) {
                assertEquals(1 << 20, d.size());
            }
        } finally {
            p.getOutputStream().close(); // qemu-io quits at end of input
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        try (BlockDriver d = Images.open(img, rw())) {
            assertTrue(d.isActive());
        }
    }

    @Test
    void inactiveNodeHoldsNoLockAndReloadsOnActivate() throws IOException {
        Qemu.assume();
        Path img = image("qcow2");
        try (BlockDriver a = Images.open(img, rw())) {
            a.write(0, new byte[] {1, 2, 3}, 0, 3);
            a.inactivate();
            assertFalse(a.isActive());
            assertThrows(BlockException.class, () -> a.read(0, new byte[1], 0, 1));
            // the other side of a migration writes the image meanwhile
            Qemu.io(img, "qcow2", "write -P 0x7e 65536 4096");
            a.activate();
            byte[] b = new byte[4099];
            a.read(65533, b, 0, b.length);
            byte[] want = new byte[4099];
            java.util.Arrays.fill(want, 3, 4099, (byte) 0x7e);
            assertArrayEquals(want, b);
            byte[] head = new byte[3];
            a.read(0, head, 0, 3);
            assertArrayEquals(new byte[] {1, 2, 3}, head);
            // active again: the lock is back
            assertTrue(Qemu.img("info", img.toString()).exit() != 0);
            a.write(200000, new byte[] {4}, 0, 1);
        }
        Qemu.assertClean(img);
    }

    @Test
    void lockingOffTakesNoLock() throws IOException {
        Path img = image("raw");
        try (BlockDriver a = Images.open(img, rw().withFormat("raw").withLocking(OpenOptions.Locking.OFF));
             BlockDriver b = Images.open(img, rw().withFormat("raw"))) {
            assertEquals(a.size(), b.size());
        }
    }
}
