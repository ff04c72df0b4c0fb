package dev.ferry.migration.vmstate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Byte-exact section bodies, hand-computed from QEMU's rules. */
class VMStateEncodingTest {
    static final class Dev {
        int a = 0x12, b = 0x3456, c = 0x789ABCDE;
        long d = 0x0102030405060708L;
        boolean e = true;
        byte f = -2;
        short g = -1;
        short[] h = {1, (short) 0xFFFF};
        byte[] k = {(byte) 0xAA, (byte) 0xBB};
        Inner s = new Inner();
        boolean subNeeded = true;
        int y = 0x0102;
    }

    static final class Inner {
        int x = 7;
        boolean more = true;
        int m = 0x99;
    }

    static final VMStateDescription<Inner> INNER_PLAIN = VMStateDescription.<Inner>builder("inner")
            .uint32("x", i -> i.x, (i, v) -> i.x = v)
            .build();

    static final VMStateDescription<Dev> SUB = VMStateDescription.<Dev>builder("dev/sub")
            .version(3)
            .uint16("y", d -> d.y, (d, v) -> d.y = v)
            .build();

    static final VMStateDescription<Dev> DEV = VMStateDescription.<Dev>builder("dev")
            .uint8("a", d -> d.a, (d, v) -> d.a = v)
            .uint16("b", d -> d.b, (d, v) -> d.b = v)
            .uint32("c", d -> d.c, (d, v) -> d.c = v)
            .uint64("d", d -> d.d, (d, v) -> d.d = v)
            .bool("e", d -> d.e, (d, v) -> d.e = v)
            .int8("f", d -> d.f, (d, v) -> d.f = (byte) v)
            .int16("g", d -> d.g, (d, v) -> d.g = (short) v)
            .uint16Array("h", d -> d.h)
            .buffer("k", d -> d.k)
            .struct("s", INNER_PLAIN, d -> d.s)
            .subsection(SUB, d -> d.subNeeded)
            .build();

    static final String FIELDS = "12 | 34 56 | 78 9a bc de | 01 02 03 04 05 06 07 08 | 01 | fe | ff ff | 00 01 ff ff"
            + " | aa bb | 00 00 00 07";

    private static byte[] bytes(String s) {
        return Hex.bytes(s.replace("|", " "));
    }

    @Test
    void fieldsThenSubsectionFraming() throws Exception {
        byte[] expected = bytes(FIELDS + " | 05 07 'dev/sub' 00 00 00 03 | 01 02");
        assertEquals(Hex.of(expected), Hex.of(DEV.save(new Dev())));
    }

    @Test
    void subsectionNotNeededIsNotWritten() throws Exception {
        Dev d = new Dev();
        d.subNeeded = false;
        assertEquals(Hex.of(bytes(FIELDS)), Hex.of(DEV.save(d)));
    }

    @Test
    void handWrittenBytesLoad() throws Exception {
        Dev d = new Dev();
        d.a = 0; d.b = 0; d.c = 0; d.d = 0; d.e = false; d.f = 0; d.g = 0; d.h = new short[2]; d.k = new byte[2];
        d.s.x = 0; d.y = 0;
        DEV.load(d, bytes("80 | ff fe | ff ff ff ff | 80 00 00 00 00 00 00 01 | 00 | 80 | 80 00 | 12 34 56 78"
                + " | 01 02 | 00 00 01 00 | 05 07 'dev/sub' 00 00 00 03 | be ef"), 1);
        assertEquals(0x80, d.a);
        assertEquals(0xFFFE, d.b);
        assertEquals(-1, d.c);
        assertEquals(0x8000000000000001L, d.d);
        assertEquals(false, d.e);
        assertEquals(-128, d.f);
        assertEquals(Short.MIN_VALUE, d.g);
        assertEquals(0x1234, d.h[0]);
        assertEquals(0x5678, d.h[1]);
        assertEquals(1, d.k[0]);
        assertEquals(2, d.k[1]);
        assertEquals(256, d.s.x);
        assertEquals(0xBEEF, d.y);
    }

    // ---- nested struct with its own subsection, followed by a field that looks like 0x05 ----

    static final VMStateDescription<Inner> IN_MORE = VMStateDescription.<Inner>builder("in/more")
            .uint8("m", i -> i.m, (i, v) -> i.m = v)
            .build();

    static final VMStateDescription<Inner> IN = VMStateDescription.<Inner>builder("in")
            .uint32("x", i -> i.x, (i, v) -> i.x = v)
            .subsection(IN_MORE, i -> i.more)
            .build();

    static final class Out {
        Inner inner = new Inner();
        int five = 5;
        int tail = 0x0707;
        boolean x = true;
    }

    static final VMStateDescription<Out> OUT_X = VMStateDescription.<Out>builder("out/x")
            .uint16("tail", o -> o.tail, (o, v) -> o.tail = v)
            .build();

    static final VMStateDescription<Out> OUT = VMStateDescription.<Out>builder("out")
            .struct("inner", IN, o -> o.inner)
            .uint8("five", o -> o.five, (o, v) -> o.five = v)
            .subsection(OUT_X, o -> o.x)
            .build();

    @Test
    void nestedStructIsInlineWithItsSubsections() throws Exception {
        byte[] expected = bytes("00 00 00 07 | 05 07 'in/more' 00 00 00 01 | 99 | 05 | 05 05 'out/x' 00 00 00 01 | 07 07");
        byte[] body = OUT.save(new Out());
        assertEquals(Hex.of(expected), Hex.of(body));

        // Loading: after "in/more", the struct sees 05 05 'out/x': len 5 >= len("in")+1 but the
        // name lacks the "in" prefix, so the struct stops and the 05 is the next field's value.
        Out o = new Out();
        o.inner.x = 0; o.inner.m = 0; o.five = 0; o.tail = 0;
        OUT.load(o, body, 1);
        assertEquals(7, o.inner.x);
        assertEquals(0x99, o.inner.m);
        assertEquals(5, o.five);
        assertEquals(0x0707, o.tail);
    }

    @Test
    void structNotFollowedBySubsectionWhenFieldByteIsFiveAtTheEnd() throws Exception {
        // A body ending in a 0x05 field byte right after a struct: the struct peeks 05 then
        // end-of-input, which is not a subsection header.
        var d = VMStateDescription.<Out>builder("o2")
                .struct("inner", INNER_PLAIN, o -> o.inner)
                .uint8("five", o -> o.five, (o, v) -> o.five = v)
                .build();
        Out o = new Out();
        o.five = 0;
        d.load(o, bytes("00 00 00 09 05"), 1);
        assertEquals(5, o.five);
        assertEquals(9, o.inner.x);
    }

    @Test
    void arraysOfStructsAndCountedArrays() throws Exception {
        final class S {
            int[] w = {0x11111111, 0x22222222, 0x33333333};
            Inner[] in = {new Inner(), new Inner()};
            boolean[] bits = {true, false, true};
        }
        var d = VMStateDescription.<S>builder("s")
                .uint32Array("w", s -> s.w, 2)
                .structArray("in", INNER_PLAIN, s -> s.in)
                .boolArray("bits", s -> s.bits)
                .build();
        S s = new S();
        s.in[1].x = 8;
        assertEquals(Hex.of(bytes("11 11 11 11 22 22 22 22 | 00 00 00 07 00 00 00 08 | 01 00 01")), Hex.of(d.save(s)));
    }

    @Test
    void valuesOutOfRangeForTheWireTypeAreRefusedOnSave() {
        Dev d = new Dev();
        d.a = 300;
        VMStateException e = assertThrows(VMStateException.class, () -> DEV.save(d));
        assertEquals("dev/a: value 300 out of range for uint8", e.getMessage());
        Dev d2 = new Dev();
        d2.a = -1; // a uint8 kept as a signed byte is fine
        d2.b = -1;
        try {
            byte[] b = DEV.save(d2);
            assertEquals(0xFF, b[0] & 0xFF);
            assertEquals(0xFF, b[1] & 0xFF);
            assertEquals(0xFF, b[2] & 0xFF);
        } catch (VMStateException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void boolMustBeZeroOrOne() {
        byte[] b = bytes(FIELDS);
        b[15] = 2; // the bool e
        VMStateException e = assertThrows(VMStateException.class, () -> DEV.load(new Dev(), b, 1));
        assertEquals("dev/e: invalid bool value 2", e.getMessage());
    }
}
