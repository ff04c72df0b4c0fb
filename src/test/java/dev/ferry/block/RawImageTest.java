package dev.ferry.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawImageTest {
    @TempDir
    Path dir;

    @Test
    void probingRawWarnsAsQemuAndGuardsSectorZero() throws IOException {
        Path img = dir.resolve("disk.img");
        Files.write(img, new byte[8192]);
        List<String> warnings = new ArrayList<>();
        try (BlockDriver d = Images.open(img, OpenOptions.defaults().withWarnings(warnings::add))) {
            assertEquals("raw", d.formatName());
            assertEquals(1, warnings.size());
            assertEquals("Image format was not specified for '" + img + "' and probing guessed raw.\n"
                    + "         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n"
                    + "         Specify the 'raw' format explicitly to remove the restrictions.", warnings.get(0));
            byte[] qcow2Magic = {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3};
            BlockException e = assertThrows(BlockException.class, () -> d.write(0, qcow2Magic, 0, qcow2Magic.length));
            assertTrue(e.getMessage().contains("probed"), e.getMessage());
            d.write(0, new byte[] {1, 2, 3}, 0, 3); // harmless content is fine
            d.write(512, qcow2Magic, 0, qcow2Magic.length); // past sector 0 too
        }
        warnings.clear();
        try (BlockDriver d = Images.open(img, OpenOptions.defaults().withFormat("raw").withWarnings(warnings::add))) {
            assertTrue(warnings.isEmpty());
            byte[] qcow2Magic = {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3};
            d.write(0, qcow2Magic, 0, qcow2Magic.length);
        }
        assertEquals("qcow2", Images.probe(img));
    }

    @Test
    void readWriteZeroesDiscardBounds() throws IOException {
        Path img = dir.resolve("r.raw");
        Files.write(img, new byte[1 << 20]);
        try (BlockDriver d = Images.open(img, OpenOptions.defaults().withFormat("raw").withNodeName("disk0"))) {
            assertEquals("disk0", d.nodeName());
            assertEquals(1 << 20, d.size());
            byte[] p = new byte[10000];
            java.util.Arrays.fill(p, (byte) 7);
            d.write(ByteBuffer.wrap(p).position(0).limit(10000).slice().position(0).remaining() == 10000 ? 5000 : 0, ByteBuffer.wrap(p));
            ByteBuffer back = ByteBuffer.allocateDirect(10000);
            d.read(5000, back);
            assertEquals(0, back.remaining());
            back.flip();
            byte[] got = new byte[10000];
            back.get(got);
            assertArrayEquals(p, got);
            d.writeZeroes(6000, 8192);
            byte[] z = new byte[8192];
            d.read(6000, z, 0, z.length);
            assertArrayEquals(new byte[8192], z);
            d.discard(0, 4096);
            d.flush();
            assertThrows(BlockException.class, () -> d.read((1 << 20) - 1, new byte[2], 0, 2));
            assertThrows(BlockException.class, () -> d.write(-1, new byte[2], 0, 2));
        }
        try (BlockDriver d = Images.open(img, OpenOptions.defaults().withFormat("raw").withReadOnly(true))) {
            assertThrows(BlockException.class, () -> d.write(0, new byte[1], 0, 1));
            assertTrue(d.nodeName().startsWith("#block"));
        }
        BlockException e = assertThrows(BlockException.class, () -> Images.open(dir.resolve("none.img"), OpenOptions.defaults()));
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        e = assertThrows(BlockException.class, () -> Images.open(img, OpenOptions.defaults().withFormat("vmdk")));
        assertEquals("Unknown driver 'vmdk'", e.getMessage());
        e = assertThrows(BlockException.class, () -> Images.open(img, OpenOptions.defaults().withNodeName("#x")));
        assertEquals("Invalid node-name: '#x'", e.getMessage());
        e = assertThrows(BlockException.class, () -> Images.open(img, OpenOptions.defaults().withForceShare(true)));
        assertEquals("force-share=on can only be used with read-only images", e.getMessage());
    }
}
