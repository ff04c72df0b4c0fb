package dev.ferry.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qcow2 images made by qemu-img/qemu-io read back by Ferry, and Ferry's writes checked by qemu-img. */
class Qcow2InteropTest {
    @TempDir
    Path dir;

    static final int MB = 1 << 20;

    @BeforeEach
    void needQemu() {
        Qemu.assume();
    }

    static OpenOptions rw() {
        return OpenOptions.defaults().withWarnings(m -> { });
    }

    static OpenOptions ro() {
        return rw().withReadOnly(true);
    }

    static byte[] readAll(BlockDriver d) throws IOException {
        byte[] b = new byte[(int) d.size()];
        d.read(0, b, 0, b.length);
        return b;
    }

    /** Writes {@code ref} as a raw image and asserts qemu-img compare finds the image identical. */
    void assertSameAs(Path image, byte[] ref) throws IOException {
        Path raw = dir.resolve("ref-" + System.nanoTime() + ".raw");
        Files.write(raw, ref);
        Qemu.Result r = Qemu.img("compare", "-U", "-f", "raw", "-F", "qcow2", raw.toString(), image.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("Images are identical."), r.out());
    }

    @Test
    void readsWhatQemuIoWrote() throws IOException {
        Path img = dir.resolve("a.qcow2");
        Qemu.imgOk("create", "-f", "qcow2", img.toString(), "4M");
        Qemu.io(img, "qcow2", "write -P 0xab 0 64k", "write -P 0x11 100000 3000", "write -P 0x22 1M 1M",
                "write -z 1536k 64k", "write -P 0x33 4190000 4304");
        byte[] want = Qemu.toRaw(img, dir);
        try (BlockDriver d = Images.open(img, ro())) {
            assertEquals("qcow2", d.formatName());
            assertEquals(4 * MB, d.size());
            assertArrayEquals(want, readAll(d));
            byte[] part = new byte[5000];
            d.read(99000, part, 0, part.length);
            assertArrayEquals(Arrays.copyOfRange(want, 99000, 104000), part);
        }
    }

    @Test
    void readsCompressedClusters() throws IOException {
        Path raw = dir.resolve("src.raw");
        byte[] data = new byte[3 * MB + 12288];
        Random r = new Random(1);
        for (int i = 0; i < data.length; i += 4096) {
            int kind = r.nextInt(3);
            for (int j = i; j < Math.min(data.length, i + 4096); j++)
                data[j] = kind == 0 ? 0 : kind == 1 ? (byte) (j * 7) : (byte) r.nextInt(4);
        }
        Files.write(raw, data);
        for (String clusterSize : List.of("512", "4096", "2M")) {
            Path other = dir.resolve("c" + clusterSize + ".qcow2");
            Qemu.imgOk("convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=" + clusterSize, raw.toString(), other.toString());
            try (BlockDriver d = Images.open(other, ro())) {
                assertArrayEquals(data, readAll(d));
            }
        }
        Path img = dir.resolve("c.qcow2");
        Qemu.imgOk("convert", "-c", "-f", "raw", "-O", "qcow2", raw.toString(), img.toString());
        byte[] want = Qemu.toRaw(img, dir);
        assertArrayEquals(data, want);
        try (BlockDriver d = Images.open(img, ro())) {
            assertArrayEquals(want, readAll(d));
        }
        // and writes over compressed clusters copy them out
        byte[] ref = want.clone();
        try (BlockDriver d = Images.open(img, rw())) {
            byte[] p = new byte[1000];
            Arrays.fill(p, (byte) 0x5a);
            d.write(70000, p, 0, p.length);
            System.arraycopy(p, 0, ref, 70000, p.length);
            d.writeZeroes(2 * MB, 65536);
            Arrays.fill(ref, 2 * MB, 2 * MB + 65536, (byte) 0);
        }
        Qemu.assertClean(img);
        assertSameAs(img, ref);
    }

    @Test
    void ferryWritesPassQemuImgCheckAndCompare() throws IOException {
        for (String compat : List.of("1.1", "0.10")) {
            Path img = dir.resolve("w" + compat + ".qcow2");
            Qemu.imgOk("create", "-f", "qcow2", "-o", "compat=" + compat, img.toString(), "8M");
            byte[] ref = new byte[8 * MB];
            Random r = new Random(42);
            try (BlockDriver d = Images.open(img, rw())) {
                for (int i = 0; i < 300; i++) {
                    int off = r.nextInt(ref.length - 1);
                    int len = 1 + r.nextInt(Math.min(200000, ref.length - off));
                    int op = r.nextInt(10);
                    if (op < 7) {
                        byte[] p = new byte[len];
                        r.nextBytes(p);
                        d.write(off, ByteBuffer.wrap(p));
                        System.arraycopy(p, 0, ref, off, len);
                    } else if (op < 9) {
                        d.writeZeroes(off, len);
                        Arrays.fill(ref, off, off + len, (byte) 0);
                    } else {
                        d.discard(off, len);
                        // no backing file: discarded whole clusters read as zeros, parts keep their data
                        long first = (off + 65535L) & ~65535L;
                        long last = (off + len) & ~65535L;
                        if (off + len == ref.length) last = ref.length;
                        for (long c = first; c < last; c++) ref[(int) c] = 0;
                    }
                }
                assertArrayEquals(ref, readAll(d));
                assertTrue(((Qcow2Image) d).check().clean(), () -> {
                    try {
                        return ((Qcow2Image) d).check().messages().toString();
                    } catch (IOException e) {
                        return e.toString();
                    }
                });
            }
            Qemu.assertClean(img);
            assertSameAs(img, ref);
        }
    }

    @Test
    void backingChainReadsAndCopiesOnWrite() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("images"));
        Path base = sub.resolve("base.raw");
        byte[] b = new byte[4 * MB];
        new Random(3).nextBytes(b);
        Files.write(base, b);
        Path mid = sub.resolve("mid.qcow2");
        Path top = sub.resolve("top.qcow2");
        // relative backing names, resolved against the image's directory
        Qemu.imgOk("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", mid.toString(), "6M");
        Qemu.io(mid, "qcow2", "write -P 0x44 64k 100k", "write -z 1M 64k", "write -P 0x45 5M 10k");
        Qemu.imgOk("create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", top.toString());
        Qemu.io(top, "qcow2", "write -P 0x66 3000 5000");
        byte[] want = Qemu.toRaw(top, dir);
        try (BlockDriver d = Images.open(top, ro())) {
            assertEquals(6 * MB, d.size());
            assertTrue(d.backing().isPresent());
            assertEquals("qcow2", d.backing().get().formatName());
            assertEquals("raw", d.backing().get().backing().get().formatName());
            assertArrayEquals(want, readAll(d));
        }
        byte[] ref = want.clone();
        try (BlockDriver d = Images.open(top, rw())) {
            byte[] p = new byte[700];
            Arrays.fill(p, (byte) 0x77);
            for (int off : new int[] {200, 65536 + 300, 1 * MB + 10, 4 * MB - 350, 5 * MB + 100}) {
                d.write(off, p, 0, p.length);
                System.arraycopy(p, 0, ref, off, p.length);
            }
            d.writeZeroes(2 * MB, 3 * 65536); // whole clusters over backing data: zero flag
            Arrays.fill(ref, 2 * MB, 2 * MB + 3 * 65536, (byte) 0);
            d.discard(0, 65536); // allocated in the overlay; v3 with a backing file: then reads as zeros
            Arrays.fill(ref, 0, 65536, (byte) 0);
            d.discard(3 * MB, 65536); // unallocated: discard is advisory, the backing data stays

            assertArrayEquals(ref, readAll(d));
        }
        Qemu.assertClean(top);
        Qemu.assertClean(mid);
        assertArrayEquals(ref, Qemu.toRaw(top, dir));
        assertArrayEquals(want.length, ref.length);
    }

    private static void assertArrayEquals(int a, int b) {
        assertEquals(a, b);
    }

    private static void assertArrayEquals(byte[] a, byte[] b) {
        if (!Arrays.equals(a, b)) {
            int i = Arrays.mismatch(a, b);
            throw new AssertionError("contents differ at byte " + i + " (0x" + Integer.toHexString(i) + ")");
        }
    }

    @Test
    void snapshotsMadeByQemuImgSurviveFerryWrites() throws IOException {
        Path img = dir.resolve("s.qcow2");
        Qemu.imgOk("create", "-f", "qcow2", img.toString(), "4M");
        Qemu.io(img, "qcow2", "write -P 0x01 0 1M", "write -P 0x02 2M 200k");
        byte[] before = Qemu.toRaw(img, dir);
        Qemu.imgOk("snapshot", "-c", "first", img.toString());
        byte[] ref = before.clone();
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            assertEquals(1, d.snapshots().size());
            assertEquals("first", d.snapshots().get(0).name());
            byte[] p = new byte[3000];
            Arrays.fill(p, (byte) 0x99);
            for (int off : new int[] {10, 70000, 2 * MB + 5, 3 * MB}) {
                d.write(off, p, 0, p.length);
                System.arraycopy(p, 0, ref, off, p.length);
            }
            d.discard(512 * 1024, 128 * 1024);
            Arrays.fill(ref, 512 * 1024, 640 * 1024, (byte) 0);
            assertArrayEquals(ref, readAll(d));
            assertTrue(d.check().clean(), () -> "Ferry's own check is not clean");
        }
        Qemu.assertClean(img);
        assertArrayEquals(ref, Qemu.toRaw(img, dir));
        assertArrayEquals(before, Qemu.toRaw(img, dir, "-l", "snapshot.name=first"));
        // a second snapshot by qemu-img, then Ferry applies the first one and deletes the second
        Qemu.imgOk("snapshot", "-c", "second", img.toString());
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            d.applySnapshot("first");
            assertArrayEquals(before, readAll(d));
            d.deleteSnapshot("second");
            assertEquals(List.of("first"), d.snapshots().stream().map(Qcow2Snapshot::name).toList());
        }
        Qemu.assertClean(img);
        assertArrayEquals(before, Qemu.toRaw(img, dir));
    }

    @Test
    void ferrySnapshotsWithVmStateAsQemuImgSeesThem() throws IOException {
        Path img = dir.resolve("vm.qcow2");
        Qcow2Image.create(img, Qcow2CreateOptions.of(3 * MB + 512));
        byte[] disk1 = new byte[3 * MB + 512];
        new Random(5).nextBytes(disk1);
        byte[] vm = new byte[300000];
        new Random(6).nextBytes(vm);
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            d.write(0, disk1, 0, disk1.length);
            d.writeVmState(0, ByteBuffer.wrap(vm));
            Qcow2Snapshot s = d.createSnapshot("vm1", vm.length, 1_500_000_000L, 1_700_000_000L, 5, 0);
            assertEquals("1", s.id());
            d.createSnapshot("disk-only");
            byte[] p = new byte[100000];
            Arrays.fill(p, (byte) 0xee);
            d.write(1000, p, 0, p.length);
        }
        Qemu.assertClean(img);
        String list = Qemu.imgOk("snapshot", "-l", img.toString());
        assertTrue(list.contains("vm1") && list.contains("293 KiB") && list.contains("00:00:01.500"), list);
        assertTrue(list.contains("disk-only"), list);
        assertArrayEquals(disk1, Qemu.toRaw(img, dir, "-l", "snapshot.name=vm1"));
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            d.applySnapshot("vm1");
            assertArrayEquals(disk1, readAll(d));
            byte[] back = new byte[vm.length];
            d.readVmState(0, ByteBuffer.wrap(back));
            assertArrayEquals(vm, back);
            d.deleteSnapshot("1");
            assertArrayEquals(disk1, readAll(d));
        }
        Qemu.assertClean(img);
        // qemu-img applies and deletes what Ferry made
        Qemu.imgOk("snapshot", "-a", "disk-only", img.toString());
        Qemu.imgOk("snapshot", "-d", "disk-only", img.toString());
        Qemu.assertClean(img);
        assertArrayEquals(disk1, Qemu.toRaw(img, dir));
    }

    @Test
    void refcountTableGrowsWithSmallClusters() throws IOException {
        Path img = dir.resolve("g.qcow2");
        Qemu.imgOk("create", "-f", "qcow2", "-o", "cluster_size=512", img.toString(), "24M");
        byte[] ref = new byte[24 * MB];
        new Random(9).nextBytes(ref);
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            long before = Files.size(img);
            d.write(0, ref, 0, ref.length);
            assertTrue(Files.size(img) > before + ref.length);
        }
        Qemu.assertClean(img);
        assertSameAs(img, ref);
    }

    @Test
    void otherRefcountWidths() throws IOException {
        for (int bits : new int[] {1, 2, 8, 32, 64}) {
            Path img = dir.resolve("r" + bits + ".qcow2");
            Qemu.imgOk("create", "-f", "qcow2", "-o", "refcount_bits=" + bits + ",cluster_size=4096", img.toString(), "2M");
            byte[] ref = new byte[2 * MB];
            Random r = new Random(bits);
            try (Qcow2Image d = Qcow2Image.open(img, rw())) {
                assertEquals(bits, d.refcountBits());
                for (int i = 0; i < 40; i++) {
                    int off = r.nextInt(ref.length - 20000);
                    byte[] p = new byte[1 + r.nextInt(20000)];
                    r.nextBytes(p);
                    d.write(off, p, 0, p.length);
                    System.arraycopy(p, 0, ref, off, p.length);
                }
                if (bits > 1) {
                    d.createSnapshot("s");
                    d.write(0, ref, 0, 10000);
                }
            }
            Qemu.assertClean(img);
            assertSameAs(img, ref);
        }
    }

    @Test
    void refcountOverflowIsRefusedAndRolledBack() throws IOException {
        Path img = dir.resolve("ov.qcow2");
        Qemu.imgOk("create", "-f", "qcow2", "-o", "refcount_bits=1", img.toString(), "1M");
        Qemu.io(img, "qcow2", "write -P 1 0 200k");
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            BlockException e = assertThrows(BlockException.class, () -> d.createSnapshot("x"));
            assertTrue(e.getMessage().contains("overflow"), e.getMessage());
            assertTrue(d.snapshots().isEmpty());
            assertTrue(d.check().clean());
        }
        Qemu.assertClean(img);
    }

    @Test
    void imagesCreatedByFerry() throws IOException {
        Path base = dir.resolve("base.qcow2");
        Qcow2Image.create(base, Qcow2CreateOptions.of(5 * MB));
        String info = Qemu.imgOk("info", base.toString());
        assertTrue(info.contains("virtual size: 5 MiB") && info.contains("cluster_size: 65536") && info.contains("compat: 1.1"), info);
        Qemu.assertClean(base);
        Qemu.io(base, "qcow2", "write -P 0x21 0 5M");
        Path ov = dir.resolve("ov.qcow2");
        Qcow2Image.create(ov, new Qcow2CreateOptions(-1, 65536, 3, 16, java.util.Optional.of("base.qcow2"), java.util.Optional.empty()));
        info = Qemu.imgOk("info", ov.toString());
        assertTrue(info.contains("backing file: base.qcow2") && info.contains("backing file format: qcow2")
                && info.contains("virtual size: 5 MiB"), info);
        Qemu.io(ov, "qcow2", "write -P 0x22 1000 1000");
        byte[] want = Qemu.toRaw(ov, dir);
        try (BlockDriver d = Images.open(ov, ro())) {
            assertArrayEquals(want, readAll(d));
        }
        Path v2 = dir.resolve("v2.qcow2");
        Qcow2Image.create(v2, Qcow2CreateOptions.of(100 * MB).withVersion(2).withClusterSize(4096));
        info = Qemu.imgOk("info", v2.toString());
        assertTrue(info.contains("compat: 0.10") && info.contains("cluster_size: 4096"), info);
        Qemu.assertClean(v2);
        Path big = dir.resolve("big.qcow2");
        Qcow2Image.create(big, Qcow2CreateOptions.of(64L << 30).withClusterSize(512).withRefcountBits(64));
        Qemu.assertClean(big);
        try (BlockDriver d = Images.open(big, rw())) {
            d.write((64L << 30) - 512, new byte[] {1, 2, 3}, 0, 3);
        }
        Qemu.assertClean(big);
    }

    @Test
    void dirtyImageIsRepairedWhenOpenedForWriting() throws IOException {
        Path img = dir.resolve("d.qcow2");
        Qemu.imgOk("create", "-f", "qcow2", "-o", "lazy_refcounts=on", img.toString(), "2M");
        Qemu.Result r = Qemu.run(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0x55 0 300k", "-c", "abort", img.toString()));
        assertTrue(r.exit() != 0, r.out());
        Qemu.Result check = Qemu.img("check", img.toString());
        assertTrue(check.exit() != 0, "the image should need repair:\n" + check.out());
        byte[] ref = new byte[2 * MB];
        Arrays.fill(ref, 0, 300 * 1024, (byte) 0x55);
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            assertArrayEquals(ref, readAll(d));
            d.write(MB, new byte[] {9, 9, 9}, 0, 3);
            ref[MB] = ref[MB + 1] = ref[MB + 2] = 9;
        }
        Qemu.assertClean(img);
        assertSameAs(img, ref);
    }

    @Test
    void zstdAndUnknownFeaturesAreRefusedClearly() throws IOException {
        Path img = dir.resolve("z.qcow2");
        Qemu.Result r = Qemu.img("create", "-f", "qcow2", "-o", "compression_type=zstd", img.toString(), "1M");
        if (r.exit() == 0) {
            UnsupportedImageException e = assertThrows(UnsupportedImageException.class, () -> Images.open(img, ro()));
            assertTrue(e.getMessage().contains("zstd"), e.getMessage());
        }
        Path x = dir.resolve("x.qcow2");
        Qemu.imgOk("create", "-f", "qcow2", "-o", "extended_l2=on", x.toString(), "1M");
        UnsupportedImageException e = assertThrows(UnsupportedImageException.class, () -> Images.open(x, ro()));
        assertTrue(e.getMessage().contains("extended L2 entries"), e.getMessage());
    }

    @Test
    void growsTheVirtualDiskOverBackingDataAndOldVmState() throws IOException {
        for (String compat : List.of("1.1", "0.10")) {
            Path base = dir.resolve("gb" + compat + ".raw");
            byte[] b = new byte[3 * MB];
            Arrays.fill(b, (byte) 0x3c);
            Files.write(base, b);
            Path img = dir.resolve("gr" + compat + ".qcow2");
            Qemu.imgOk("create", "-f", "qcow2", "-o", "compat=" + compat, "-b", base.toString(), "-F", "raw", img.toString(), "1M");
            byte[] ref = new byte[5 * MB];
            Arrays.fill(ref, 0, MB, (byte) 0x3c);
            try (Qcow2Image d = Qcow2Image.open(img, rw())) {
                d.write(MB - 100, new byte[100], 0, 100);
                Arrays.fill(ref, MB - 100, MB, (byte) 0);
                if (compat.equals("1.1")) {
                    d.writeVmState(0, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
                    d.createSnapshot("vm", 4, 0, 0, 0, 0);
                    d.applySnapshot("vm"); // the VM state is mapped in the active table again
                }
                d.resize(5 * MB);
                assertEquals(5 * MB, d.size());
                assertArrayEquals(ref, readAll(d));
                assertThrows(BlockException.class, () -> d.resize(MB));
            }
            Qemu.assertClean(img);
            assertArrayEquals(ref, Qemu.toRaw(img, dir));
        }
    }

    @Test
    void concurrentWritersAreSerialised() throws Exception {
        Path img = dir.resolve("cc.qcow2");
        Qcow2Image.create(img, Qcow2CreateOptions.of(8 * MB));
        byte[] ref = new byte[8 * MB];
        try (BlockDriver d = Images.open(img, rw())) {
            List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        Random r = new Random(id);
                        for (int i = 0; i < 200; i++) {
                            int off = id * 2 * MB + r.nextInt(2 * MB - 5000);
                            byte[] p = new byte[1 + r.nextInt(5000)];
                            Arrays.fill(p, (byte) (id + 1));
                            d.write(off, p, 0, p.length);
                            synchronized (ref) {
                                System.arraycopy(p, 0, ref, off, p.length);
                            }
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            if (failure.get() != null) throw new AssertionError(failure.get());
            assertArrayEquals(ref, readAll(d));
        }
        Qemu.assertClean(img);
    }

    @Test
    void snapshotsOnVersion2ImagesAndDeletingTheLastOne() throws IOException {
        Path img = dir.resolve("v2s.qcow2");
        Qemu.imgOk("create", "-f", "qcow2", "-o", "compat=0.10", img.toString(), "2M");
        byte[] one = new byte[2 * MB];
        new Random(11).nextBytes(one);
        byte[] two = one.clone();
        Arrays.fill(two, 1000, 200000, (byte) 0x42);
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            assertEquals(2, d.version());
            d.write(0, one, 0, one.length);
            d.createSnapshot("a");
            d.write(1000, two, 1000, 199000);
            d.createSnapshot("b");
            d.writeZeroes(0, 2 * MB);
        }
        Qemu.assertClean(img);
        assertArrayEquals(one, Qemu.toRaw(img, dir, "-l", "snapshot.name=a"));
        assertArrayEquals(two, Qemu.toRaw(img, dir, "-l", "snapshot.name=b"));
        assertArrayEquals(new byte[2 * MB], Qemu.toRaw(img, dir));
        try (Qcow2Image d = Qcow2Image.open(img, rw())) {
            d.applySnapshot("b");
            d.deleteSnapshot("a");
            d.deleteSnapshot("b");
            assertTrue(d.snapshots().isEmpty());
            assertTrue(d.check().clean());
        }
        Qemu.assertClean(img);
        assertTrue(!Qemu.imgOk("snapshot", "-l", img.toString()).contains("Snapshot list"));
        assertArrayEquals(two, Qemu.toRaw(img, dir));
    }

    @Test
    void anInterruptedWriterLeavesAtWorstLeaks() throws IOException {
        Path img = dir.resolve("crash.qcow2");
        Qcow2Image.create(img, Qcow2CreateOptions.of(4 * MB).withClusterSize(4096));
        byte[] a = new byte[4 * MB];
        new Random(21).nextBytes(a);
        Qcow2Image d = Qcow2Image.open(img, rw().withLocking(OpenOptions.Locking.OFF));
        try {
            d.write(0, a, 0, 3 * MB);
            d.createSnapshot("s");
            d.flush();
            // unflushed: copies of shared clusters, new clusters, zeroing and discards
            Random r = new Random(22);
            for (int i = 0; i < 200; i++) {
                int off = r.nextInt(4 * MB - 10000);
                d.write(off, a, 0, 1 + r.nextInt(10000));
            }
            d.writeZeroes(MB, MB);
            d.discard(2 * MB, 100000);
            // the process "dies" here: what is on disk must be consistent, leaks aside
            Qemu.Result check = Qemu.img("check", img.toString());
            assertTrue((check.exit() == 0 || check.exit() == 3) && !check.out().contains("ERROR"), check.out());
            assertArrayEquals(Arrays.copyOf(a, 3 * MB), Arrays.copyOf(Qemu.toRaw(img, dir, "-l", "snapshot.name=s"), 3 * MB));
        } finally {
            d.close();
        }
        Qemu.assertClean(img);
    }

    @Test
    void preallocatedAndZeroAllocatedClusters() throws IOException {
        for (String prealloc : List.of("metadata", "falloc")) {
            Path img = dir.resolve("p" + prealloc + ".qcow2");
            Qemu.imgOk("create", "-f", "qcow2", "-o", "preallocation=" + prealloc, img.toString(), "2M");
            Qemu.io(img, "qcow2", "write -P 0x61 0 1M", "write -z 64k 128k", "write -z -u 512k 64k", "write -P 0x62 1M 4k");
            byte[] ref = Qemu.toRaw(img, dir);
            try (BlockDriver d = Images.open(img, rw())) {
                assertArrayEquals(ref, readAll(d));
                d.write(70000, new byte[] {1, 2, 3}, 0, 3);
                ref[70000] = 1;
                ref[70001] = 2;
                ref[70002] = 3;
                d.write(MB + 100, new byte[] {4}, 0, 1);
                ref[MB + 100] = 4;
                d.writeZeroes(0, 65536);
                Arrays.fill(ref, 0, 65536, (byte) 0);
                assertArrayEquals(ref, readAll(d));
            }
            Qemu.assertClean(img);
            assertSameAs(img, ref);
        }
    }
}
