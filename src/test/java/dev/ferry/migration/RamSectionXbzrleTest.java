package dev.ferry.migration;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.memory.DirtyLog;
import dev.ferry.memory.RamBlock;
import dev.ferry.migration.vmstate.VMStateException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ram section with XBZRLE, without a guest: rounds of random changes of every kind (small
 * ones, rewrites, zeroed pages, pages written back unchanged) in two blocks, through a small
 * cache, each round loaded into a destination that must then hold exactly the source's RAM.
 */
class RamSectionXbzrleTest {
    private static final int PAGE = 4096;

    private static RamSection section(List<RamBlock> blocks) {
        return new RamSection(blocks, (bs, toSend) -> {
            for (int i = 0; i < bs.size(); i++) {
                DirtyLog log = bs.get(i).dirtyLog();
                for (int w = 0; w < log.words(); w++) toSend[i][w] |= log.takeWord(w);
            }
        });
    }

    private static void transfer(ByteArrayOutputStream buf, RamSection dst) throws VMStateException {
        dst.load(new MigrationInput(new ByteArrayInputStream(buf.toByteArray())), RamSection.VERSION);
        buf.reset();
    }

    @Test
    void roundsOfRandomChangesArriveExactly() throws Exception {
        List<RamBlock> src = List.of(new RamBlock("a", 0, 64 * PAGE, false), new RamBlock("b", 1 << 20, 32 * PAGE, false));
        List<RamBlock> dst = List.of(new RamBlock("a", 0, 64 * PAGE, false), new RamBlock("b", 1 << 20, 32 * PAGE, false));
        Random r = new Random(5);
        for (RamBlock b : src) for (int p = 0; p < b.pages(); p += 2) b.writeBytes((long) p * PAGE, bytes(r, PAGE), 0, PAGE);
        RamSection out = section(src), in = section(dst);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        MigrationOutput o = new MigrationOutput(buf);
        out.enableXbzrle(32 * PAGE); // a third of the pages: slots are shared, misses and refusals happen
        out.saveSetup(o);
        o.flush();
        transfer(buf, in);
        for (int round = 0; round < 40; round++) {
            if (round == 20) out.resizeXbzrleCache(16 * PAGE); // replaced by an empty one
            while (!out.saveIterate(o, 50 * PAGE)) {
                o.flush();
                transfer(buf, in);
            }
            o.flush();
            transfer(buf, in);
            for (int i = 0; i < src.size(); i++) {
                assertEquals(-1L, src.get(i).segment().mismatch(dst.get(i).segment()), "block " + i + " after round " + round);
            }
            for (int k = 0; k < 30; k++) mutate(r, src.get(r.nextInt(2)));
            out.sync();
        }
        out.saveComplete(o);
        o.flush();
        transfer(buf, in);
        for (int i = 0; i < src.size(); i++) assertEquals(-1L, src.get(i).segment().mismatch(dst.get(i).segment()));
        assertTrue(out.xbzrlePages > 50, "deltas: " + out.xbzrlePages);
        assertTrue(out.xbzrleCacheMiss > 50, "misses: " + out.xbzrleCacheMiss);
        assertTrue(out.xbzrleOverflow > 10, "overflows: " + out.xbzrleOverflow);
        assertEquals(16 * PAGE, out.xbzrleCacheSize());
        out.cleanup();
        assertEquals(0, out.xbzrleCacheSize());
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static void mutate(Random r, RamBlock b) {
        long page = r.nextLong(b.pages()) * PAGE;
        switch (r.nextInt(5)) {
            case 0 -> b.writeBytes(page, bytes(r, PAGE), 0, PAGE); // rewritten: overflows
            case 1 -> b.writeBytes(page, new byte[PAGE], 0, PAGE); // zeroed
            case 2 -> { // written back as it was: dirty, unchanged
                byte[] same = new byte[PAGE];
                b.readBytes(page, same, 0, PAGE);
                b.writeBytes(page, same, 0, PAGE);
            }
            default -> { // a few small writes: a delta
                for (int k = 1 + r.nextInt(8); k > 0; k--) {
                    int at = r.nextInt(PAGE - 16);
                    int n = 1 + r.nextInt(16);
                    b.writeBytes(page + at, bytes(r, n), 0, n);
                }
            }
        }
    }

    /** A stream with one XBZRLE record for page 1 of block "a": the header, then {@code body}. */
    private static byte[] record(String bodyHex) {
        HexFormat h = HexFormat.of();
        return h.parseHex("0000000000001040" + "0161" + bodyHex + "0000000000000010"); // offset 0x1000 | XBZRLE, "a", body, EOS
    }

    @Test
    void malformedRecordsAreRefusedWithAClearErrorAndThePageIsUntouched() {
        RamBlock a = new RamBlock("a", 0, 4 * PAGE, false);
        RamSection in = section(List.of(a));
        byte[] before = new byte[PAGE];
        Arrays.fill(before, (byte) 0x5a);
        a.writeBytes(PAGE, before, 0, PAGE);
        String[][] cases = {
            {"02" + "0003" + "000107", "wrong compression"},
            {"01" + "1001", "len overflow"},
            {"01" + "0004" + "0001070a", "decode error"}, // a trailing run without its changed run
            {"01" + "0003" + "ff3f01", "decode error"}, // a run past the page
            {"01" + "0004" + "00" + "05" + "0102", "decode error"}, // a changed run longer than the delta
        };
        for (String[] c : cases) {
            VMStateException e = assertThrows(VMStateException.class,
                    () -> in.load(new MigrationInput(new ByteArrayInputStream(record(c[0]))), RamSection.VERSION), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            byte[] now = new byte[PAGE];
            a.readBytes(PAGE, now, 0, PAGE);
            assertArrayEquals(before, now, "untouched after " + c[0]);
        }
    }

    @Test
    void aWellFormedRecordIsApplied() throws Exception {
        RamBlock a = new RamBlock("a", 0, 4 * PAGE, false);
        RamSection in = section(List.of(a));
        in.load(new MigrationInput(new ByteArrayInputStream(record("01" + "0004" + "0a02beef"))), RamSection.VERSION);
        assertEquals(0, a.read(PAGE + 9, 1));
        assertEquals(0xbe, a.read(PAGE + 10, 1));
        assertEquals(0xef, a.read(PAGE + 11, 1));
        assertEquals(0, a.read(PAGE + 12, 1));
        assertEquals(0, a.read(0, 8), "other pages untouched");
    }
}
