package dev.ferry.hw.fdt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceTreeTest {

    /** A tree with one of every kind of property, a reservation and phandle references. */
    static DeviceTree sample() {
        DeviceTree t = new DeviceTree();
        t.addReservation(0x8000_0000L, 0x20_0000L).addReservation(0x1_2345_6789_0000L, 0x1000);
        t.setBootCpuId(3);
        DtNode root = t.root();
        root.setU32("#address-cells", 2).setU32("#size-cells", 2).setString("model", "ferry,test");
        DtNode ctl = root.addNode("ctl@1000");
        ctl.setReg(0x1000, 0x100);
        ctl.setEmpty("interrupt-controller");
        ctl.setU32("#interrupt-cells", 1);
        int ph = ctl.phandle();
        DtNode dev = root.addNode("dev@2000");
        dev.setReg(0x2000, 0x10, 0x1_0000_0000L, 0x20);
        dev.setU32("interrupt-parent", ph).setCells("interrupts", 5, 6);
        dev.setU64("big", 0x0123_4567_89AB_CDEFL);
        dev.setStrings("compatible", "ferry,dev", "generic");
        dev.setBytes("mac", new byte[] {1, 2, 3, 4, 5});
        dev.setEmpty("flag");
        dev.addNode("sub").addNode("subsub").setString("model", "deep");
        return t;
    }

    @Test
    void roundTripKeepsEverything() {
        DeviceTree t = sample();
        byte[] dtb = t.toDtb();
        DeviceTree back = DeviceTree.fromDtb(dtb);
        assertEquals(t.toDts(), back.toDts());
        assertEquals(t.reservations(), back.reservations());
        assertEquals(3, back.bootCpuId());
        assertArrayEquals(dtb, back.toDtb(), "writing a parsed tree gives the same bytes");

        DtNode dev = back.requireNode("/dev@2000");
        assertEquals(0x0123_4567_89AB_CDEFL, dev.requireProperty("big").asU64());
        assertArrayEquals(new int[] {5, 6}, dev.requireProperty("interrupts").asCells());
        assertEquals(List.of("ferry,dev", "generic"), dev.requireProperty("compatible").asStrings());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, dev.requireProperty("mac").value());
        assertTrue(dev.requireProperty("flag").isEmpty());
        assertArrayEquals(new int[] {0, 0x2000, 0, 0x10, 1, 0, 0, 0x20}, dev.requireProperty("reg").asCells());
        assertEquals("deep", back.requireNode("/dev@2000/sub/subsub").requireProperty("model").asString());
        assertEquals("/dev@2000/sub/subsub", back.requireNode("/dev@2000/sub/subsub").path());
        assertSame(back.requireNode("/ctl@1000"), back.nodeByPhandle(dev.requireProperty("interrupt-parent").asU32()));
        assertEquals(List.of(), back.check());
    }

    @Test
    void headerIsVersion17WithBlocksInOrder() {
        byte[] dtb = sample().toDtb();
        ByteBuffer b = ByteBuffer.wrap(dtb);
        assertEquals(0xD00DFEED, b.getInt(0));
        assertEquals(dtb.length, b.getInt(4));
        int structOff = b.getInt(8);
        int stringsOff = b.getInt(12);
        int rsvOff = b.getInt(16);
        assertEquals(17, b.getInt(20));
        assertEquals(16, b.getInt(24));
        assertEquals(3, b.getInt(28));
        int stringsSize = b.getInt(32);
        int structSize = b.getInt(36);
        assertEquals(40, rsvOff);
        assertEquals(rsvOff + 3 * 16, structOff, "two reservations and the terminator");
        assertEquals(0x8000_0000L, b.getLong(rsvOff));
        assertEquals(0x20_0000L, b.getLong(rsvOff + 8));
        assertEquals(0, b.getLong(rsvOff + 32));
        assertEquals(0, b.getLong(rsvOff + 40));
        assertEquals(structOff + structSize, stringsOff);
        assertEquals(stringsOff + stringsSize, dtb.length);
        assertEquals(1, b.getInt(structOff), "FDT_BEGIN_NODE");
        assertEquals(9, b.getInt(stringsOff - 4), "FDT_END");
        assertEquals(0, structOff % 4);
    }

    @Test
    void stringTableHoldsEachNameOnce() {
        DeviceTree t = new DeviceTree();
        for (int i = 0; i < 10; i++) {
            t.root().addNode("n" + i).setU32("reg", i).setString("compatible", "x").setEmpty("flag");
        }
        byte[] dtb = t.toDtb();
        ByteBuffer b = ByteBuffer.wrap(dtb);
        int stringsOff = b.getInt(12);
        int stringsSize = b.getInt(32);
        String strings = new String(dtb, stringsOff, stringsSize, StandardCharsets.US_ASCII);
        assertEquals("reg\0compatible\0flag\0", strings);
    }

    @Test
    void paddingLeavesFreeSpaceAndStillParses() {
        DeviceTree t = sample();
        byte[] tight = t.toDtb();
        byte[] padded = t.toDtb(64 * 1024);
        assertEquals(64 * 1024, padded.length);
        assertEquals(64 * 1024, ByteBuffer.wrap(padded).getInt(4));
        assertEquals(t.toDts(), DeviceTree.fromDtb(padded).toDts());
        assertEquals(tight.length, t.toDtb(10).length, "a smaller minimum changes nothing");
    }

    @Test
    void phandlesAreAllocatedUniquelyAndKept() {
        DeviceTree t = new DeviceTree();
        DtNode a = t.root().addNode("a");
        DtNode b = t.root().addNode("b");
        b.setU32("phandle", 7);
        int pa = a.phandle();
        assertEquals(8, pa, "allocation starts above the highest phandle in use");
        assertEquals(pa, a.phandle(), "asking again gives the same phandle");
        assertEquals(7, b.phandle());
        DtNode c = t.root().addNode("c");
        assertEquals(9, c.phandle());
        assertSame(c, t.nodeByPhandle(9));
        assertNull(t.nodeByPhandle(42));
        DtNode legacy = t.root().addNode("legacy");
        legacy.setU32("linux,phandle", 100);
        assertEquals(100, legacy.phandle());
        assertEquals(101, t.root().addNode("d").phandle());
    }

    @Test
    void settingAPropertyAgainReplacesItInPlace() {
        DeviceTree t = new DeviceTree();
        DtNode n = t.root().addNode("n");
        n.setU32("a", 1).setU32("b", 2).setString("a", "x");
        assertEquals(List.of("a", "b"), n.properties().stream().map(DtProperty::name).toList());
        assertEquals("x", n.requireProperty("a").asString());
        assertTrue(n.removeProperty("a"));
        assertNull(n.property("a"));
    }

    @Test
    void pathLookupAcceptsNamesWithoutUnitAddress() {
        DeviceTree t = sample();
        assertSame(t.requireNode("/ctl@1000"), t.node("/ctl"));
        assertSame(t.root(), t.node("/"));
        assertNull(t.node("/nope"));
        assertNull(t.node("/ctl@1001"));
    }

    @Test
    void builderRejectsBadNamesAndValues() {
        DtNode root = new DeviceTree().root();
        assertThrows(IllegalArgumentException.class, () -> root.addNode(""));
        assertThrows(IllegalArgumentException.class, () -> root.addNode("a/b"));
        assertThrows(IllegalArgumentException.class, () -> root.addNode("@10"));
        assertThrows(IllegalArgumentException.class, () -> root.addNode("a@1@2"));
        assertThrows(IllegalArgumentException.class, () -> root.setU32("bad name", 1));
        assertThrows(IllegalArgumentException.class, () -> root.setString("s", "a\0b"));
        root.addNode("x");
        assertThrows(IllegalArgumentException.class, () -> root.addNode("x"));
        assertThrows(IllegalArgumentException.class, () -> new DeviceTree().addReservation(0, 0));
        DtNode one = new DeviceTree().root();
        one.setU32("#address-cells", 1).setU32("#size-cells", 1);
        assertThrows(IllegalArgumentException.class, () -> one.addNode("d").setReg(0x1_0000_0000L, 1));
    }

    @Test
    void typedReadersRefuseTheWrongShape() {
        DtProperty p = new DtProperty("p", new byte[] {0, 0, 0, 1, 0});
        assertThrows(IllegalStateException.class, p::asU32);
        assertThrows(IllegalStateException.class, p::asU64);
        assertThrows(IllegalStateException.class, p::asCells);
        assertThrows(IllegalStateException.class, new DtProperty("q", new byte[] {'a', 'b'})::asStrings);
        assertEquals(List.of("a", "b"), new DtProperty("s", "a\0b\0".getBytes(StandardCharsets.US_ASCII)).asStrings());
        assertThrows(IllegalStateException.class,
                () -> new DtProperty("s", "a\0b\0".getBytes(StandardCharsets.US_ASCII)).asString());
        assertEquals(0xFFFF_FFFFL, new DtProperty("n", new byte[] {-1, -1, -1, -1}).asNumber());
    }

    @Test
    void readsAFileAndRefusesHugeOnes(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.dtb");
        Files.write(good, sample().toDtb());
        assertEquals(sample().toDts(), DeviceTree.read(good).toDts());

        Path huge = dir.resolve("huge.dtb");
        try (var f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(DeviceTree.MAX_DTB_SIZE + 1L); // sparse: costs no disk
        }
        FdtException e = assertThrows(FdtException.class, () -> DeviceTree.read(huge));
        assertTrue(e.getMessage().contains("larger than"), e.getMessage());

        Path bad = dir.resolve("bad.dtb");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        e = assertThrows(FdtException.class, () -> DeviceTree.read(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    }

    @Test
    void checkFindsBrokenReferencesAndLoops() {
        DeviceTree t = new DeviceTree();
        DtNode root = t.root();
        root.setU32("#address-cells", 2).setU32("#size-cells", 2);
        DtNode a = root.addNode("a");
        DtNode b = root.addNode("b");
        int pa = a.phandle();
        int pb = b.phandle();
        // a and b are neither controllers nor nexuses and point at each other
        a.setU32("interrupt-parent", pb);
        b.setU32("interrupt-parent", pa);
        DtNode dev = root.addNode("dev");
        dev.setU32("interrupt-parent", pa).setU32("interrupts", 1);
        dev.setCells("reg", 1, 2, 3); // not a whole (2 + 2)-cell entry
        root.addNode("dev2").setCells("interrupts-extended", 999, 1);
        root.addNode("dup").setU32("phandle", pa);
        root.addNode("chosen").setString("stdout-path", "/nowhere:115200");

        List<String> problems = t.check();
        String all = String.join("\n", problems);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("/dev:interrupts") && p.contains("loops")), all);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("/dev:reg")), all);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("/dev2:interrupts-extended") && p.contains("0x3e7")), all);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("/dup:phandle")), all);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("/chosen:stdout-path") && p.contains("/nowhere")), all);
        assertNotEquals(List.of(), problems);
    }
}
