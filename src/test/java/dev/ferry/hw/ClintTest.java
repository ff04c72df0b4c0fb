package dev.ferry.hw;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.cpu.InterruptLines;
import dev.ferry.time.GuestClock;
import java.util.List;
import dev.ferry.migration.vmstate.ByteArrayVMStateReader;
import dev.ferry.migration.vmstate.ByteArrayVMStateWriter;
import dev.ferry.migration.vmstate.VMStateException;
import org.junit.jupiter.api.Test;

class ClintTest {
    final FakeHart h0 = new FakeHart(0), h1 = new FakeHart(1);
    final GuestClock clock = new GuestClock();
    final Clint clint = new Clint(List.of(h0, h1), clock);

    @Test
    void msipPerHartDrivesMsipLine() {
        clint.write(0x4, 4, 1);
        assertTrue(h1.line(InterruptLines.MSIP));
        assertFalse(h0.line(InterruptLines.MSIP));
        assertEquals(1, clint.read(0x4, 4));
        assertEquals(0, clint.read(0x0, 4));
        clint.write(0x4, 4, 0xfffffffeL); // only bit 0 counts
        assertFalse(h1.line(InterruptLines.MSIP));
        assertEquals(0, clint.read(0x4, 4));
        clint.write(0x0, 4, 3);
        assertTrue(h0.line(InterruptLines.MSIP));
        assertEquals(1, clint.read(0x0, 4));
        // a hart that does not exist, and a bad size: ignored
        clint.write(0x8, 4, 1);
        assertEquals(0, clint.read(0x8, 4));
        clint.write(0x4, 1, 1);
        assertEquals(0, clint.read(0x4, 1));
    }

    @Test
    void mtimecmpWholeAndHalves() {
        clint.write(0x4008, 8, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, h1.mtimecmp());
        assertEquals(0x1122_3344_5566_7788L, clint.read(0x4008, 8));
        assertEquals(0x5566_7788L, clint.read(0x4008, 4));
        assertEquals(0x1122_3344L, clint.read(0x400c, 4));
        // RV32-style update: high half then low half
        clint.write(0x4000, 4, 0xffff_ffffL);
        clint.write(0x4004, 4, 0x0000_0001L);
        assertEquals(0x1_ffff_ffffL, h0.mtimecmp());
        clint.write(0x4000, 4, 0x10);
        assertEquals(0x1_0000_0010L, h0.mtimecmp());
        assertEquals(0x1122_3344_5566_7788L, h1.mtimecmp(), "other hart untouched");
        // beyond the harts: nothing
        clint.write(0x4010, 8, 5);
        assertEquals(0, clint.read(0x4010, 8));
    }

    @Test
    void mtimeReadsAndSetsTheClock() throws Exception {
        clock.set(0x1_0000_0005L);
        assertEquals(0x1_0000_0005L, clint.read(0xbff8, 8));
        assertEquals(5, clint.read(0xbff8, 4));
        assertEquals(1, clint.read(0xbffc, 4));
        clint.write(0xbff8, 8, 1000);
        assertEquals(1000, clock.now());
        clint.write(0xbffc, 4, 2);
        assertEquals(0x2_0000_03e8L, clock.now());
        clock.start();
        long a = clint.read(0xbff8, 8);
        Thread.sleep(5);
        long b = clint.read(0xbff8, 8);
        assertTrue(b > a, "mtime advances while the clock runs");
        clock.stop();
    }

    @Test
    void resetClearsMsipAndMtime() {
        clint.write(0x0, 4, 1);
        clock.set(99);
        clint.reset();
        assertFalse(h0.line(InterruptLines.MSIP));
        assertEquals(0, clint.read(0x0, 4));
        assertEquals(0, clock.now());
    }

    static byte[] save(Clint c) throws VMStateException {
        ByteArrayVMStateWriter w = new ByteArrayVMStateWriter();
        c.saveState(w);
        return w.toByteArray();
    }

    @Test
    void stateRoundTrip() throws Exception {
        clint.write(0x4, 4, 1);
        clint.write(0x4000, 8, 0x1234_5678_9aL);
        clint.write(0x4008, 8, -2);
        byte[] body = save(clint);

        FakeHart n0 = new FakeHart(0), n1 = new FakeHart(1);
        Clint fresh = new Clint(List.of(n0, n1), new GuestClock());
        fresh.loadState(new ByteArrayVMStateReader(body), Clint.VMSTATE.versionId());
        assertTrue(n1.line(InterruptLines.MSIP), "the MSIP line is driven again");
        assertFalse(n0.line(InterruptLines.MSIP));
        assertEquals(0x1234_5678_9aL, n0.mtimecmp());
        assertEquals(-2, n1.mtimecmp());
        assertEquals(1, fresh.read(0x4, 4));
        assertEquals(0x1234_5678_9aL, fresh.read(0x4000, 8));
        assertArrayEquals(body, save(fresh));
        fresh.write(0x4, 4, 0);
        assertFalse(n1.line(InterruptLines.MSIP));
    }

    @Test
    void stateForAnotherHartCountIsRejected() throws Exception {
        byte[] body = save(clint);
        FakeHart only = new FakeHart(0);
        only.setMtimecmp(77);
        Clint one = new Clint(List.of(only), new GuestClock());
        one.write(0, 4, 1);
        assertThrows(VMStateException.class, () -> one.loadState(new ByteArrayVMStateReader(body), 1));
        assertEquals(1, one.read(0, 4), "unchanged after a failed load");
        assertEquals(77, only.mtimecmp());
    }
}
