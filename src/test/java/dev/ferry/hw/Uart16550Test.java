package dev.ferry.hw;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.StdioBackend;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import dev.ferry.migration.vmstate.ByteArrayVMStateReader;
import dev.ferry.migration.vmstate.ByteArrayVMStateWriter;
import dev.ferry.migration.vmstate.VMStateException;
import org.junit.jupiter.api.Test;

class Uart16550Test {
    static final int RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final FakeBackend backend = new FakeBackend();
    final AtomicBoolean irq = new AtomicBoolean();
    final Uart16550 uart = new Uart16550(backend, irq::set, timers);

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    int rd(int reg) {
        return (int) uart.read(reg, 1);
    }

    void wr(int reg, int v) {
        uart.write(reg, 1, v);
    }

    @Test
    void resetState() {
        assertEquals(0x01, rd(IIR));
        assertEquals(0x60, rd(LSR));
        assertEquals(0x08, rd(MCR));
        assertEquals(0xb0, rd(MSR));
        assertEquals(0, rd(LCR));
        assertEquals(0, rd(IER));
        assertEquals(0x0c, uart.divisor());
        assertFalse(irq.get());
        assertSame(uart, backend.frontend);
    }

    @Test
    void transmitGoesStraightToTheBackend() {
        for (char c : "hello\n".toCharArray()) {
            assertTrue((rd(LSR) & 0x20) != 0);
            wr(THR, c);
        }
        assertEquals("hello\n", backend.output());
        assertEquals(0x60, rd(LSR) & 0x60, "THR and transmitter empty again");
        uart.write(0, 4, 0x41); // wider accesses address the same byte register
        assertEquals("hello\nA", backend.output());
    }

    @Test
    void divisorLatchBehindDlab() {
        wr(IER, 0x05);
        wr(LCR, 0x83);
        wr(DLL, 0x02);
        wr(DLM, 0x01);
        assertEquals(0x02, rd(DLL));
        assertEquals(0x01, rd(DLM));
        assertEquals(0x0102, uart.divisor());
        assertEquals("", backend.output(), "DLL write is not a transmit");
        wr(LCR, 0x03);
        assertEquals(0x05, rd(IER), "IER untouched behind the latch");
        assertEquals(0x03, rd(LCR));
        wr(SCR, 0x5a);
        assertEquals(0x5a, rd(SCR));
    }

    @Test
    void receiveWithoutFifo() {
        wr(IER, 0x01);
        assertEquals(1, uart.canReceive());
        assertEquals(1, backend.offer("ab"), "one holding register");
        assertEquals(0, uart.canReceive());
        assertTrue(irq.get());
        assertEquals(0x04, rd(IIR));
        assertEquals(0x61, rd(LSR));
        assertEquals('a', rd(RBR));
        assertFalse(irq.get());
        assertEquals(0x01, rd(IIR));
        assertEquals(0x60, rd(LSR));
        assertTrue(backend.acceptInputCalls > 0, "reading RBR tells the backend there is room");
        assertEquals(1, backend.offer("b"));
        assertEquals('b', rd(RBR));
    }

    @Test
    void fifoTriggerLevelAndDataAvailable() {
        wr(LCR, 0x80);
        wr(DLM, 0xff); // a very slow line, so the character timeout stays out of the way
        wr(LCR, 0x03);
        wr(FCR, 0x41); // FIFO on, trigger 4
        wr(IER, 0x01);
        assertEquals(0xc1, rd(IIR), "FIFO-enabled bits in IIR");
        assertEquals(4, uart.canReceive());
        backend.offer("abc");
        assertEquals(3, uart.fifoCount());
        assertEquals(0xc1, rd(IIR), "below the trigger level: no data interrupt yet");
        assertEquals(0x01, rd(LSR) & 0x01, "but LSR.DR shows data");
        backend.offer("d");
        assertTrue(irq.get());
        assertEquals(0xc4, rd(IIR));
        assertEquals('a', rd(RBR));
        assertEquals(0xc1, rd(IIR), "below the level again");
        assertEquals('b', rd(RBR));
        assertEquals('c', rd(RBR));
        assertEquals('d', rd(RBR));
        assertEquals(0, rd(LSR) & 0x01);
        assertEquals(0, rd(RBR), "empty FIFO reads 0");
    }

    @Test
    void characterTimeoutInterrupt() throws Exception {
        wr(LCR, 0x80);
        wr(DLL, 1); // fast line: timeout after 4 character times (~100 µs)
        wr(LCR, 0x03);
        wr(FCR, 0xc1); // trigger 14
        wr(IER, 0x01);
        backend.offer("xy");
        long end = System.nanoTime() + 2_000_000_000L;
        while (!irq.get() && System.nanoTime() < end) Thread.sleep(1);
        assertTrue(irq.get(), "timeout interrupt");
        assertEquals(0xcc, rd(IIR));
        assertEquals('x', rd(RBR));
        assertFalse(irq.get(), "reading RBR clears the timeout indication");
        while (!irq.get() && System.nanoTime() < end) Thread.sleep(1);
        assertEquals(0xcc, rd(IIR), "re-armed while data remains");
        assertEquals('y', rd(RBR));
        Thread.sleep(20);
        assertEquals(0xc1, rd(IIR));
        assertFalse(irq.get());
    }

    @Test
    void fifoFlowControlHoldsInputBack() {
        wr(FCR, 0x01); // trigger 1: offered one at a time until the guest reads
        int taken = backend.offer("0123456789abcdefXYZ");
        assertTrue(taken >= 1 && taken <= 16);
        // a backend that ignores the trigger hint can still fill the FIFO, but never overflow it
        while (uart.canReceive() > 0) backend.offer("0123456789abcdefXYZ".substring(uart.fifoCount()));
        assertEquals(16, uart.fifoCount());
        assertEquals(0, uart.canReceive());
        assertEquals(0, rd(LSR) & 0x02, "no overrun");
        StringBuilder sb = new StringBuilder();
        while ((rd(LSR) & 1) != 0) sb.append((char) rd(RBR));
        assertEquals("0123456789abcdef", sb.toString());
    }

    @Test
    void noInputLostThroughARealBackend() throws Exception {
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(feed, 8192);
        try (StdioBackend stdio = new StdioBackend(in, new ByteArrayOutputStream())) {
            Uart16550 u = new Uart16550(stdio, IrqLine.NONE, timers);
            u.write(FCR, 1, 0x81); // FIFO, trigger 8
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 2000; i++) expected.append((char) ('a' + i % 26));
            feed.write(expected.toString().getBytes());
            feed.flush();
            StringBuilder got = new StringBuilder();
            long end = System.nanoTime() + 10_000_000_000L;
            while (got.length() < expected.length() && System.nanoTime() < end) {
                if ((u.read(LSR, 1) & 1) != 0) got.append((char) u.read(RBR, 1));
                else Thread.onSpinWait();
                assertEquals(0, u.read(LSR, 1) & 0x02, "never an overrun");
            }
            assertEquals(expected.toString(), got.toString());
        }
    }

    @Test
    void interruptPriority() {
        wr(IER, 0x07); // line status, data, THR empty
        assertEquals(0x02, rd(IIR) & 0x0f, "THR empty first (nothing else)");
        wr(THR, 'z'); // that IIR read cleared it; transmitting re-asserts it
        backend.frontend.receive(new byte[] {'1'}, 0, 1);
        assertEquals(0x04, rd(IIR), "received data outranks THR empty");
        backend.frontend.receive(new byte[] {'2'}, 0, 1); // overrun (FIFO off, RBR full)
        assertEquals(0x06, rd(IIR), "line status outranks received data");
        assertEquals(0x63, rd(LSR), "DR, OE, THRE, TEMT");
        assertEquals(0x04, rd(IIR), "reading LSR cleared the overrun");
        assertEquals('2', rd(RBR));
        assertEquals(0x02, rd(IIR) & 0x0f, "then THR empty");
        assertEquals(0x01, rd(IIR), "which that IIR read cleared");
        assertFalse(irq.get());
    }

    @Test
    void thrEmptyInterruptSemantics() {
        wr(IER, 0x02);
        assertTrue(irq.get(), "enabling ETBEI with THR empty interrupts at once");
        assertEquals(0x02, rd(IIR));
        assertFalse(irq.get(), "reading IIR while it reports THRE clears it");
        assertEquals(0x01, rd(IIR));
        wr(THR, 'x');
        assertTrue(irq.get(), "THR empties again after a write: re-asserted");
        assertEquals(0x02, rd(IIR));
        assertEquals(0x01, rd(IIR));
        wr(IER, 0x02); // no change: stays quiet
        assertFalse(irq.get());
        wr(IER, 0x00);
        wr(IER, 0x02); // toggling ETBEI re-raises it
        assertTrue(irq.get());
        wr(IER, 0x00);
        assertFalse(irq.get());
        assertEquals(0x01, rd(IIR));
        wr(FCR, 0x07); // FIFO on with transmit reset
        wr(IER, 0x02);
        assertEquals(0xc2, rd(IIR));
        wr(FCR, 0x05); // transmit FIFO reset re-asserts THRE
        assertEquals(0xc2, rd(IIR));
        assertEquals(0xc1, rd(IIR));
    }

    @Test
    void loopbackEchoesAndMirrorsModemLines() {
        wr(MCR, 0x10 | 0x0f);
        assertEquals(0xf0, rd(MSR));
        wr(MCR, 0x10 | 0x01); // DTR -> DSR
        assertEquals(0x20, rd(MSR));
        assertEquals(0, uart.canReceive(), "host input held back in loopback");
        wr(THR, 'Q');
        assertEquals("", backend.output());
        assertEquals(1, rd(LSR) & 1);
        assertEquals('Q', rd(RBR));
        wr(MCR, 0x08);
        assertEquals(1, uart.canReceive());
        assertEquals(0xb0, rd(MSR));
    }

    @Test
    void breakRaisesLineStatus() {
        wr(FCR, 0x01);
        wr(IER, 0x04);
        uart.receiveBreak();
        assertTrue(irq.get());
        assertEquals(0xc6, rd(IIR));
        assertEquals(0x71, rd(LSR), "BI, DR, THRE, TEMT");
        assertFalse(irq.get(), "LSR read clears BI");
        assertEquals(0, rd(RBR));
    }

    @Test
    void fifoResetDropsReceivedData() {
        wr(FCR, 0x01);
        backend.offer("a");
        assertEquals(1, uart.fifoCount());
        wr(FCR, 0x03);
        assertEquals(0, uart.fifoCount());
        assertEquals(0, rd(LSR) & 1);
        backend.offer("b");
        wr(FCR, 0x00); // disabling the FIFO clears it too
        assertEquals(0, uart.fifoCount());
        assertEquals(0x01, rd(IIR));
    }

    @Test
    void neverThrowsOnOddAccesses() {
        assertEquals(0, uart.read(0x8, 1));
        assertEquals(0, uart.read(0xff, 1));
        uart.write(0x10, 1, 1);
        uart.write(LSR, 1, 0);
        assertEquals(0x60, rd(LSR));
    }

    static byte[] save(Uart16550 u) throws VMStateException {
        ByteArrayVMStateWriter w = new ByteArrayVMStateWriter();
        u.saveState(w);
        return w.toByteArray();
    }

    static final int REGS_ONLY = 2 + 9; // divider + nine byte registers

    @Test
    void stateRoundTripWithAPendingCharacterTimeout() throws Exception {
        wr(LCR, 0x80);
        wr(DLL, 1);
        wr(LCR, 0x03);
        wr(FCR, 0xc1); // trigger 14
        wr(IER, 0x01);
        backend.offer("ab");
        long end = System.nanoTime() + 5_000_000_000L;
        while (!irq.get() && System.nanoTime() < end) Thread.sleep(1);
        byte[] body = save(uart);
        AtomicBoolean irq2 = new AtomicBoolean();
        Uart16550 fresh = new Uart16550(new FakeBackend(), irq2::set, timers);
        fresh.loadState(new ByteArrayVMStateReader(body), 3);
        assertTrue(irq2.get());
        assertEquals(0xcc, fresh.read(IIR, 1));
        assertEquals('a', fresh.read(RBR, 1));
        assertEquals('b', fresh.read(RBR, 1));
        assertEquals(0xc1, fresh.read(IIR, 1));
    }

    @Test
    void stateRoundTripWithFifoContents() throws Exception {
        wr(LCR, 0x80);
        wr(DLL, 0x34);
        wr(DLM, 0x12);
        wr(LCR, 0x1b);
        wr(MCR, 0x0b);
        wr(SCR, 0x77);
        wr(FCR, 0x81); // FIFO, trigger 8
        wr(IER, 0x01);
        backend.offer("hello world!"); // 8 taken at once, then one at a time: all 12 fit
        assertEquals(12, uart.fifoCount());
        assertEquals('h', rd(RBR));
        assertTrue(irq.get());
        byte[] body = save(uart);
        assertTrue(body.length > REGS_ONLY, "the FIFO subsection is present");

        FakeBackend b2 = new FakeBackend();
        AtomicBoolean irq2 = new AtomicBoolean();
        Uart16550 fresh = new Uart16550(b2, irq2::set, timers);
        fresh.loadState(new ByteArrayVMStateReader(body), Uart16550.VMSTATE.versionId());
        assertTrue(irq2.get(), "the interrupt line is driven after loading");
        assertTrue(b2.acceptInputCalls > 0, "held-back input may flow again");
        assertArrayEquals(body, save(fresh));
        for (Uart16550 u : new Uart16550[] {uart, fresh}) {
            assertEquals(0xc4, u.read(IIR, 1));
            assertEquals(0x1b, u.read(LCR, 1));
            assertEquals(0x0b, u.read(MCR, 1));
            assertEquals(0x77, u.read(SCR, 1));
            assertEquals(0x01, u.read(IER, 1));
            assertEquals(0x1234, u.divisor());
            StringBuilder sb = new StringBuilder();
            while ((u.read(LSR, 1) & 1) != 0) sb.append((char) u.read(RBR, 1));
            assertEquals("ello world!", sb.toString());
        }
        assertFalse(irq2.get());
        wr(THR, 'a');
        fresh.write(THR, 1, 'b');
        assertEquals("b", b2.output());
    }

    @Test
    void stateRoundTripKeepsAHiddenThrEmptyCondition() throws Exception {
        wr(IER, 0x03); // data and THR empty
        backend.offer("z"); // data outranks THRE, which stays pending behind it
        assertEquals(0x04, rd(IIR));
        byte[] body = save(uart);
        Uart16550 fresh = new Uart16550(new FakeBackend(), b -> { }, timers);
        fresh.loadState(new ByteArrayVMStateReader(body), 3);
        for (Uart16550 u : new Uart16550[] {uart, fresh}) {
            assertEquals('z', u.read(RBR, 1));
            assertEquals(0x02, u.read(IIR, 1), "THR empty comes next");
            assertEquals(0x01, u.read(IIR, 1));
        }
        // plain registers only when nothing is hidden
        Uart16550 quiet = new Uart16550(new FakeBackend(), b -> { }, timers);
        assertEquals(REGS_ONLY, save(quiet).length);
    }

    @Test
    void corruptFifoStateIsRejected() throws Exception {
        wr(LCR, 0x80);
        wr(DLM, 0xff); // slow line: no character timeout (and its subsection) during the test
        wr(LCR, 0x03);
        wr(FCR, 0x01);
        backend.offer("q");
        byte[] body = save(uart);
        body[body.length - 1] = 99; // the FIFO count (last field)
        Uart16550 fresh = new Uart16550(new FakeBackend(), b -> { }, timers);
        fresh.write(SCR, 1, 5);
        assertThrows(VMStateException.class, () -> fresh.loadState(new ByteArrayVMStateReader(body), 3));
        assertEquals(5, fresh.read(SCR, 1), "unchanged");
        assertEquals(0, fresh.fifoCount());
    }
}
