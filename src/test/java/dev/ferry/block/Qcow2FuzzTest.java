package dev.ferry.block;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged images: every one gives a {@link BlockException} with a message, or works; never another
 * exception, a hang or running out of memory.
 */
class Qcow2FuzzTest {
    @TempDir
    static Path dir;

    static byte[] pristine;
    static int cs = 4096;
    static long l1Off, rtOff, snapOff, firstL2, firstRefBlock, firstData;

    static OpenOptions rw() {
        return OpenOptions.defaults().withFormat("qcow2").withLocking(OpenOptions.Locking.OFF).withWarnings(m -> { }).withNoFlush(true);
    }

    /** A small image with data, a compressed-looking layout, and a snapshot, made by Ferry itself. */
    @BeforeAll
    static void makeImage() throws IOException {
        Path p = dir.resolve("pristine.qcow2");
        Qcow2Image.create(p, Qcow2CreateOptions.of(1 << 20).withClusterSize(cs));
        try (Qcow2Image d = Qcow2Image.open(p, rw())) {
            byte[] b = new byte[300000];
            new Random(1).nextBytes(b);
            d.write(5000, b, 0, b.length);
            d.createSnapshot("s1");
            d.write(100, b, 0, 9000);
        }
        pristine = Files.readAllBytes(p);
        ByteBuffer h = ByteBuffer.wrap(pristine);
        l1Off = h.getLong(40);
        rtOff = h.getLong(48);
        snapOff = h.getLong(64);
        firstL2 = h.getLong((int) l1Off) & Qcow2Image.L1E_OFFSET_MASK;
        firstRefBlock = h.getLong((int) rtOff);
        firstData = h.getLong((int) firstL2 + 8) & Qcow2Image.L2E_OFFSET_MASK;
    }

    static final Map<String, Consumer<ByteBuffer>> MUTATIONS = new LinkedHashMap<>();

    static {
        MUTATIONS.put("cluster_bits 8", b -> b.putInt(20, 8));
        MUTATIONS.put("cluster_bits 22", b -> b.putInt(20, 22));
        MUTATIONS.put("cluster_bits -1", b -> b.putInt(20, -1));
        MUTATIONS.put("cluster_bits 63", b -> b.putInt(20, 63));
        MUTATIONS.put("version 1", b -> b.putInt(4, 1));
        MUTATIONS.put("version 4", b -> b.putInt(4, 4));
        MUTATIONS.put("size -1", b -> b.putLong(24, -1));
        MUTATIONS.put("size 2^62", b -> b.putLong(24, 1L << 62));
        MUTATIONS.put("size huge within L1", b -> b.putLong(24, 1L << 40));
        MUTATIONS.put("l1_size 2^32-1", b -> b.putInt(36, -1));
        MUTATIONS.put("l1_size 0", b -> b.putInt(36, 0));
        MUTATIONS.put("l1_size 4M", b -> b.putInt(36, 4 << 20));
        MUTATIONS.put("l1 past end", b -> b.putLong(40, 1L << 40));
        MUTATIONS.put("l1 at header", b -> b.putLong(40, 0));
        MUTATIONS.put("l1 unaligned", b -> b.putLong(40, l1Off + 512));
        MUTATIONS.put("l1 on refcount table", b -> b.putLong(40, rtOff));
        MUTATIONS.put("l1 negative", b -> b.putLong(40, -4096));
        MUTATIONS.put("reftable past end", b -> b.putLong(48, 1L << 50));
        MUTATIONS.put("reftable at header", b -> b.putLong(48, 0));
        MUTATIONS.put("reftable unaligned", b -> b.putLong(48, rtOff + 8));
        MUTATIONS.put("reftable clusters 0", b -> b.putInt(56, 0));
        MUTATIONS.put("reftable clusters 2^32-1", b -> b.putInt(56, -1));
        MUTATIONS.put("reftable clusters 2048", b -> b.putInt(56, 2048));
        MUTATIONS.put("nb_snapshots 2^32-1", b -> b.putInt(60, -1));
        MUTATIONS.put("nb_snapshots 60000", b -> b.putInt(60, 60000));
        MUTATIONS.put("snapshots past end", b -> b.putLong(64, 1L << 45));
        MUTATIONS.put("snapshots at header", b -> b.putLong(64, 0));
        MUTATIONS.put("snapshots unaligned", b -> b.putLong(64, snapOff + 8));
        MUTATIONS.put("snapshots on l1", b -> b.putLong(64, l1Off));
        MUTATIONS.put("incompatible bit 5", b -> b.putLong(72, 1L << 5));
        MUTATIONS.put("incompatible bit 63", b -> b.putLong(72, 1L << 63));
        MUTATIONS.put("external data file", b -> b.putLong(72, 1L << 2));
        MUTATIONS.put("corrupt bit", b -> b.putLong(72, 1L << 1));
        MUTATIONS.put("dirty bit", b -> b.putLong(72, 1L));
        MUTATIONS.put("compression bit with zlib", b -> b.putLong(72, 1L << 3));
        MUTATIONS.put("compression type 1 without bit", b -> b.put(104, (byte) 1));
        MUTATIONS.put("compression type zstd", b -> b.putLong(72, 1L << 3).put(104, (byte) 1));
        MUTATIONS.put("compression type 9", b -> b.putLong(72, 1L << 3).put(104, (byte) 9));
        MUTATIONS.put("refcount_order 7", b -> b.putInt(96, 7));
        MUTATIONS.put("refcount_order -1", b -> b.putInt(96, -1));
        MUTATIONS.put("header_length 8", b -> b.putInt(100, 8));
        MUTATIONS.put("header_length huge", b -> b.putInt(100, 0x10000000));
        MUTATIONS.put("header_length odd", b -> b.putInt(100, 105));
        MUTATIONS.put("header_length negative", b -> b.putInt(100, -8));
        MUTATIONS.put("backing offset past cluster", b -> b.putLong(8, 1L << 40).putInt(16, 10));
        MUTATIONS.put("backing name too long", b -> b.putLong(8, 200).putInt(16, 5000));
        MUTATIONS.put("backing to itself", b -> {
            b.putLong(8, 3000).putInt(16, 10);
            b.put(3000, "fuzz.qcow2".getBytes());
        });
        MUTATIONS.put("backing missing", b -> b.putLong(8, 3000).putInt(16, 7).put(3000, "nothere".getBytes()));
        MUTATIONS.put("extension too long", b -> b.putInt(b.getInt(100), 0x6803f857).putInt(b.getInt(100) + 4, 0x7fffffff));
        MUTATIONS.put("encryption", b -> b.putInt(32, 1));
        MUTATIONS.put("l1 entry past end", b -> b.putLong((int) l1Off, (1L << 40) | Qcow2Image.OFLAG_COPIED));
        MUTATIONS.put("l1 entry unaligned", b -> b.putLong((int) l1Off, (firstL2 + 512) | Qcow2Image.OFLAG_COPIED));
        MUTATIONS.put("l1 entry on refcount table", b -> b.putLong((int) l1Off, rtOff | Qcow2Image.OFLAG_COPIED));
        MUTATIONS.put("l1 entry on l1", b -> b.putLong((int) l1Off, l1Off | Qcow2Image.OFLAG_COPIED));
        MUTATIONS.put("l2 entry past end", b -> b.putLong((int) firstL2 + 8, (1L << 40) | Qcow2Image.OFLAG_COPIED));
        MUTATIONS.put("l2 entry unaligned", b -> b.putLong((int) firstL2 + 8, (firstData + 512) | Qcow2Image.OFLAG_COPIED));
        MUTATIONS.put("l2 entry on l1", b -> b.putLong((int) firstL2 + 8, l1Off | Qcow2Image.OFLAG_COPIED));
        MUTATIONS.put("l2 entry on header", b -> b.putLong((int) firstL2 + 8, Qcow2Image.OFLAG_COPIED));
        MUTATIONS.put("l2 entry compressed garbage", b -> b.putLong((int) firstL2 + 8, Qcow2Image.OFLAG_COMPRESSED | 0x0123456789abL));
        MUTATIONS.put("l2 entry compressed not deflate", b -> b.putLong((int) firstL2 + 8, Qcow2Image.OFLAG_COMPRESSED | firstData));
        MUTATIONS.put("l2 entry compressed past end", b -> b.putLong((int) firstL2 + 8, Qcow2Image.OFLAG_COMPRESSED | (1L << 40)));
        MUTATIONS.put("refcount block past end", b -> b.putLong((int) rtOff, 1L << 40));
        MUTATIONS.put("refcount block unaligned", b -> b.putLong((int) rtOff, firstRefBlock + 512));
        MUTATIONS.put("refcount block missing", b -> b.putLong((int) rtOff, 0));
        MUTATIONS.put("refcounts all zero", b -> {
            for (int i = 0; i < cs; i++) b.put((int) firstRefBlock + i, (byte) 0);
        });
        MUTATIONS.put("refcounts all max", b -> {
            for (int i = 0; i < cs; i++) b.put((int) firstRefBlock + i, (byte) 0xff);
        });
        MUTATIONS.put("snapshot l1 unaligned", b -> b.putLong((int) snapOff, b.getLong((int) snapOff) + 8));
        MUTATIONS.put("snapshot l1 past end", b -> b.putLong((int) snapOff, 1L << 40));
        MUTATIONS.put("snapshot l1 size huge", b -> b.putInt((int) snapOff + 8, -1));
        MUTATIONS.put("snapshot extra huge", b -> b.putInt((int) snapOff + 36, 1 << 30));
        MUTATIONS.put("snapshot id length past end", b -> b.putShort((int) snapOff + 12, (short) 0xffff).putShort((int) snapOff + 14, (short) 0xffff));
    }

    /** Opens, reads everything, writes, zeroes, snapshots: BlockException or success only. */
    static String exercise(byte[] image, String name) throws IOException {
        Path p = dir.resolve("fuzz.qcow2");
        Files.write(p, image);
        StringBuilder outcome = new StringBuilder();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (Qcow2Image d = (Qcow2Image) Images.open(p, rw())) {
                long size = Math.min(d.size(), 2 << 20);
                byte[] buf = new byte[65536];
                for (long off = 0; off < size; off += buf.length) {
                    int n = (int) Math.min(buf.length, size - off);
                    try {
                        d.read(off, buf, 0, n);
                    } catch (BlockException e) {
                        note(outcome, e);
                    }
                }
                try {
                    byte[] w = new byte[7000];
                    java.util.Arrays.fill(w, (byte) 3);
                    d.write(0, w, 0, w.length);
                    d.write(Math.max(0, size - 7000), w, 0, (int) Math.min(7000, size));
                    d.writeZeroes(0, Math.min(size, 100000));
                    d.discard(0, Math.min(size, 50000));
                    d.createSnapshot("fuzz");
                    d.write(9000, w, 0, (int) Math.min(w.length, Math.max(0, size - 9000)));
                    for (Qcow2Snapshot s : d.snapshots()) {
                        if (s.diskSize() == d.size()) d.applySnapshot(s.id());
                        d.deleteSnapshot(s.id());
                    }
                    d.check();
                } catch (BlockException e) {
                    note(outcome, e);
                }
            } catch (BlockException e) {
                note(outcome, e);
            }
        }, name);
        return outcome.toString();
    }

    private static void note(StringBuilder sb, BlockException e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("exception without a message", e);
        if (sb.isEmpty()) sb.append(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
    }

    @Test
    void eachMutationFailsCleanly() throws IOException {
        assertTrue(exercise(pristine, "pristine").isEmpty(), "the pristine image must work");
        StringBuilder report = new StringBuilder();
        for (Map.Entry<String, Consumer<ByteBuffer>> m : MUTATIONS.entrySet()) {
            byte[] img = pristine.clone();
            m.getValue().accept(ByteBuffer.wrap(img));
            String outcome;
            try {
                outcome = exercise(img, m.getKey());
            } catch (RuntimeException | Error | IOException e) {
                throw new AssertionError("mutation '" + m.getKey() + "' gave " + e, e);
            }
            report.append(m.getKey()).append(" -> ").append(outcome.isEmpty() ? "ok" : outcome).append('\n');
        }
        System.out.println(report);
    }

    @Test
    void specificErrorsAreClear() throws IOException {
        String[][] expect = {
                {"cluster_bits 22", "Unsupported cluster size: 2^22"},
                {"version 4", "Unsupported qcow2 version 4"},
                {"incompatible bit 5", "Unsupported qcow2 feature(s): Unknown incompatible feature: 20"},
                {"external data file", "Unsupported qcow2 feature(s): external data file"},
                {"compression type zstd", "zstd"},
                {"refcount_order 7", "Reference count entry width too large"},
                {"l1 past end", "past the end"},
                {"l1 at header", "overlaps the qcow2 header"},
                {"reftable past end", "past the end"},
                {"l1 on refcount table", "overlaps the reference count table"},
                {"corrupt bit", "Image is corrupt; cannot be opened read/write"},
                {"l2 entry past end", "past the end"},
                {"l1 entry on refcount table", "overlaps the refcount table"},
                {"refcounts all zero", "is free but it holds"},
                {"refcount block missing", "is free but it holds the qcow2 header"},
                {"refcounts all max", "would overflow"},
                {"size 2^62", "Image is too big"},
                {"encryption", "encryption"},
                {"backing to itself", "loops back into its own chain"},
        };
        for (String[] e : expect) {
            byte[] img = pristine.clone();
            MUTATIONS.get(e[0]).accept(ByteBuffer.wrap(img));
            String outcome = exercise(img, e[0]);
            assertTrue(outcome.contains(e[1]), e[0] + ": " + outcome);
        }
    }

    @Test
    void randomDamageFailsCleanly() throws IOException {
        Random r = new Random(20240611);
        int metadataEnd = (int) Math.min(pristine.length, Math.max(firstData, snapOff + cs));
        for (int iter = 0; iter < 150; iter++) {
            byte[] img = pristine.clone();
            int flips = 1 + r.nextInt(8);
            for (int f = 0; f < flips; f++) {
                int at = r.nextInt(iter % 3 == 0 ? 120 : metadataEnd);
                img[at] = (byte) (r.nextInt(3) == 0 ? 0xff : r.nextInt(256));
            }
            try {
                exercise(img, "random " + iter);
            } catch (RuntimeException | Error | IOException e) {
                throw new AssertionError("random damage " + iter + " gave " + e, e);
            }
        }
    }

    @Test
    void truncatedImagesFailCleanly() throws IOException {
        for (int len : new int[] {0, 3, 71, 100, 4095, cs + 8, 3 * cs, pristine.length / 2, pristine.length - 1}) {
            byte[] img = java.util.Arrays.copyOf(pristine, len);
            try {
                String outcome = exercise(img, "truncated to " + len);
                if (len < 200) assertTrue(!outcome.isEmpty(), "a truncated header must be refused");
            } catch (RuntimeException | Error | IOException e) {
                throw new AssertionError("truncation to " + len + " gave " + e, e);
            }
        }
        assertThrows(BlockException.class, () -> Images.open(dir.resolve("nope.qcow2"), rw()));
    }
}
