package dev.ferry.migration;

/**
 * QEMU's XBZRLE page delta (Xor Based Zero Run Length Encoding), written from the format's
 * description: the difference between a page's previous and current content as alternating
 * runs,
 *
 * <pre>
 *   page  = zrun nzrun | zrun nzrun page
 *   zrun  = length                 (bytes that did not change)
 *   nzrun = length byte...         (bytes that changed, and their new values)
 *   length = ULEB128, at most two bytes (a page is at most 16 KiB)
 * </pre>
 *
 * Unchanged bytes after the last changed run are not encoded. Only the first zero run may be
 * empty (a page whose first byte changed); every other run is at least one byte, since two
 * runs of the same kind would have been one.
 */
public final class Xbzrle {
    private Xbzrle() {
    }

    /** QEMU's ENCODING_FLAG_XBZRLE, the byte after a page record's header. */
    public static final int ENCODING_FLAG = 0x01;
    /** The largest run length the two-byte ULEB128 can hold. */
    static final int MAX_LENGTH = 0x3fff;

    /**
     * Encodes the change from {@code old} to {@code cur} (both {@code len} bytes) into
     * {@code dst}. Returns the encoded length, 0 when nothing changed, or -1 when the encoding
     * would not fit in {@code dstLen} bytes (the sender then sends the page whole).
     */
    public static int encode(byte[] old, byte[] cur, int len, byte[] dst, int dstLen) {
        if (len > MAX_LENGTH) throw new IllegalArgumentException("page too large for XBZRLE: " + len);
        int i = 0, d = 0;
        while (i < len) {
            int zeroStart = i;
            i = skipEqual(old, cur, i, len);
            if (i == len) return d; // the rest is unchanged: not encoded (and 0 for an unchanged page)
            int changedStart = i;
            i = skipDifferent(old, cur, i, len);
            int n = i - changedStart;
            if (d + ulebSize(changedStart - zeroStart) + ulebSize(n) + n > dstLen) return -1;
            d = putUleb(dst, d, changedStart - zeroStart);
            d = putUleb(dst, d, n);
            System.arraycopy(cur, changedStart, dst, d, n);
            d += n;
        }
        return d;
    }

    /** The first index from {@code i} where the pages differ, or {@code len}. */
    private static int skipEqual(byte[] a, byte[] b, int i, int len) {
        int m = java.util.Arrays.mismatch(a, i, len, b, i, len);
        return m < 0 ? len : i + m;
    }

    /** The first index from {@code i} where the pages agree again, or {@code len}. */
    private static int skipDifferent(byte[] a, byte[] b, int i, int len) {
        while (i < len && a[i] != b[i]) i++;
        return i;
    }

    /**
     * Applies an encoded delta to {@code page} ({@code pageLen} bytes, holding the previous
     * content). The delta is checked completely before the page is touched: a malformed one
     * throws and leaves the page as it was, and nothing is ever written outside the page.
     */
    public static void decode(byte[] src, int srcLen, byte[] page, int pageLen) throws MalformedDeltaException {
        check(src, srcLen, pageLen);
        int i = 0, d = 0;
        int[] v = new int[1];
        while (i < srcLen) {
            i += getUleb(src, i, srcLen, v);
            d += v[0];
            i += getUleb(src, i, srcLen, v);
            System.arraycopy(src, i, page, d, v[0]);
            i += v[0];
            d += v[0];
        }
    }

    /** Walks the delta without applying it: the grammar, the lengths, the page bounds. */
    private static void check(byte[] src, int srcLen, int pageLen) throws MalformedDeltaException {
        if (srcLen < 0 || srcLen > src.length) throw new MalformedDeltaException("length " + srcLen + " out of range");
        int i = 0, d = 0;
        int[] v = new int[1];
        boolean first = true;
        while (i < srcLen) {
            i += getUleb(src, i, srcLen, v);
            if (v[0] == 0 && !first) throw new MalformedDeltaException("empty unchanged run at byte " + i);
            first = false;
            d += v[0];
            if (d > pageLen) throw new MalformedDeltaException("unchanged run past the end of the page");
            if (i >= srcLen) throw new MalformedDeltaException("unchanged run without a changed run");
            i += getUleb(src, i, srcLen, v);
            if (v[0] == 0) throw new MalformedDeltaException("empty changed run at byte " + i);
            if (d + v[0] > pageLen) throw new MalformedDeltaException("changed run past the end of the page");
            if (i + v[0] > srcLen) throw new MalformedDeltaException("changed run longer than the delta");
            i += v[0];
            d += v[0];
        }
    }

    // ---- ULEB128, limited to two bytes ----

    static int ulebSize(int n) {
        return n < 0x80 ? 1 : 2;
    }

    static int putUleb(byte[] dst, int at, int n) {
        if (n < 0 || n > MAX_LENGTH) throw new IllegalArgumentException("run length " + n);
        if (n < 0x80) {
            dst[at] = (byte) n;
            return at + 1;
        }
        dst[at] = (byte) (0x80 | (n & 0x7f));
        dst[at + 1] = (byte) (n >>> 7);
        return at + 2;
    }

    /** Reads a length into {@code out[0]}; returns the bytes it took. */
    static int getUleb(byte[] src, int at, int end, int[] out) throws MalformedDeltaException {
        if (at >= end) throw new MalformedDeltaException("truncated run length");
        int b0 = src[at] & 0xff;
        if (b0 < 0x80) {
            out[0] = b0;
            return 1;
        }
        if (at + 1 >= end) throw new MalformedDeltaException("truncated run length");
        int b1 = src[at + 1] & 0xff;
        if (b1 >= 0x80) throw new MalformedDeltaException("run length longer than two bytes");
        out[0] = (b0 & 0x7f) | (b1 << 7);
        return 2;
    }

    /** A delta that does not follow the format, or does not fit the page. */
    public static final class MalformedDeltaException extends Exception {
        public MalformedDeltaException(String msg) {
            super(msg);
        }
    }
}
