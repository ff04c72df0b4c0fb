package dev.ferry.migration.vmstate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The device entry of the stream's JSON VM description, in QEMU's exact text. */
class VMStateJsonTest {
    static final class Inner {
        int x = 1;
    }

    static final class Part {
        int v;
        boolean opt;
        int w;
    }

    static final class Dev {
        long pc;
        long[] gpr = new long[4];
        boolean on;
        byte[] mem = new byte[3];
        Inner s = new Inner();
        Part[] parts = {new Part(), new Part()};
        Inner[] ins = {new Inner(), new Inner()};
        int dup1, dup2;
        long[] empty = new long[4];
        int[] one = new int[3];
        boolean sub = true;
        int y;
    }

    static final VMStateDescription<Inner> INNER = VMStateDescription.<Inner>builder("inner")
            .uint32("x", i -> i.x, (i, v) -> i.x = v).build();

    static final VMStateDescription<Part> PART = VMStateDescription.<Part>builder("part")
            .uint8("v", p -> p.v, (p, v) -> p.v = v)
            .subsection(VMStateDescription.<Part>builder("part/opt").uint16("w", p -> p.w, (p, v) -> p.w = v).build(),
                    p -> p.opt)
            .build();

    static final VMStateDescription<Dev> DEV = VMStateDescription.<Dev>builder("dev")
            .version(3).minimumVersion(1)
            .uint64("pc", d -> d.pc, (d, v) -> d.pc = v)
            .uint64Array("gpr", d -> d.gpr)
            .bool("on", d -> d.on, (d, v) -> d.on = v)
            .buffer("mem", d -> d.mem)
            .struct("s", INNER, d -> d.s)
            .structArray("parts", PART, d -> d.parts)
            .structArray("ins", INNER, d -> d.ins)
            .uint32("dup", d -> d.dup1, (d, v) -> d.dup1 = v)
            .uint8("dup", d -> d.dup2, (d, v) -> d.dup2 = v)
            .uint64Varray("empty", d -> d.empty, d -> 0)
            .uint32Array("one", d -> d.one, 1)
            .subsection(VMStateDescription.<Dev>builder("dev/sub").uint16("y", d -> d.y, (d, v) -> d.y = v).build(),
                    d -> d.sub)
            .build();

    private static final String INNER_JSON =
            "{\"vmsd_name\": \"inner\", \"version\": 1, \"fields\": [{\"name\": \"x\", \"type\": \"uint32\", \"size\": 4}]}";

    @Test
    void deviceEntryMatchesQemuText() throws Exception {
        Dev d = new Dev();
        d.parts[1].opt = true;
        String expected = "{\"name\": \"dev0\", \"instance_id\": 0, \"vmsd_name\": \"dev\", \"version\": 3, \"fields\": ["
                + "{\"name\": \"pc\", \"type\": \"uint64\", \"size\": 8}, "
                + "{\"name\": \"gpr\", \"array_len\": 4, \"type\": \"uint64\", \"size\": 8}, "
                + "{\"name\": \"on\", \"type\": \"bool\", \"size\": 1}, "
                + "{\"name\": \"mem\", \"type\": \"buffer\", \"size\": 3}, "
                + "{\"name\": \"s\", \"type\": \"struct\", \"struct\": " + INNER_JSON + ", \"size\": 4}, "
                // a struct with subsections cannot be "compressed": one entry per element
                + "{\"name\": \"parts\", \"index\": 0, \"type\": \"struct\", \"struct\": {\"vmsd_name\": \"part\", "
                + "\"version\": 1, \"fields\": [{\"name\": \"v\", \"type\": \"uint8\", \"size\": 1}]}, \"size\": 1}, "
                + "{\"name\": \"parts\", \"index\": 1, \"type\": \"struct\", \"struct\": {\"vmsd_name\": \"part\", "
                + "\"version\": 1, \"fields\": [{\"name\": \"v\", \"type\": \"uint8\", \"size\": 1}], "
                + "\"subsections\": [{\"vmsd_name\": \"part/opt\", \"version\": 1, \"fields\": "
                + "[{\"name\": \"w\", \"type\": \"uint16\", \"size\": 2}]}]}, \"size\": 17}, "
                + "{\"name\": \"ins\", \"array_len\": 2, \"type\": \"struct\", \"struct\": " + INNER_JSON + ", \"size\": 4}, "
                + "{\"name\": \"dup[0]\", \"type\": \"uint32\", \"size\": 4}, "
                + "{\"name\": \"dup[1]\", \"type\": \"uint8\", \"size\": 1}, "
                + "{\"name\": \"one\", \"type\": \"uint32\", \"size\": 4}"
                + "], \"subsections\": [{\"vmsd_name\": \"dev/sub\", \"version\": 1, \"fields\": "
                + "[{\"name\": \"y\", \"type\": \"uint16\", \"size\": 2}]}]}";
        assertEquals(expected, DEV.describe("dev0", 0, d));
    }

    @Test
    void noSubsectionsKeyWhenNoneWritten() throws Exception {
        Dev d = new Dev();
        d.sub = false;
        String json = DEV.describe("dev0", 1, d);
        assertEquals(false, json.contains("\"subsections\": [{\"vmsd_name\": \"dev/sub\""));
        assertEquals(true, json.startsWith("{\"name\": \"dev0\", \"instance_id\": 1, "));
        assertEquals(true, json.endsWith("{\"name\": \"one\", \"type\": \"uint32\", \"size\": 4}]}"));
    }

    @Test
    void describingDoesNotChangeTheBytes() throws Exception {
        Dev d = new Dev();
        d.pc = 0x1234;
        d.parts[0].opt = true;
        ByteArrayVMStateWriter w = new ByteArrayVMStateWriter();
        JsonWriter j = new JsonWriter();
        j.startObject(null);
        DEV.save(d, w, j);
        j.endObject();
        assertArrayEquals(DEV.save(d), w.toByteArray());
        assertEquals(0, j.depth());
    }

    @Test
    void customAndEqualTypesAndSinceFields() throws Exception {
        var desc = VMStateDescription.<Dev>builder("c").version(2)
                .custom("blob", VMStateInfo.<Dev>of("mytype", (o, x) -> o.putBe16(1), (i, x) -> i.getBe16()))
                .uint64Equal("pc", d -> d.pc)
                .uint8("y", d -> d.y, (d, v) -> d.y = v).since(2)
                .build();
        assertEquals("{\"name\": \"c\", \"instance_id\": 0, \"vmsd_name\": \"c\", \"version\": 2, \"fields\": ["
                + "{\"name\": \"blob\", \"type\": \"mytype\", \"size\": 2}, "
                + "{\"name\": \"pc\", \"type\": \"int64 equal\", \"size\": 8}, "
                + "{\"name\": \"y\", \"type\": \"uint8\", \"size\": 1}]}", desc.describe("c", 0, new Dev()));
    }

    @Test
    void wholeVmDescriptionCanBeComposed() throws Exception {
        // what the stream writer will do: {"page_size": ..., "devices": [entries...]}
        JsonWriter j = new JsonWriter();
        j.startObject(null).int64("page_size", 4096).startArray("devices");
        j.startObject(null).str("name", "i").int64("instance_id", 0);
        INNER.save(new Inner(), new ByteArrayVMStateWriter(), j);
        j.endObject().endArray().endObject();
        assertEquals("{\"page_size\": 4096, \"devices\": [{\"name\": \"i\", \"instance_id\": 0, "
                + INNER_JSON.substring(1) + "]}", j.toString());
    }

    @Test
    void reusingABuilderDoesNotChangeWhatItBuilt() throws Exception {
        var b = VMStateDescription.<Inner>builder("r").uint32("x", i -> i.x, (i, v) -> i.x = v);
        var first = b.build();
        var second = b.uint8("x", i -> 0, (i, v) -> { }).since(1).build();
        assertEquals("{\"name\": \"r\", \"instance_id\": 0, \"vmsd_name\": \"r\", \"version\": 1, \"fields\": "
                + "[{\"name\": \"x\", \"type\": \"uint32\", \"size\": 4}]}", first.describe("r", 0, new Inner()));
        assertEquals(true, second.describe("r", 0, new Inner()).contains("\"x[1]\""));
        assertThrows(IllegalStateException.class, () -> b.since(1), "since() after build() has no field to modify");
    }

    @Test
    void jsonWriterPrettyAndEscapes() {
        JsonWriter p = new JsonWriter(true);
        p.startObject(null).int64("a", 1).startArray("b").int64(null, 2).str(null, "x").endArray().endObject();
        assertEquals("{\n    \"a\": 1,\n    \"b\": [\n        2,\n        \"x\"\n    ]\n}", p.toString());

        JsonWriter c = new JsonWriter();
        c.startObject(null).str("s", "q\"b\\/\n\t\u0001é\uD83D\uDE00").bool("t", true).nul("n")
                .uint64("u", -1L).startObject("e").endObject().startArray("z").endArray().endObject();
        assertEquals("{\"s\": \"q\\\"b\\\\/\\n\\t\\u0001\\u00E9\\uD83D\\uDE00\", \"t\": true, \"n\": null, "
                + "\"u\": 18446744073709551615, \"e\": {}, \"z\": []}", c.toString());

        JsonWriter bad = new JsonWriter();
        bad.startObject(null);
        assertThrows(IllegalStateException.class, () -> bad.int64(null, 1));
        assertThrows(IllegalStateException.class, bad::endArray);
    }
}
