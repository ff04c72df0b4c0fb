package dev.ferry.migration;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The XBZRLE delta: the format's documented example, round trips, worst cases and malformed input. */
class XbzrleTest {
    private static final int PAGE = 4096;
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    private static byte[] encode(byte[] old, byte[] cur) {
        byte[] dst = new byte[PAGE];
        int n = Xbzrle.encode(old, cur, PAGE, dst, PAGE - 1);
        return n < 0 ? null : Arrays.copyOf(dst, n);
    }

    private static byte[] apply(byte[] old, byte[] delta) throws Xbzrle.MalformedDeltaException {
        byte[] page = old.clone();
        Xbzrle.decode(delta, delta.length, page, PAGE);
        return page;
    }

    @Test
    void theFormatDocumentsExample() throws Exception {
        // docs/xbzrle.txt: 1001 zeros, 21 bytes, 3074 zeros; the old and new bytes as listed there
        byte[] old = new byte[PAGE], cur = new byte[PAGE];
        byte[] o = HEX.parseHex("05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 68 00 00 6b 00 6d");
        byte[] c = HEX.parseHex("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 68 00 00 67 00 69");
        System.arraycopy(o, 0, old, 1001, o.length);
        System.arraycopy(c, 0, cur, 1001, c.length);
        byte[] delta = encode(old, cur);
        assertEquals("e9 07 0f 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 03 01 67 01 01 69", HEX.formatHex(delta));
        assertEquals(24, delta.length);
        assertArrayEquals(cur, apply(old, delta));
    }

    @Test
    void theMailingListsExampleOfOneWordWritten() throws Exception {
        // { 1000*0, 1, 2, 3, 4, 3092*0 } as a change from a zero page: e8 07 04 01 02 03 04 (trailing zeros not encoded)
        byte[] old = new byte[PAGE], cur = new byte[PAGE];
        cur[1000] = 1;
        cur[1001] = 2;
        cur[1002] = 3;
        cur[1003] = 4;
        assertEquals("e8 07 04 01 02 03 04", HEX.formatHex(encode(old, cur)));
    }

    @Test
    void anUnchangedPageEncodesToNothing() {
        byte[] p = new byte[PAGE];
        new Random(1).nextBytes(p);
        assertEquals(0, Xbzrle.encode(p, p.clone(), PAGE, new byte[PAGE], PAGE));
    }

    @Test
    void edgesOfThePageAndOfTheLengthEncoding() throws Exception {
        byte[] old = new byte[PAGE];
        // first byte changed: an empty first zero run
        byte[] cur = old.clone();
        cur[0] = 7;
        assertEquals("00 01 07", HEX.formatHex(encode(old, cur)));
        // last byte changed
        cur = old.clone();
        cur[PAGE - 1] = 9;
        assertEquals("ff 1f 01 09", HEX.formatHex(encode(old, cur)));
        assertArrayEquals(cur, apply(old, encode(old, cur)));
        // runs of 127 and 128 bytes: one and two length bytes
        cur = old.clone();
        Arrays.fill(cur, 127, 127 + 128, (byte) 1);
        byte[] d = encode(old, cur);
        assertEquals("7f 80 01", HEX.formatHex(Arrays.copyOf(d, 3)));
        assertEquals(3 + 128, d.length);
        assertArrayEquals(cur, apply(old, d));
    }

    @Test
    void aDeltaNoSmallerThanThePageOverflows() {
        byte[] old = new byte[PAGE], every = new byte[PAGE], alternate = new byte[PAGE];
        Arrays.fill(every, (byte) 0x55);
        for (int i = 0; i < PAGE; i += 2) alternate[i] = 1;
        assertEquals(-1, Xbzrle.encode(old, every, PAGE, new byte[PAGE], PAGE - 1), "4098 bytes do not fit");
        assertEquals(-1, Xbzrle.encode(old, alternate, PAGE, new byte[PAGE], PAGE - 1), "3 bytes per 2 do not fit");
        // exactly fitting is not an overflow: a whole changed page takes 3 + 4096 bytes (empty zero run, 4096)
        byte[] big = new byte[PAGE + 3];
        assertEquals(PAGE + 3, Xbzrle.encode(old, every, PAGE, big, PAGE + 3));
        assertEquals("00 80 20", HEX.formatHex(Arrays.copyOf(big, 3)));
        assertEquals(-1, Xbzrle.encode(old, every, PAGE, big, PAGE + 2));
    }

    @Test
    void randomChangesRoundTrip() throws Exception {
        Random r = new Random(42);
        byte[] dst = new byte[2 * PAGE]; // the worst case, one byte in two changed, takes 1.5 pages
        for (int round = 0; round < 2000; round++) {
            byte[] old = new byte[PAGE];
            r.nextBytes(old);
            byte[] cur = old.clone();
            int changes = r.nextInt(round % 10 == 0 ? 4096 : 64);
            for (int k = 0; k < changes; k++) {
                int at = r.nextInt(PAGE), len = 1 + r.nextInt(r.nextBoolean() ? 4 : 300);
                for (int i = at; i < Math.min(PAGE, at + len); i++) cur[i] = (byte) r.nextInt(256);
            }
            int n = Xbzrle.encode(old, cur, PAGE, dst, dst.length);
            assertTrue(n >= 0, "a big enough buffer always fits");
            if (Arrays.equals(old, cur)) {
                assertEquals(0, n);
                continue;
            }
            byte[] page = old.clone();
            Xbzrle.decode(dst, n, page, PAGE);
            assertArrayEquals(cur, page, "round " + round);
            // with the page-size limit, either it fits and is the same encoding, or it overflows
            byte[] small = new byte[PAGE];
            int m = Xbzrle.encode(old, cur, PAGE, small, PAGE - 1);
            if (n <= PAGE - 1) assertArrayEquals(Arrays.copyOf(dst, n), Arrays.copyOf(small, m));
            else assertEquals(-1, m);
        }
    }

    @Test
    void lengthsRoundTripOverTheirWholeRange() throws Exception {
        byte[] b = new byte[2];
        int[] v = new int[1];
        for (int n = 0; n <= 0x3fff; n++) {
            int len = Xbzrle.putUleb(b, 0, n);
            assertEquals(n < 0x80 ? 1 : 2, len);
            assertEquals(len, Xbzrle.getUleb(b, 0, 2, v));
            assertEquals(n, v[0]);
        }
    }

    @Test
    void malformedDeltasAreRefusedAndLeaveThePageAlone() {
        String[] bad = {
            "80", // length cut short
            "80 80 01", // a length longer than two bytes
            "05", // an unchanged run with no changed run after it
            "05 00", // an empty changed run
            "00 01 07 00 01 08", // an empty unchanged run that is not the first
            "ff 1f 02 01 02", // a changed run past the end of the page
            "80 20 01 01", // an unchanged run past the end of the page (4096 + 1)
            "05 04 01 02", // a changed run longer than the delta
            "00 01 07 05", // a trailing unchanged run
        };
        byte[] old = new byte[PAGE];
        new Random(3).nextBytes(old);
        for (String hex : bad) {
            byte[] delta = HEX.parseHex(hex);
            byte[] page = old.clone();
            var e = assertThrows(Xbzrle.MalformedDeltaException.class, () -> Xbzrle.decode(delta, delta.length, page, PAGE), hex);
            assertNotNull(e.getMessage());
            assertArrayEquals(old, page, "untouched after " + hex);
        }
        // a length beyond the buffer
        assertThrows(Xbzrle.MalformedDeltaException.class, () -> Xbzrle.decode(new byte[4], 5, new byte[PAGE], PAGE));
    }

    @Test
    void garbageNeverWritesOutsideThePage() {
        Random r = new Random(7);
        for (int round = 0; round < 20000; round++) {
            byte[] delta = new byte[1 + r.nextInt(40)];
            r.nextBytes(delta);
            if (r.nextBoolean()) delta[0] = 0; // more of them get past the first run
            byte[] page = new byte[64];
            try {
                Xbzrle.decode(delta, delta.length, page, 64);
            } catch (Xbzrle.MalformedDeltaException expected) {
                // refused; an ArrayIndexOutOfBoundsException would fail the test
            }
        }
    }

    @Test
    void theCacheKeepsFreshPagesAndTakesOldSlots() {
        try (XbzrleCache c = new XbzrleCache(2 * PAGE, PAGE)) {
            byte[] a = new byte[PAGE], b = new byte[PAGE], out = new byte[PAGE];
            a[0] = 1;
            b[0] = 2;
            assertFalse(c.contains(0, 0));
            assertTrue(c.insert(0, a, 0));
            assertTrue(c.contains(0, 1));
            // page 2 maps to page 0's slot: refused while page 0 is fresh (hit at sync 1)
            assertFalse(c.insert(2 * PAGE, b, 2));
            c.read(0, out);
            assertArrayEquals(a, out);
            assertTrue(c.insert(2 * PAGE, b, 3), "two syncs later the slot may be taken");
            assertFalse(c.contains(0, 3));
            assertTrue(c.contains(2 * PAGE, 3));
            c.read(2 * PAGE, out);
            assertArrayEquals(b, out);
            assertTrue(c.insert(PAGE, a, 3), "another slot");
        }
        assertThrows(IllegalArgumentException.class, () -> new XbzrleCache(3 * PAGE, PAGE));
    }
}
