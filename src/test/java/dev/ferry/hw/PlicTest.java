package dev.ferry.hw;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.cpu.InterruptLines;
import java.util.List;
import dev.ferry.migration.vmstate.ByteArrayVMStateReader;
import dev.ferry.migration.vmstate.ByteArrayVMStateWriter;
import dev.ferry.migration.vmstate.VMStateException;
import org.junit.jupiter.api.Test;

class PlicTest {
    final FakeHart h0 = new FakeHart(0), h1 = new FakeHart(1);
    final Plic plic = new Plic(List.of(h0, h1));

    static long prio(int src) {
        return 4L * src;
    }

    static long enable(int ctx, int word) {
        return 0x2000 + 0x80L * ctx + 4L * word;
    }

    static long threshold(int ctx) {
        return 0x200000 + 0x1000L * ctx;
    }

    static long claim(int ctx) {
        return threshold(ctx) + 4;
    }

    void enableSource(int ctx, int src) {
        long a = enable(ctx, src / 32);
        plic.write(a, 4, plic.read(a, 4) | (1L << (src % 32)));
    }

    @Test
    void prioritiesHaveThreeBitsAndSourceZeroIsReserved() {
        plic.write(prio(10), 4, 0xffff_ffffL);
        assertEquals(7, plic.read(prio(10), 4));
        plic.write(prio(10), 4, 9);
        assertEquals(1, plic.read(prio(10), 4));
        plic.write(prio(0), 4, 5);
        assertEquals(0, plic.read(prio(0), 4));
        plic.write(prio(95), 4, 3);
        assertEquals(3, plic.read(prio(95), 4));
        assertEquals(0, plic.read(prio(96), 4), "beyond the last source");
        assertEquals(0, plic.read(prio(10), 2), "only 4-byte accesses");
    }

    @Test
    void pendingFollowsLevelAndIsReadOnly() {
        plic.setIrq(10, true);
        plic.setIrq(33, true);
        assertEquals(1L << 10, plic.read(0x1000, 4));
        assertEquals(1L << 1, plic.read(0x1004, 4));
        plic.write(0x1000, 4, 0);
        assertEquals(1L << 10, plic.read(0x1000, 4), "pending bits are read-only");
        plic.setIrq(10, false);
        assertEquals(0, plic.read(0x1000, 4), "a line that drops withdraws its request");
    }

    @Test
    void enablesArePerContextAndMaskInvalidSources() {
        plic.write(enable(0, 0), 4, 0xffff_ffffL);
        assertEquals(0xffff_ffffL, plic.read(enable(0, 0), 4), "source 0's bit reads back, as on QEMU 7.2");
        plic.write(enable(0, 2), 4, 0xffff_ffffL);
        assertEquals(0xffff_ffffL, plic.read(enable(0, 2), 4), "sources 64..95");
        plic.write(enable(0, 3), 4, 0xffff_ffffL);
        assertEquals(0, plic.read(enable(0, 3), 4));
        assertEquals(0, plic.read(enable(1, 0), 4));
        plic.write(enable(3, 0), 4, 1 << 5);
        assertEquals(1 << 5, plic.read(enable(3, 0), 4));
        plic.write(enable(4, 0), 4, 1 << 5); // no 5th context with two harts
        assertEquals(0, plic.read(enable(4, 0), 4));
    }

    @Test
    void contextsDriveMeipAndSeipOfTheirHart() {
        plic.write(prio(10), 4, 1);
        enableSource(1, 10); // hart 0 S-mode
        plic.setIrq(10, true);
        assertTrue(h0.line(InterruptLines.SEIP));
        assertFalse(h0.line(InterruptLines.MEIP));
        assertFalse(h1.line(InterruptLines.SEIP));
        enableSource(2, 10); // hart 1 M-mode
        assertTrue(h1.line(InterruptLines.MEIP));
        assertEquals(10, plic.read(claim(2), 4));
        assertFalse(h1.line(InterruptLines.MEIP), "claimed: no longer pending anywhere");
        assertFalse(h0.line(InterruptLines.SEIP));
        assertEquals(0, plic.read(claim(1), 4), "another context cannot claim it again");
    }

    @Test
    void priorityZeroNeverInterrupts() {
        enableSource(0, 7);
        plic.setIrq(7, true);
        assertFalse(h0.line(InterruptLines.MEIP));
        assertEquals(0, plic.read(claim(0), 4));
        plic.write(prio(7), 4, 1);
        assertTrue(h0.line(InterruptLines.MEIP));
    }

    @Test
    void thresholdMasksLowerOrEqualPriorities() {
        plic.write(prio(3), 4, 2);
        enableSource(0, 3);
        plic.write(threshold(0), 4, 2);
        assertEquals(2, plic.read(threshold(0), 4));
        plic.setIrq(3, true);
        assertFalse(h0.line(InterruptLines.MEIP), "priority must exceed the threshold");
        assertEquals(0, plic.read(claim(0), 4));
        assertTrue(plic.isPending(3), "a claim returning 0 leaves the source pending");
        plic.write(threshold(0), 4, 1);
        assertTrue(h0.line(InterruptLines.MEIP));
        plic.write(threshold(0), 4, 9); // QEMU 7.2 keeps the low three bits
        assertEquals(1, plic.read(threshold(0), 4));
        plic.write(threshold(0), 4, 8);
        assertEquals(0, plic.read(threshold(0), 4));
        assertTrue(h0.line(InterruptLines.MEIP));
        plic.write(threshold(0), 4, 7);
        assertFalse(h0.line(InterruptLines.MEIP));
    }

    @Test
    void claimPicksHighestPriorityThenLowestId() {
        for (int s : new int[] {5, 9, 40, 70}) {
            enableSource(0, s);
            plic.setIrq(s, true);
        }
        plic.write(prio(5), 4, 1);
        plic.write(prio(9), 4, 3);
        plic.write(prio(40), 4, 3);
        plic.write(prio(70), 4, 6);
        assertEquals(70, plic.read(claim(0), 4));
        assertEquals(9, plic.read(claim(0), 4));
        assertEquals(40, plic.read(claim(0), 4));
        assertEquals(5, plic.read(claim(0), 4));
        assertEquals(0, plic.read(claim(0), 4));
        assertFalse(h0.line(InterruptLines.MEIP));
    }

    @Test
    void completeRependsALevelStillHigh() {
        plic.write(prio(10), 4, 1);
        enableSource(0, 10);
        plic.setIrq(10, true);
        assertEquals(10, plic.read(claim(0), 4));
        assertFalse(plic.isPending(10));
        assertTrue(plic.isClaimed(10));
        plic.setIrq(10, true); // repeated high level while claimed: the gateway holds it
        assertFalse(plic.isPending(10));
        assertFalse(h0.line(InterruptLines.MEIP));
        plic.write(claim(0), 4, 10); // complete: the line is still high
        assertFalse(plic.isClaimed(10));
        assertTrue(plic.isPending(10));
        assertTrue(h0.line(InterruptLines.MEIP));
        assertEquals(10, plic.read(claim(0), 4));
        plic.setIrq(10, false); // the device was serviced
        plic.write(claim(0), 4, 10);
        assertFalse(plic.isPending(10));
        assertFalse(h0.line(InterruptLines.MEIP));
        assertEquals(0, plic.read(claim(0), 4));
    }

    @Test
    void disablingMaskingAndReenabling() {
        plic.write(prio(2), 4, 4);
        enableSource(0, 2);
        plic.setIrq(2, true);
        assertTrue(h0.line(InterruptLines.MEIP));
        plic.write(enable(0, 0), 4, 0);
        assertFalse(h0.line(InterruptLines.MEIP));
        assertTrue(plic.isPending(2));
        enableSource(0, 2);
        assertTrue(h0.line(InterruptLines.MEIP));
        plic.write(prio(2), 4, 0);
        assertFalse(h0.line(InterruptLines.MEIP));
    }

    @Test
    void irqLineBindsASource() {
        IrqLine line = plic.irq(11);
        plic.write(prio(11), 4, 1);
        enableSource(1, 11);
        line.raise();
        assertTrue(h0.line(InterruptLines.SEIP));
        line.lower();
        assertFalse(h0.line(InterruptLines.SEIP));
        assertThrows(IllegalArgumentException.class, () -> plic.irq(0));
        assertThrows(IllegalArgumentException.class, () -> plic.irq(96));
    }

    @Test
    void badAccessesAreIgnored() {
        plic.write(0x3, 4, 1);
        plic.write(0x1ff_ffff, 1, 1);
        plic.write(threshold(9), 4, 1);
        plic.write(threshold(0) + 8, 4, 1);
        assertEquals(0, plic.read(threshold(9), 4));
        assertEquals(0, plic.read(Plic.SIZE - 4, 4));
        plic.write(claim(0), 4, 0xffff_ffffL); // completing nonsense
        plic.write(claim(0), 4, 0);
    }

    static byte[] save(Plic p) throws VMStateException {
        ByteArrayVMStateWriter w = new ByteArrayVMStateWriter();
        p.saveState(w);
        return w.toByteArray();
    }

    @Test
    void stateRoundTrip() throws Exception {
        plic.write(prio(10), 4, 3);
        plic.write(prio(11), 4, 5);
        plic.write(prio(40), 4, 1);
        enableSource(0, 10);
        enableSource(0, 11);
        enableSource(3, 40);
        plic.write(threshold(0), 4, 2);
        plic.setIrq(10, true);
        plic.setIrq(11, true);
        plic.setIrq(40, true);
        assertEquals(11, plic.read(claim(0), 4)); // 11 claimed, line still high
        byte[] body = save(plic);

        FakeHart n0 = new FakeHart(0), n1 = new FakeHart(1);
        Plic fresh = new Plic(List.of(n0, n1));
        fresh.loadState(new ByteArrayVMStateReader(body), 1);
        assertArrayEquals(body, save(fresh));
        assertTrue(n0.line(InterruptLines.MEIP), "source 10 pending for hart 0 M");
        assertTrue(n1.line(InterruptLines.SEIP), "source 40 pending for hart 1 S");
        assertFalse(n0.line(InterruptLines.SEIP));
        // both continue identically
        for (Plic p : new Plic[] {plic, fresh}) {
            assertEquals(3, p.read(prio(10), 4));
            assertEquals(2, p.read(threshold(0), 4));
            assertEquals(10, p.read(claim(0), 4));
            assertEquals(0, p.read(claim(0), 4));
            p.write(claim(0), 4, 11); // complete: the remembered level re-pends 11
            assertEquals(11, p.read(claim(0), 4));
            assertEquals(40, p.read(claim(3), 4));
        }
    }

    @Test
    void invalidStateIsRejectedWithoutChanges() throws Exception {
        plic.write(prio(10), 4, 3);
        byte[] body = save(plic);
        body[8 + 4 * 10 + 3] = 9; // source 10's priority (after the two "equal" words): beyond 3 bits
        Plic fresh = new Plic(List.of(new FakeHart(0), new FakeHart(1)));
        fresh.write(prio(10), 4, 1);
        assertThrows(VMStateException.class, () -> fresh.loadState(new ByteArrayVMStateReader(body), 1));
        assertEquals(1, fresh.read(prio(10), 4));
        Plic small = new Plic(List.of(new FakeHart(0)));
        assertThrows(VMStateException.class, () -> small.loadState(new ByteArrayVMStateReader(save(plic)), 1));
    }
}
