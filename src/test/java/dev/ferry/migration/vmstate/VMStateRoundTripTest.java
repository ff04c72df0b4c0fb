package dev.ferry.migration.vmstate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VMStateRoundTripTest {

    @Test
    void everyFieldKindSurvivesSaveAndLoad() throws Exception {
        Widget src = Widget.random(42);
        byte[] body = Widget.DESC.save(src);
        assertEquals(1, src.preSaves);
        assertEquals(1, src.postSaves);

        Widget dst = new Widget();
        assertNotEquals(src.dump(), dst.dump());
        Widget.DESC.load(dst, body, 2);
        assertEquals(src.dump(), dst.dump());
        assertEquals(1, dst.preLoads);
        assertEquals(1, dst.postLoads, "hooks run once: the rollback capture runs none");
        assertEquals(2, dst.loadedVersion);
        assertEquals(7, dst.abuf.length, "allocated buffer has exactly the loaded length");

        // and saving the loaded object gives the same bytes
        assertArrayEquals(body, Widget.DESC.save(dst));
    }

    @Test
    void manySeedsRoundTrip() throws Exception {
        for (long seed = 0; seed < 50; seed++) {
            Widget src = Widget.random(seed);
            src.hasExtra = seed % 2 == 0;
            src.hasOther = seed % 3 == 0;
            src.flag = seed % 5 != 0;
            Widget dst = new Widget();
            Widget.DESC.load(dst, Widget.DESC.save(src), 2);
            assertArrayEquals(Widget.DESC.save(src), Widget.DESC.save(dst), "seed " + seed);
        }
    }

    @Test
    void readerIsLeftRightAfterTheBody() throws Exception {
        Widget src = Widget.random(7);
        byte[] body = Widget.DESC.save(src);
        byte[] withFooter = Arrays.copyOf(body, body.length + 2);
        withFooter[body.length] = 0x7E; // QEMU_VM_SECTION_FOOTER follows a section in the stream
        ByteArrayVMStateReader r = new ByteArrayVMStateReader(withFooter);
        Widget.DESC.load(new Widget(), r, 2);
        assertEquals(body.length, r.position());
        assertEquals(0x7E, r.getByte());
    }

    @Test
    void dataOutputWriterWritesTheSameBytes() throws Exception {
        Widget src = Widget.random(3);
        var bos = new java.io.ByteArrayOutputStream();
        Widget.DESC.save(src, new DataOutputVMStateWriter(new java.io.DataOutputStream(bos)));
        assertArrayEquals(Widget.DESC.save(src), bos.toByteArray());
    }

    /** Offsets where a subsection header of the widget (or of its subsections) starts. */
    private static TreeSet<Integer> subsectionStarts(byte[] body) {
        TreeSet<Integer> s = new TreeSet<>();
        byte[] prefix = "widget/".getBytes(StandardCharsets.US_ASCII);
        for (int p = 0; p + 2 + prefix.length <= body.length; p++) {
            if (body[p] == 0x05 && Arrays.equals(body, p + 2, p + 2 + prefix.length, prefix, 0, prefix.length)) s.add(p);
        }
        return s;
    }

    @Test
    void truncationAtEveryOffsetIsACleanErrorAndLeavesTheObjectUntouched() throws Exception {
        Widget src = Widget.random(11);
        byte[] body = Widget.DESC.save(src);
        TreeSet<Integer> validCuts = subsectionStarts(body);
        assertEquals(3, validCuts.size(), "widget/extra, widget/extra/deep, widget/other");
        // Mostly "unexpected end of stream"; a cut inside a nested struct's subsection header
        // makes the header unrecognisable (QEMU's rule), so its bytes are then read as the
        // next fields and fail some other check, or leave trailing bytes.
        Pattern msg = Pattern.compile("widget(/\\S+)?: .+");

        for (int k = 0; k < body.length; k++) {
            Widget dst = Widget.random(1000 + k);
            String before = dst.dump();
            byte[] cut = Arrays.copyOf(body, k);
            try {
                Widget.DESC.load(dst, cut, 2);
                // A body may legitimately end where a subsection starts (the subsection is then
                // absent); the stream's section footer is what catches such a cut.
                assertTrue(validCuts.contains(k), "truncation at " + k + " was accepted");
            } catch (VMStateException e) {
                assertTrue(msg.matcher(e.getMessage()).matches(), "at " + k + ": " + e.getMessage());
                assertEquals(before, dst.dump(), "object changed by failed load at offset " + k);
            }
        }
    }

    @Test
    void errorPathNamesTheNestedField() {
        Widget src = Widget.random(5);
        byte[] body;
        try {
            body = Widget.DESC.save(src);
        } catch (VMStateException e) {
            throw new AssertionError(e);
        }
        // find where parts[1].value starts: cut in the middle of it
        int off = offsetOfPart1(src);
        VMStateException e = assertThrows(VMStateException.class,
                () -> Widget.DESC.load(new Widget(), Arrays.copyOf(body, off + 2), 2));
        assertEquals("widget/parts[1]/value: unexpected end of stream", e.getMessage());
        assertEquals("widget/parts[1]/value", e.path());
        assertEquals("unexpected end of stream", e.detail());
    }

    /** Byte offset of parts[1].value in the widget's body (sizes of the fields before it). */
    private static int offsetOfPart1(Widget w) {
        int off = 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8 + 1 + 4; // scalars and magic
        off += 5 + 2 + 4 * 2 + 2 * 2 + 4 * 4 + 2 * 4 + 3 * 8 + 2 * 8 + 3; // arrays
        off += 4 + w.n * 8; // n, vlongs
        off += 4 + 1 + w.blen + 4 + w.alen; // buf, blen, vbuf, alen, abuf
        off += 12; // part
        off += 12; // parts[0]
        return off;
    }

    @Test
    void failedLoadRestoresEvenFieldsOfSubsectionsThatWereNotNeeded() throws Exception {
        Widget src = Widget.random(9);
        src.hasExtra = true;
        byte[] body = Widget.DESC.save(src);
        Widget dst = Widget.random(99);
        dst.hasExtra = false; // not needed here, so a plain save of dst would not include it
        String before = dst.dump();
        byte[] bad = Arrays.copyOf(body, body.length + 1); // one trailing byte
        VMStateException e = assertThrows(VMStateException.class, () -> Widget.DESC.load(dst, bad, 2));
        assertEquals("widget: 1 unexpected trailing bytes after the section body", e.getMessage());
        assertEquals(before, dst.dump());
        assertEquals(1, dst.postLoads, "post_load ran before the trailing bytes were noticed");
    }

    @Test
    void postLoadFailureRollsBack() throws Exception {
        var desc = VMStateDescription.<Widget>builder("w")
                .uint32("u32", w -> w.u32, (w, v) -> w.u32 = v)
                .postLoad((w, v) -> {
                    if (w.u32 == 13) throw new VMStateException("unlucky value");
                })
                .build();
        Widget src = new Widget();
        src.u32 = 13;
        Widget dst = new Widget();
        dst.u32 = 4;
        VMStateException e = assertThrows(VMStateException.class, () -> desc.load(dst, desc.save(src), 1));
        assertEquals("w: post_load failed: unlucky value", e.getMessage());
        assertEquals(4, dst.u32);
    }

    @Test
    void runtimeExceptionsFromAccessorsAlsoRollBack() throws Exception {
        var desc = VMStateDescription.<Widget>builder("w")
                .uint32("u32", w -> w.u32, (w, v) -> w.u32 = v)
                .uint32("boom", w -> 0, (w, v) -> {
                    throw new IllegalStateException("setter bug");
                })
                .build();
        Widget dst = new Widget();
        dst.u32 = 4;
        byte[] body = {0, 0, 0, 9, 0, 0, 0, 0};
        assertThrows(IllegalStateException.class, () -> desc.load(dst, body, 1));
        assertEquals(4, dst.u32);
    }

    @Test
    void unmigratableRefusesEverything() {
        var desc = VMStateDescription.<Widget>builder("w")
                .uint32("u32", w -> w.u32, (w, v) -> w.u32 = v).unmigratable().build();
        assertTrue(desc.isUnmigratable());
        VMStateException e = assertThrows(VMStateException.class, () -> desc.save(new Widget()));
        assertEquals("w: state is marked unmigratable", e.getMessage());
        assertThrows(VMStateException.class, () -> desc.load(new Widget(), new byte[4], 1));
        assertThrows(VMStateException.class, () -> desc.describe("w", 0, new Widget()));
    }

    @Test
    void customFieldSeesItsOwnBytes() throws Exception {
        Widget w = Widget.random(1);
        w.label = "héllo";
        Widget dst = new Widget();
        Widget.DESC.load(dst, Widget.DESC.save(w), 2);
        assertEquals("héllo", dst.label);
    }

    @Test
    void saveFailureStillRunsPostSave() {
        Widget w = Widget.random(2);
        w.n = 9; // vlongs holds 8
        VMStateException e = assertThrows(VMStateException.class, () -> Widget.DESC.save(w));
        assertEquals("widget/vlongs: array length 9 exceeds 8", e.getMessage());
        assertEquals(1, w.preSaves);
        assertEquals(1, w.postSaves);
    }

    @Test
    void preSaveFailureStopsTheSave() {
        var desc = VMStateDescription.<Widget>builder("w")
                .uint32("u32", w -> w.u32, (w, v) -> w.u32 = v)
                .preSave(w -> {
                    throw new VMStateException("not now");
                })
                .build();
        var out = new ByteArrayVMStateWriter();
        VMStateException e = assertThrows(VMStateException.class, () -> desc.save(new Widget(), out));
        assertEquals("w: pre_save failed: not now", e.getMessage());
        assertEquals(0, out.size());
    }

    @Test
    void nestedHooksRun() throws Exception {
        int[] calls = new int[2];
        var inner = VMStateDescription.<Widget.Part>builder("in")
                .uint32("value", p -> p.value, (p, v) -> p.value = v)
                .preSave(p -> calls[0]++)
                .postLoad((p, v) -> calls[1] += 10 + v)
                .build();
        var outer = VMStateDescription.<Widget>builder("out")
                .structArray("parts", inner, w -> w.parts)
                .build();
        Widget w = new Widget();
        byte[] b = outer.save(w);
        assertEquals(2, calls[0]);
        outer.load(new Widget(), b, 1);
        assertEquals(22, calls[1]);
    }

    @Test
    void missingStorageIsAnError() {
        Widget w = new Widget();
        w.quads = null;
        VMStateException e = assertThrows(VMStateException.class, () -> Widget.DESC.save(w));
        assertEquals("widget/quads: array is null", e.getMessage());
        Widget w2 = new Widget();
        w2.parts[1] = null;
        e = assertThrows(VMStateException.class, () -> Widget.DESC.save(w2));
        assertEquals("widget/parts[1]: struct is null", e.getMessage());
    }

    @Test
    void roundTripThroughFreshObjectsOfAllSeedsIsStable() throws Exception {
        // save -> load -> save is a fixed point
        Widget a = Widget.random(77);
        byte[] b1 = Widget.DESC.save(a);
        Widget b = new Widget();
        Widget.DESC.load(b, b1, 2);
        Widget c = new Widget();
        Widget.DESC.load(c, Widget.DESC.save(b), 2);
        if (!a.dump().equals(c.dump())) fail("not stable");
    }
}
