package dev.ferry.hw.fdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Malformed blobs must give a clear {@link FdtException}: never a hang, an OOM or another exception. */
class DtbParserMalformedTest {

    // header field offsets
    static final int TOTALSIZE = 4, OFF_STRUCT = 8, OFF_STRINGS = 12, OFF_RSV = 16, VERSION = 20,
            LAST_COMP = 24, SIZE_STRINGS = 32, SIZE_STRUCT = 36;

    static byte[] valid() {
        return DeviceTreeTest.sample().toDtb();
    }

    static byte[] with(byte[] dtb, int field, int value) {
        byte[] b = dtb.clone();
        ByteBuffer.wrap(b).putInt(field, value);
        return b;
    }

    static int field(byte[] dtb, int field) {
        return ByteBuffer.wrap(dtb).getInt(field);
    }

    static FdtException rejects(byte[] dtb, String expectedInMessage) {
        FdtException e = assertThrows(FdtException.class, () -> DeviceTree.fromDtb(dtb));
        assertTrue(e.getMessage().contains(expectedInMessage),
                "message should mention \"" + expectedInMessage + "\": " + e.getMessage());
        return e;
    }

    /** Assembles a blob from hand-written structure tokens. */
    static final class Blob {
        final ByteArrayOutputStream struct = new ByteArrayOutputStream();
        final ByteArrayOutputStream strings = new ByteArrayOutputStream();

        Blob token(int v) {
            struct.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
            return this;
        }

        Blob begin(String name) {
            token(1);
            struct.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
            struct.write(0);
            while (struct.size() % 4 != 0) {
                struct.write(0);
            }
            return this;
        }

        Blob end() {
            return token(2);
        }

        Blob prop(int nameOff, int len, byte[] value) {
            token(3).token(len).token(nameOff);
            struct.writeBytes(value);
            while (struct.size() % 4 != 0) {
                struct.write(0);
            }
            return this;
        }

        Blob string(String s) {
            strings.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        byte[] build() {
            byte[] st = struct.toByteArray();
            byte[] str = strings.toByteArray();
            int structOff = 40 + 16;
            int stringsOff = structOff + st.length;
            int total = stringsOff + str.length;
            ByteBuffer b = ByteBuffer.allocate(total);
            b.putInt(0xD00DFEED).putInt(total).putInt(structOff).putInt(stringsOff).putInt(40)
                    .putInt(17).putInt(16).putInt(0).putInt(str.length).putInt(st.length);
            b.putLong(0).putLong(0).put(st).put(str);
            return b.array();
        }
    }

    @Test
    void handWrittenBlobParses() {
        byte[] b = new Blob().string("reg\0").begin("").prop(0, 4, new byte[] {0, 0, 0, 5}).begin("n@5").end()
                .end().token(9).build();
        DeviceTree t = DeviceTree.fromDtb(b);
        assertEquals(5, t.root().requireProperty("reg").asU32());
        assertEquals("/n@5", t.requireNode("/n@5").path());
    }

    @Test
    void tooShortOrWrongMagic() {
        rejects(new byte[0], "truncated");
        rejects(new byte[] {(byte) 0xD0, 0x0D}, "truncated");
        rejects(new byte[64], "bad magic");
        rejects("not a device tree at all, just text".getBytes(StandardCharsets.US_ASCII), "bad magic");
        byte[] le = valid();
        le[0] = (byte) 0xED;
        le[1] = (byte) 0xFE;
        le[2] = 0x0D;
        le[3] = (byte) 0xD0;
        rejects(le, "bad magic 0xedfe0dd0");
        rejects(java.util.Arrays.copyOf(valid(), 20), "header needs");
    }

    @Test
    void truncatedBlob() {
        byte[] v = valid();
        for (int len = 4; len < v.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(v, len);
            FdtException e = assertThrows(FdtException.class, () -> DeviceTree.fromDtb(cut), "length " + len);
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("header"),
                    len + ": " + e.getMessage());
        }
    }

    @Test
    void badHeaderFields() {
        byte[] v = valid();
        rejects(with(v, TOTALSIZE, v.length + 1), "truncated: totalsize says");
        rejects(with(v, TOTALSIZE, 0xFFFF_FFF0), "truncated: totalsize says");
        rejects(with(v, TOTALSIZE, 12), "smaller than the header");
        rejects(with(v, VERSION, 15), "version 15 is not supported");
        rejects(with(v, LAST_COMP, 18), "last compatible version 18");
        rejects(with(v, OFF_STRUCT, v.length + 100), "structure block");
        rejects(with(v, OFF_STRUCT, 0xFFFF_FFFC), "structure block");
        rejects(with(v, OFF_STRUCT, 8), "structure block"); // inside the header
        rejects(with(v, SIZE_STRUCT, 0x7FFF_FFFF), "structure block");
        rejects(with(v, OFF_STRUCT, field(v, OFF_STRUCT) + 2), "not 4-byte aligned");
        rejects(with(v, OFF_STRINGS, v.length), "strings block");
        rejects(with(v, SIZE_STRINGS, -1), "strings block");
        rejects(with(v, OFF_RSV, v.length - 8), "memory reservation block");
        rejects(with(v, OFF_RSV, 44), "not 8-byte aligned");
    }

    @Test
    void reservationBlockWithoutTerminator() {
        // point the reservation block at the strings, which are never (0, 0) to the end of the blob
        byte[] b = new Blob().string("x".repeat(64)).string("\0").begin("").end().token(9).build();
        int stringsOff = field(b, OFF_STRINGS);
        byte[] moved = with(b, OFF_RSV, (stringsOff + 7) & ~7);
        rejects(moved, "no (0, 0) terminator");
    }

    @Test
    void structureCutShort() {
        byte[] v = valid();
        int size = field(v, SIZE_STRUCT);
        for (int cut = 4; cut < size; cut += 4) {
            byte[] b = with(v, SIZE_STRUCT, size - cut);
            assertThrows(FdtException.class, () -> DeviceTree.fromDtb(b), "structure cut by " + cut);
        }
        rejects(with(v, SIZE_STRUCT, size - 4), "missing FDT_END_NODE or FDT_END");
    }

    @Test
    void badStructure() {
        rejects(new Blob().string("a\0").begin("").prop(0, 0x7FFF_FFF0, new byte[0]).end().token(9).build(),
                "past the end of the structure block");
        rejects(new Blob().string("a\0").begin("").prop(100, 0, new byte[0]).end().token(9).build(),
                "outside the 2-byte strings block");
        rejects(new Blob().string("abc").begin("").prop(0, 0, new byte[0]).end().token(9).build(),
                "not NUL-terminated");
        rejects(new Blob().string("\0").begin("").prop(0, 0, new byte[0]).end().token(9).build(), "empty name");
        rejects(new Blob().end().token(9).build(), "closes no node");
        rejects(new Blob().string("a\0").prop(0, 0, new byte[0]).token(9).build(), "outside any node");
        rejects(new Blob().token(9).build(), "before any node");
        rejects(new Blob().begin("").token(9).build(), "inside /");
        rejects(new Blob().begin("").begin("a").end().token(9).build(), "inside /");
        rejects(new Blob().begin("").end().begin("").end().token(9).build(), "second root node");
        rejects(new Blob().begin("").token(0x12345678).build(), "unknown token 0x12345678");
        rejects(new Blob().begin("").begin("").end().end().token(9).build(), "invalid node name");
        rejects(new Blob().begin("").begin("a/b").end().end().token(9).build(), "invalid node name");
        rejects(new Blob().begin("").begin("x").end().begin("x").end().end().token(9).build(), "two children named x");
        rejects(new Blob().string("p\0").begin("").prop(0, 0, new byte[0]).prop(0, 0, new byte[0]).end().token(9)
                .build(), "has property p twice");
        rejects(new Blob().begin("").begin("x").end().end().build(), "missing FDT_END_NODE or FDT_END");
        // a node name running to the end of the structure block
        Blob unterminated = new Blob().begin("");
        unterminated.token(1);
        unterminated.struct.writeBytes("abcdefgh".getBytes(StandardCharsets.US_ASCII));
        rejects(unterminated.build(), "runs past the structure block");
    }

    @Test
    void nestingTooDeep() {
        Blob b = new Blob().begin("");
        for (int i = 0; i < DtbParser.MAX_DEPTH; i++) {
            b.begin("n");
        }
        for (int i = 0; i <= DtbParser.MAX_DEPTH; i++) {
            b.end();
        }
        DeviceTree ok = DeviceTree.fromDtb(b.token(9).build());
        assertEquals(DtbParser.MAX_DEPTH, ok.nodes().getLast().depth());

        Blob deep = new Blob().begin("");
        for (int i = 0; i < 100_000; i++) {
            deep.begin("n");
        }
        rejects(deep.build(), "nested deeper than " + DtbParser.MAX_DEPTH);
    }

    @Test
    void interruptParentLoopIsReportedNotFollowed() {
        // a node whose interrupt-parent is itself, and is no interrupt controller
        byte[] b = new Blob().string("phandle\0interrupt-parent\0interrupts\0")
                .begin("")
                .begin("self")
                .prop(0, 4, new byte[] {0, 0, 0, 1})
                .prop(8, 4, new byte[] {0, 0, 0, 1})
                .prop(25, 4, new byte[] {0, 0, 0, 3})
                .end().end().token(9).build();
        DeviceTree t = DeviceTree.fromDtb(b);
        List<String> problems = assertTimeoutPreemptively(Duration.ofSeconds(5), t::check);
        assertTrue(problems.stream().anyMatch(p -> p.contains("loops")), problems.toString());
    }

    @Test
    void manyChildrenAndPropertiesParseInLinearTime() {
        // 200k siblings and 200k properties: duplicate checks must not rescan
        Blob b = new Blob().begin("");
        StringBuilder names = new StringBuilder();
        int[] offs = new int[200_000];
        for (int i = 0; i < offs.length; i++) {
            offs[i] = names.length();
            names.append('p').append(i).append('\0');
        }
        b.string(names.toString());
        for (int off : offs) {
            b.prop(off, 0, new byte[0]);
        }
        for (int i = 0; i < 200_000; i++) {
            b.begin("c" + i).end();
        }
        byte[] blob = b.end().token(9).build();
        DeviceTree t = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> DeviceTree.fromDtb(blob));
        assertEquals(200_000, t.root().children().size());
        assertEquals(200_000, t.root().properties().size());
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() {
        byte[] v = vBig();
        Random r = new Random(1234);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int parsed = 0;
            for (int i = 0; i < 20_000; i++) {
                byte[] b = v.clone();
                int flips = 1 + r.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    int at = r.nextInt(b.length);
                    switch (r.nextInt(3)) {
                        case 0 -> b[at] = (byte) r.nextInt(256);
                        case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));
                        default -> {
                            // a plausible small or huge 32-bit value at a 4-byte boundary
                            int o = Math.min(at & ~3, b.length - 4);
                            ByteBuffer.wrap(b).putInt(o, r.nextBoolean() ? r.nextInt(16) : r.nextInt());
                        }
                    }
                }
                try {
                    DeviceTree t = DeviceTree.fromDtb(b);
                    parsed++;
                    t.check();
                    DeviceTree.fromDtb(t.toDtb());
                    t.toDts();
                } catch (FdtException expected) {
                    // fine: malformed
                } catch (RuntimeException | Error e) {
                    fail("corruption " + i + " escaped as " + e, e);
                }
            }
            assertTrue(parsed > 100, "some corruptions only change values: " + parsed);
        });
    }

    /** The virt tree (a realistic blob) for fuzzing. */
    static byte[] vBig() {
        return VirtDeviceTree.build(VirtDeviceTree.Config.of(256 << 20, 2).withBootargs("console=ttyS0")).toDtb();
    }
}
