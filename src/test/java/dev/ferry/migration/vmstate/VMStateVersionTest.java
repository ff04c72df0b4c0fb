package dev.ferry.migration.vmstate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Versions, subsections, length and value checks. */
class VMStateVersionTest {
    static final class Cpu {
        long pc;
        long mseccfg = 77;
        boolean fpUsed;
        long[] fpr = new long[4];
        int fcsr;
        int npmp;
        long[] pmpaddr = new long[16];
        int loadedVersion = -1;
        int blobLen;
        byte[] blob = new byte[0];
        int magic = 0xFEED;
    }

    static final VMStateDescription<Cpu> FPU_V2 = VMStateDescription.<Cpu>builder("cpu/fpu")
            .version(2).minimumVersion(1)
            .uint64Array("fpr", c -> c.fpr)
            .uint32("fcsr", c -> c.fcsr, (c, v) -> c.fcsr = v).since(2)
            .build();

    static final VMStateDescription<Cpu> CPU_V1 = VMStateDescription.<Cpu>builder("cpu")
            .version(1)
            .uint64("pc", c -> c.pc, (c, v) -> c.pc = v)
            .build();

    static final VMStateDescription<Cpu> CPU_V2 = VMStateDescription.<Cpu>builder("cpu")
            .version(2).minimumVersion(1)
            .uint64("pc", c -> c.pc, (c, v) -> c.pc = v)
            .uint64("mseccfg", c -> c.mseccfg, (c, v) -> c.mseccfg = v).since(2)
            .subsection(FPU_V2, c -> c.fpUsed)
            .postLoad((c, v) -> c.loadedVersion = v)
            .build();

    static final VMStateDescription<Cpu> PMP = VMStateDescription.<Cpu>builder("cpu")
            .uint32("npmp", c -> c.npmp, (c, v) -> c.npmp = v)
            .uint64Varray("pmpaddr", c -> c.pmpaddr, c -> c.npmp)
            .build();

    @Test
    void sinceVersionFieldIsSkippedForOlderStreams() throws Exception {
        Cpu old = new Cpu();
        old.pc = 0x8000_0000L;
        byte[] v1 = CPU_V1.save(old);
        assertEquals(8, v1.length);

        Cpu c = new Cpu();
        c.mseccfg = 5;
        CPU_V2.load(c, v1, 1);
        assertEquals(0x8000_0000L, c.pc);
        assertEquals(5, c.mseccfg, "field added in v2 untouched by a v1 stream");
        assertEquals(1, c.loadedVersion, "post_load sees the stream's version");

        // a v2 save contains it
        assertEquals(16, CPU_V2.save(c).length);
    }

    @Test
    void versionBoundsAreEnforced() {
        VMStateException e = assertThrows(VMStateException.class, () -> CPU_V2.load(new Cpu(), new byte[16], 3));
        assertEquals("cpu: version 3 is newer than supported 2", e.getMessage());
        e = assertThrows(VMStateException.class, () -> CPU_V2.load(new Cpu(), new byte[16], 0));
        assertEquals("cpu: version 0 is older than minimum 1", e.getMessage());
        e = assertThrows(VMStateException.class, () -> CPU_V2.load(new Cpu(), new byte[16], -1));
        assertEquals("cpu: version 4294967295 is newer than supported 2", e.getMessage());
        // v1 only loads v1
        e = assertThrows(VMStateException.class, () -> CPU_V1.load(new Cpu(), new byte[8], 2));
        assertEquals("cpu: version 2 is newer than supported 1", e.getMessage());
    }

    @Test
    void subsectionWrittenOnlyWhenNeededAndLoaded() throws Exception {
        Cpu c = new Cpu();
        c.pc = 1;
        assertEquals(16, CPU_V2.save(c).length);
        c.fpUsed = true;
        c.fpr[3] = 0x3FF0_0000_0000_0000L;
        c.fcsr = 0x1F;
        byte[] b = CPU_V2.save(c);
        assertEquals(16 + 1 + 1 + 7 + 4 + 32 + 4, b.length);

        Cpu d = new Cpu();
        CPU_V2.load(d, b, 2);
        assertEquals(0x3FF0_0000_0000_0000L, d.fpr[3]);
        assertEquals(0x1F, d.fcsr);

        // absent subsection: its fields keep their values
        Cpu e = new Cpu();
        e.fcsr = 9;
        c.fpUsed = false;
        CPU_V2.load(e, CPU_V2.save(c), 2);
        assertEquals(9, e.fcsr);
    }

    @Test
    void subsectionVersionRulesApplyPerSubsection() throws Exception {
        // an older subsection version without its since-2 field
        byte[] b = Hex.bytes("00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02"
                + " 05 07 'cpu/fpu' 00 00 00 01 " + "00 00 00 00 00 00 00 0a ".repeat(4));
        Cpu c = new Cpu();
        c.fcsr = 3;
        CPU_V2.load(c, b, 2);
        assertEquals(10, c.fpr[0]);
        assertEquals(3, c.fcsr);

        byte[] tooNew = Hex.bytes("00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02"
                + " 05 07 'cpu/fpu' 00 00 00 03 " + "00 ".repeat(36));
        VMStateException e = assertThrows(VMStateException.class, () -> CPU_V2.load(new Cpu(), tooNew, 2));
        assertEquals("cpu/fpu: version 3 is newer than supported 2", e.getMessage());

        byte[] truncated = Hex.bytes("00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02 05 07 'cpu/fpu' 00 00 00 02 00 00");
        e = assertThrows(VMStateException.class, () -> CPU_V2.load(new Cpu(), truncated, 2));
        assertEquals("cpu/fpu/fpr[0]: unexpected end of stream", e.getMessage());
    }

    @Test
    void unknownSubsectionIsRejected() {
        byte[] b = Hex.bytes("00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02 05 07 'cpu/foo' 00 00 00 01");
        Cpu c = new Cpu();
        c.pc = 42;
        VMStateException e = assertThrows(VMStateException.class, () -> CPU_V2.load(c, b, 2));
        assertEquals("cpu: unknown subsection cpu/foo", e.getMessage());
        assertEquals(42, c.pc, "rolled back");
    }

    @Test
    void subsectionOfSomeoneElseEndsTheBody() throws Exception {
        // QEMU's rule: a name not prefixed by ours (or too short) is not our subsection; the
        // reader stays on the 0x05 for whoever comes next.
        byte[] b = Hex.bytes("00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02 05 07 'xyz/foo' 00 00 00 01");
        ByteArrayVMStateReader r = new ByteArrayVMStateReader(b);
        CPU_V2.load(new Cpu(), r, 2);
        assertEquals(16, r.position());
        VMStateException e = assertThrows(VMStateException.class, () -> CPU_V2.load(new Cpu(), b, 2));
        assertEquals("cpu: 13 unexpected trailing bytes after the section body", e.getMessage());

        byte[] shortName = Hex.bytes("00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02 05 03 'cpu'");
        r = new ByteArrayVMStateReader(shortName);
        CPU_V2.load(new Cpu(), r, 2);
        assertEquals(16, r.position());
    }

    @Test
    void arrayLengthFromAFieldIsBounded() throws Exception {
        Cpu src = new Cpu();
        src.npmp = 3;
        src.pmpaddr[2] = 0x1234;
        Cpu dst = new Cpu();
        PMP.load(dst, PMP.save(src), 1);
        assertEquals(3, dst.npmp);
        assertEquals(0x1234, dst.pmpaddr[2]);

        byte[] tooMany = Hex.bytes("00 00 00 14" + " 00".repeat(160));
        Cpu c = new Cpu();
        c.npmp = 2;
        VMStateException e = assertThrows(VMStateException.class, () -> PMP.load(c, tooMany, 1));
        assertEquals("cpu/pmpaddr: array length 20 exceeds 16", e.getMessage());
        assertEquals(2, c.npmp, "length field rolled back");

        byte[] huge = Hex.bytes("ff ff ff ff");
        e = assertThrows(VMStateException.class, () -> PMP.load(c, huge, 1));
        assertEquals("cpu/pmpaddr: array length 4294967295 exceeds 16", e.getMessage());
    }

    @Test
    void allocatedBufferRespectsItsMaximumBeforeAllocating() throws Exception {
        int[] sets = new int[1];
        var d = VMStateDescription.<Cpu>builder("dev")
                .uint32("len", c -> c.blobLen, (c, v) -> c.blobLen = v)
                .vbufferAlloc("blob", c -> c.blob, (c, b) -> {
                    sets[0]++;
                    c.blob = b;
                }, c -> c.blobLen, 64)
                .build();
        Cpu src = new Cpu();
        src.blobLen = 3;
        src.blob = new byte[] {1, 2, 3, 4};
        byte[] body = d.save(src);
        assertEquals("00 00 00 03 01 02 03", Hex.of(body));
        Cpu dst = new Cpu();
        d.load(dst, body, 1);
        assertArrayEquals(new byte[] {1, 2, 3}, dst.blob);

        sets[0] = 0;
        Cpu victim = new Cpu();
        VMStateException e = assertThrows(VMStateException.class,
                () -> d.load(victim, Hex.bytes("7f ff ff ff 00"), 1));
        assertEquals("dev/blob: buffer length 2147483647 exceeds 64", e.getMessage());
        assertEquals(0, victim.blobLen);
        // the only setter call is the rollback putting the original (empty) buffer back
        assertEquals(0, victim.blob.length);
        assertEquals(1, sets[0]);
    }

    @Test
    void equalFieldChecksTheIncomingValue() throws Exception {
        var d = VMStateDescription.<Cpu>builder("dev")
                .uint32Equal("magic", c -> c.magic)
                .build();
        d.load(new Cpu(), Hex.bytes("00 00 fe ed"), 1);
        VMStateException e = assertThrows(VMStateException.class, () -> d.load(new Cpu(), Hex.bytes("00 00 00 01"), 1));
        assertEquals("dev/magic: value 0x1 does not match expected 0xfeed", e.getMessage());
        assertEquals("uint32 equal", d.fields().get(0).type());
    }

    @Test
    void existsIfReplacesTheVersionRule() throws Exception {
        final class D {
            boolean has;
            int x = 5;
        }
        var d = VMStateDescription.<D>builder("d")
                .bool("has", o -> o.has, (o, v) -> o.has = v)
                .uint32("x", o -> o.x, (o, v) -> o.x = v).existsIf((o, v) -> o.has)
                .build();
        D o = new D();
        assertEquals("00", Hex.of(d.save(o)));
        o.has = true;
        assertEquals("01 00 00 00 05", Hex.of(d.save(o)));
        D t = new D();
        t.x = 0;
        d.load(t, Hex.bytes("01 00 00 00 09"), 1);
        assertEquals(9, t.x);
    }

    @Test
    void builderRejectsDescriptionsThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> VMStateDescription.<Cpu>builder("cpu")
                .subsection(VMStateDescription.<Cpu>builder("fpu").build(), c -> true));
        assertThrows(IllegalArgumentException.class, () -> VMStateDescription.<Cpu>builder("cpu")
                .subsection(VMStateDescription.<Cpu>builder("cpu").build(), c -> true));
        assertThrows(IllegalArgumentException.class, () -> VMStateDescription.<Cpu>builder("cpu").version(1)
                .uint64("pc", c -> c.pc, (c, v) -> c.pc = v).since(2).build());
        assertThrows(IllegalArgumentException.class, () -> VMStateDescription.<Cpu>builder("cpu")
                .version(1).minimumVersion(2).build());
        assertThrows(IllegalStateException.class, () -> VMStateDescription.<Cpu>builder("cpu").since(1));
        assertThrows(IllegalArgumentException.class, () -> VMStateDescription.<Cpu>builder("x".repeat(256)));
        assertThrows(IllegalArgumentException.class, () -> VMStateDescription.<Cpu>builder("cpu")
                .uint64Array("a", c -> c.fpr, -1));
        assertThrows(IllegalArgumentException.class, () -> VMStateDescription.<Cpu>builder("cpu")
                .subsection(FPU_V2, c -> true).subsection(FPU_V2, c -> true));
    }

    @Test
    void descriptionExposesItsShape() {
        assertEquals("cpu", CPU_V2.name());
        assertEquals(2, CPU_V2.versionId());
        assertEquals(1, CPU_V2.minimumVersionId());
        assertEquals(2, CPU_V2.fields().size());
        assertEquals("mseccfg", CPU_V2.fields().get(1).name());
        assertEquals("uint64", CPU_V2.fields().get(1).type());
        assertEquals(2, CPU_V2.fields().get(1).sinceVersion());
        assertEquals(FPU_V2, CPU_V2.subsections().get(0));
        assertEquals(1, CPU_V1.minimumVersionId(), "minimum defaults to the version");
    }
}
