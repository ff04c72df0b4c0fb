package dev.ferry.migration.vmstate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** A synthetic device using every field kind the API offers. */
final class Widget {
    static final class Part {
        int value;
        long stamp;

        @Override
        public String toString() {
            return value + ":" + stamp;
        }
    }

    static final class Slot {
        int id;
        short tag;
        boolean extra;
        int extraData;

        @Override
        public String toString() {
            return id + "/" + tag + "/" + extra + "/" + extraData;
        }
    }

    static final VMStateDescription<Part> PART = VMStateDescription.<Part>builder("widget_part")
            .uint32("value", p -> p.value, (p, v) -> p.value = v)
            .int64("stamp", p -> p.stamp, (p, v) -> p.stamp = v)
            .build();

    static final VMStateDescription<Slot> SLOT_EXTRA = VMStateDescription.<Slot>builder("widget_slot/extra")
            .uint32("data", s -> s.extraData, (s, v) -> s.extraData = v)
            .build();

    static final VMStateDescription<Slot> SLOT = VMStateDescription.<Slot>builder("widget_slot")
            .uint8("id", s -> s.id, (s, v) -> s.id = v)
            .int16("tag", s -> s.tag, (s, v) -> s.tag = (short) v)
            .bool("extra", s -> s.extra, (s, v) -> s.extra = v)
            .subsection(SLOT_EXTRA, s -> s.extra)
            .build();

    static final VMStateDescription<Widget> DEEP = VMStateDescription.<Widget>builder("widget/extra/deep")
            .uint16("deep", w -> w.deep, (w, v) -> w.deep = v)
            .build();

    static final VMStateDescription<Widget> EXTRA = VMStateDescription.<Widget>builder("widget/extra")
            .version(2).minimumVersion(1)
            .uint64("extra1", w -> w.extra1, (w, v) -> w.extra1 = v)
            .uint32Array("extraArr", w -> w.extraArr).since(2)
            .subsection(DEEP, w -> w.extra1 != 0)
            .postLoad((w, v) -> w.hasExtra = true)
            .build();

    static final VMStateDescription<Widget> OTHER = VMStateDescription.<Widget>builder("widget/other")
            .int32("other", w -> w.other, (w, v) -> w.other = v)
            .postLoad((w, v) -> w.hasOther = true)
            .build();

    static final VMStateInfo<Widget> LABEL = VMStateInfo.of("label",
            (out, w) -> {
                byte[] b = w.label.getBytes(StandardCharsets.UTF_8);
                out.putByte(b.length);
                out.putBuffer(b);
            },
            (in, w) -> {
                byte[] b = new byte[in.getByte()];
                in.getBuffer(b, 0, b.length);
                w.label = new String(b, StandardCharsets.UTF_8);
            });

    static final VMStateDescription<Widget> DESC = VMStateDescription.<Widget>builder("widget")
            .version(2).minimumVersion(1)
            .int8("i8", w -> w.i8, (w, v) -> w.i8 = (byte) v)
            .uint8("u8", w -> w.u8, (w, v) -> w.u8 = v)
            .int16("i16", w -> w.i16, (w, v) -> w.i16 = (short) v)
            .uint16("u16", w -> w.u16, (w, v) -> w.u16 = v)
            .int32("i32", w -> w.i32, (w, v) -> w.i32 = v)
            .uint32("u32", w -> w.u32, (w, v) -> w.u32 = v)
            .int64("i64", w -> w.i64, (w, v) -> w.i64 = v)
            .uint64("u64", w -> w.u64, (w, v) -> w.u64 = v)
            .bool("flag", w -> w.flag, (w, v) -> w.flag = v)
            .uint32Equal("magic", w -> w.magic)
            .uint8Array("bytes", w -> w.bytes)
            .int8Array("sbytes", w -> w.sbytes, 2)
            .int16Array("shorts", w -> w.shorts)
            .uint16Array("ushorts", w -> w.ushorts)
            .uint32Array("words", w -> w.words, 4)
            .int32Array("swords", w -> w.swords)
            .uint64Array("quads", w -> w.quads)
            .int64Array("squads", w -> w.squads)
            .boolArray("bits", w -> w.bits)
            .uint32("n", w -> w.n, (w, v) -> w.n = v)
            .uint64Varray("vlongs", w -> w.vlongs, w -> w.n)
            .buffer("buf", w -> w.buf)
            .uint8("blen", w -> w.blen, (w, v) -> w.blen = v)
            .vbuffer("vbuf", w -> w.vbuf, w -> w.blen)
            .uint32("alen", w -> w.alen, (w, v) -> w.alen = v)
            .vbufferAlloc("abuf", w -> w.abuf, (w, b) -> w.abuf = b, w -> w.alen, 64)
            .struct("part", PART, w -> w.part)
            .structArray("parts", PART, w -> w.parts)
            .uint8("nslots", w -> w.nslots, (w, v) -> w.nslots = v)
            .structVarray("slots", SLOT, w -> w.slots, w -> w.nslots)
            .structList("plist", PART, w -> w.plist)
            .custom("label", LABEL)
            .uint64("newer", w -> w.newer, (w, v) -> w.newer = v).since(2)
            .uint32("cond", w -> w.cond, (w, v) -> w.cond = v).existsIf((w, v) -> w.flag)
            .subsection(EXTRA, w -> w.hasExtra)
            .subsection(OTHER, w -> w.hasOther)
            .preSave(w -> w.preSaves++)
            .postSave(w -> w.postSaves++)
            .preLoad(w -> {
                w.preLoads++;
                w.hasExtra = false; // QEMU's pattern: pre_load resets, the subsection's post_load sets
                w.hasOther = false;
            })
            .postLoad((w, v) -> {
                w.postLoads++;
                w.loadedVersion = v;
            })
            .build();

    byte i8;
    int u8;
    short i16;
    int u16;
    int i32;
    int u32;
    long i64;
    long u64;
    boolean flag;
    int magic = 0xFEED;
    byte[] bytes = new byte[5];
    byte[] sbytes = new byte[3];
    short[] shorts = new short[4];
    short[] ushorts = new short[2];
    int[] words = new int[6];
    int[] swords = new int[2];
    long[] quads = new long[3];
    long[] squads = new long[2];
    boolean[] bits = new boolean[3];
    int n;
    long[] vlongs = new long[8];
    byte[] buf = new byte[4];
    int blen;
    byte[] vbuf = new byte[16];
    int alen;
    byte[] abuf = new byte[0];
    Part part = new Part();
    Part[] parts = {new Part(), new Part()};
    int nslots;
    Slot[] slots = {new Slot(), new Slot(), new Slot(), new Slot()};
    List<Part> plist = new ArrayList<>(List.of(new Part(), new Part(), new Part()));
    String label = "";
    long newer;
    int cond;
    boolean hasExtra;
    long extra1;
    int[] extraArr = new int[2];
    int deep;
    boolean hasOther;
    int other;

    // not migrated
    int preSaves, postSaves, preLoads, postLoads, loadedVersion;

    /** Fills every migrated value from {@code seed}, keeping sizes consistent. */
    static Widget random(long seed) {
        Random r = new Random(seed);
        Widget w = new Widget();
        w.i8 = (byte) r.nextInt();
        w.u8 = r.nextInt(256);
        w.i16 = (short) r.nextInt();
        w.u16 = r.nextInt(65536);
        w.i32 = r.nextInt();
        w.u32 = r.nextInt();
        w.i64 = r.nextLong();
        w.u64 = r.nextLong();
        w.flag = true;
        r.nextBytes(w.bytes);
        r.nextBytes(w.sbytes);
        w.sbytes[2] = 0; // beyond the declared count of 2: not migrated
        for (int i = 0; i < 4; i++) w.shorts[i] = (short) r.nextInt();
        for (int i = 0; i < 2; i++) w.ushorts[i] = (short) r.nextInt();
        for (int i = 0; i < 4; i++) w.words[i] = r.nextInt(); // words[4..5] not migrated
        for (int i = 0; i < 2; i++) w.swords[i] = r.nextInt();
        for (int i = 0; i < 3; i++) w.quads[i] = r.nextLong();
        for (int i = 0; i < 2; i++) w.squads[i] = r.nextLong();
        for (int i = 0; i < 3; i++) w.bits[i] = r.nextBoolean();
        w.n = 5;
        for (int i = 0; i < w.n; i++) w.vlongs[i] = r.nextLong();
        r.nextBytes(w.buf);
        w.blen = 9;
        for (int i = 0; i < w.blen; i++) w.vbuf[i] = (byte) r.nextInt();
        w.alen = 7;
        w.abuf = new byte[7];
        r.nextBytes(w.abuf);
        w.part.value = r.nextInt();
        w.part.stamp = r.nextLong();
        for (Part p : w.parts) {
            p.value = r.nextInt();
            p.stamp = r.nextLong();
        }
        w.nslots = 3;
        for (int i = 0; i < w.nslots; i++) {
            Slot s = w.slots[i];
            s.id = r.nextInt(256);
            s.tag = (short) r.nextInt();
            s.extra = i == 1;
            s.extraData = s.extra ? r.nextInt() : 0;
        }
        for (Part p : w.plist) {
            p.value = r.nextInt();
            p.stamp = r.nextLong();
        }
        w.label = "w" + r.nextInt(1000);
        w.newer = r.nextLong();
        w.cond = r.nextInt();
        w.hasExtra = true;
        w.extra1 = r.nextLong() | 1;
        w.extraArr[0] = r.nextInt();
        w.extraArr[1] = r.nextInt();
        w.deep = r.nextInt(65536);
        w.hasOther = true;
        w.other = r.nextInt();
        return w;
    }

    /** Every migrated value, for comparing objects. */
    String dump() {
        return String.join("|", List.of(
                "" + i8, "" + u8, "" + i16, "" + u16, "" + i32, "" + u32, "" + i64, "" + u64, "" + flag, "" + magic,
                Arrays.toString(bytes), Arrays.toString(sbytes), Arrays.toString(shorts), Arrays.toString(ushorts),
                Arrays.toString(words), Arrays.toString(swords), Arrays.toString(quads), Arrays.toString(squads),
                Arrays.toString(bits), "" + n, Arrays.toString(vlongs), Arrays.toString(buf), "" + blen,
                Arrays.toString(vbuf), "" + alen, Arrays.toString(abuf), "" + part, Arrays.toString(parts),
                "" + nslots, Arrays.toString(slots), "" + plist, label, "" + newer, "" + cond, "" + extra1,
                Arrays.toString(extraArr), "" + deep, "" + other));
    }
}
