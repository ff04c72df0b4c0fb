package dev.ferry.migration.vmstate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import org.junit.jupiter.api.Test;

class VMStateIoTest {

    @Test
    void writersAgree() throws Exception {
        ByteArrayVMStateWriter a = new ByteArrayVMStateWriter(1);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputVMStateWriter b = new DataOutputVMStateWriter(new DataOutputStream(bos));
        VMStateWriter slow = new VMStateWriter() { // the interface's defaults only
            final ByteArrayOutputStream o = new ByteArrayOutputStream();

            public void putByte(int x) {
                o.write(x);
            }

            public void putBuffer(byte[] s, int off, int len) {
                o.write(s, off, len);
            }

            @Override
            public String toString() {
                return Hex.of(o.toByteArray());
            }
        };
        for (VMStateWriter w : new VMStateWriter[] {a, b, slow}) {
            w.putByte(0x1AB);
            w.putBe16(0xCAFE);
            w.putBe32(0xDEADBEEF);
            w.putBe64(0x0102030405060708L);
            w.putBuffer(new byte[] {9, 8, 7}, 1, 2);
        }
        String expected = "ab ca fe de ad be ef 01 02 03 04 05 06 07 08 08 07";
        assertEquals(expected, Hex.of(a.toByteArray()));
        assertEquals(expected, Hex.of(bos.toByteArray()));
        assertEquals(expected, slow.toString());
        assertEquals(17, a.size());
    }

    @Test
    void readerGetsPeeksAndStopsAtTheEnd() throws Exception {
        byte[] data = Hex.bytes("00 ff ca fe de ad be ef 01 02 03 04 05 06 07 08 aa bb cc");
        ByteArrayVMStateReader r = new ByteArrayVMStateReader(data, 1, data.length - 1);
        assertEquals(0xFF, r.peekByte(0));
        assertEquals(0xCA, r.peekByte(1));
        assertEquals(-1, r.peekByte(18));
        assertEquals(0xFF, r.getByte());
        assertEquals(0xCAFE, r.getBe16());
        assertEquals(0xDEADBEEF, r.getBe32());
        assertEquals(0x0102030405060708L, r.getBe64());
        byte[] two = new byte[2];
        r.getBuffer(two, 0, 2);
        assertArrayEquals(new byte[] {(byte) 0xAA, (byte) 0xBB}, two);
        assertEquals(1, r.remaining());
        assertEquals(17, r.position());
        VMStateException e = assertThrows(VMStateException.class, r::getBe16);
        assertEquals("unexpected end of stream", e.getMessage());
        assertEquals(-1, r.peekByte(0));
    }

    @Test
    void defaultReaderMethodsComposeBigEndian() throws Exception {
        byte[] data = Hex.bytes("80 01 ff ff ff fe 80 00 00 00 00 00 00 01");
        int[] pos = {0};
        VMStateReader r = new VMStateReader() {
            public int getByte() throws VMStateException {
                if (pos[0] >= data.length) throw new VMStateException("eof");
                return data[pos[0]++] & 0xFF;
            }

            public int peekByte(int off) {
                return pos[0] + off < data.length ? data[pos[0] + off] & 0xFF : -1;
            }

            public void getBuffer(byte[] d, int o, int l) throws VMStateException {
                for (int i = 0; i < l; i++) d[o + i] = (byte) getByte();
            }
        };
        assertEquals(0x8001, r.getBe16());
        assertEquals(-2, r.getBe32());
        assertEquals(0x8000000000000001L, r.getBe64());
    }
}
