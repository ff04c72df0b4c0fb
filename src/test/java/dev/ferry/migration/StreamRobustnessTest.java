package dev.ferry.migration;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.machine.MachineMigration;
import dev.ferry.machine.VirtMachine;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A truncated, corrupted or reordered stream fails to load with a clear error: never a hang,
 * never another kind of exception.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StreamRobustnessTest {
    static byte[] stream;

    @BeforeAll
    static void read() throws Exception {
        try (InputStream in = new GZIPInputStream(StreamRobustnessTest.class.getResourceAsStream(SavedStreamsTest.STREAMS[0]))) {
            stream = in.readAllBytes();
        }
    }

    /** Loads bytes into the machine; returns null on success, else the error. */
    private static MigrationException load(VirtMachine m, byte[] bytes) {
        try (MigrationInput in = new MigrationInput(new ByteArrayInputStream(bytes))) {
            MigrationStream.load(in, m.stateRegistry(), MachineMigration.MACHINE_TYPE);
            return null;
        } catch (MigrationException e) {
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().isBlank());
            return e;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theKeptStreamLoads(@TempDir Path dir) throws Exception {
        try (VirtMachine m = SavedStreamsTest.machine(dir, dir.resolve("c.txt"))) {
            assertNull(load(m, stream));
        }
    }

    @Test
    void everyTruncationFails(@TempDir Path dir) throws Exception {
        TreeSet<Integer> cuts = new TreeSet<>();
        for (int i = 0; i < 4096 && i < stream.length; i++) cuts.add(i);
        int eof = eofOffset();
        for (int i = Math.max(0, eof - 2500); i <= eof + 8; i++) cuts.add(i); // the device sections and EOF
        for (int i = eof; i < stream.length; i += 37) cuts.add(i); // inside the JSON description
        Random r = new Random(42);
        for (int i = 0; i < 300; i++) cuts.add(r.nextInt(stream.length));
        try (VirtMachine m = SavedStreamsTest.machine(dir, dir.resolve("c.txt"))) {
            for (int cut : cuts) {
                // the JSON description after EOF is optional: a stream that ends right after EOF loads
                MigrationException e = load(m, Arrays.copyOf(stream, cut));
                if (e == null) assertEquals(eofOffset(), cut, "a stream cut at " + cut + " of " + stream.length + " loaded");
            }
        }
    }

    /** Offset just past the EOF marker (the start of the optional JSON description). */
    private static int eofOffset() {
        for (int i = stream.length - 5; i > 0; i--) {
            if (stream[i] == MigrationStream.EOF && stream[i + 1] == MigrationStream.VMDESCRIPTION) {
                int len = ((stream[i + 2] & 0xff) << 24) | ((stream[i + 3] & 0xff) << 16) | ((stream[i + 4] & 0xff) << 8) | (stream[i + 5] & 0xff);
                if (i + 6 + len == stream.length) return i + 1;
            }
        }
        throw new AssertionError("no EOF marker");
    }

    @Test
    void corruptedBytesFailCleanlyOrLoad(@TempDir Path dir) throws Exception {
        Random r = new Random(7);
        int eof = eofOffset();
        try (VirtMachine m = SavedStreamsTest.machine(dir, dir.resolve("c.txt"))) {
            int failed = 0;
            for (int i = 0; i < 400; i++) {
                byte[] bad = stream.clone();
                // half the corruptions land in the device sections at the end, where framing is dense
                int at = i % 2 == 0 ? r.nextInt(eof) : eof - 1 - r.nextInt(Math.min(eof, 6000));
                bad[at] ^= (byte) (1 + r.nextInt(255));
                if (load(m, bad) != null) failed++;
            }
            assertTrue(failed > 0, "some corruptions must be detected");
            // the header and configuration are always checked
            for (int at = 0; at < 16; at++) {
                byte[] bad = stream.clone();
                bad[at] ^= 0x5a;
                assertNotNull(load(m, bad), "a corrupt header byte at " + at + " loaded");
            }
        }
    }

    @Test
    void wrongMachineAndVersionAreNamed(@TempDir Path dir) throws Exception {
        try (VirtMachine m = SavedStreamsTest.machine(dir, dir.resolve("c.txt"))) {
            byte[] bad = stream.clone();
            bad[7] = 2;
            assertEquals("SaveVM v2 format is obsolete and don't work anymore", load(m, bad).getMessage());
            bad = stream.clone();
            bad[0] = 'X';
            assertEquals("Not a migration stream", load(m, bad).getMessage());
            bad = stream.clone();
            bad[14] = 'X'; // "virt" -> "vXrt"
            assertTrue(load(m, bad).getMessage().startsWith("Machine type received is 'vXrt' and local is 'virt'"));
        }
    }

    @Test
    void aMissingOrReorderedSectionFails(@TempDir Path dir) throws Exception {
        // drop the END section of RAM by cutting the first FULL section onwards and gluing EOF: the
        // devices (harts etc.) are then missing, which QEMU accepts; reorder instead: swap the two
        // first FULL sections' headers so a body lands on the wrong device
        int eof = eofOffset();
        int first = -1, second = -1;
        for (int i = 17; i < eof - 1; i++) {
            if (stream[i] == MigrationStream.SECTION_FULL && isSectionHeader(i)) {
                if (first < 0) first = i;
                else {
                    second = i;
                    break;
                }
            }
        }
        assertTrue(first > 0 && second > 0);
        int firstLen = second - first;
        int third = second + 1;
        while (third < eof - 1 && !(stream[third] == MigrationStream.SECTION_FULL && isSectionHeader(third))) third++;
        byte[] swapped = new byte[stream.length];
        System.arraycopy(stream, 0, swapped, 0, first);
        System.arraycopy(stream, second, swapped, first, third - second);
        System.arraycopy(stream, first, swapped, first + (third - second), firstLen);
        System.arraycopy(stream, third, swapped, third, stream.length - third);
        try (VirtMachine m = SavedStreamsTest.machine(dir, dir.resolve("c.txt"))) {
            // sections are found by name, so a plain reorder of whole sections still loads
            assertNull(load(m, swapped));
            // but a section whose footer names another section does not
            byte[] bad = stream.clone();
            bad[second - 1] ^= 1; // last byte of the first FULL section's footer id
            assertTrue(load(m, bad).getMessage().startsWith("Mismatched section id in footer"));
        }
    }

    private static boolean isSectionHeader(int i) {
        int len = stream[i + 5] & 0xff;
        if (i + 6 + len > stream.length || len == 0) return false;
        for (int k = 0; k < len; k++) {
            int c = stream[i + 6 + k] & 0xff;
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }
}
