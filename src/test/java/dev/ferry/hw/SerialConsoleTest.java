package dev.ferry.hw;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import dev.ferry.chardev.MuxBackend;
import dev.ferry.chardev.StdioBackend;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The -nographic wiring: a UART and a monitor stand-in sharing muxed stdio, across real threads. */
class SerialConsoleTest {
    @Test
    void muxedStdioFeedsTheUartAndTheMonitor() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        CountDownLatch quit = new CountDownLatch(1);
        StringBuilder monitorInput = new StringBuilder();
        try (StdioBackend stdio = new StdioBackend(new PipedInputStream(keyboard, 4096), screen);
                MuxBackend mux = new MuxBackend(stdio, new MuxBackend.Listener() {
                    @Override
                    public void quit() {
                        quit.countDown();
                    }
                })) {
            Uart16550 uart = new Uart16550(mux.newPort(), IrqLine.NONE);
            CharBackend monitorPort = mux.newPort();
            monitorPort.attach(new CharFrontend() {
                @Override
                public int canReceive() {
                    return 64;
                }

                @Override
                public void receive(byte[] buf, int off, int len) {
                    synchronized (monitorInput) {
                        monitorInput.append(new String(buf, off, len));
                    }
                }
            });
            uart.write(2, 1, 0x01); // FIFO on
            // more than the FIFO, the port buffer and a pipe read hold together: flow control all the way
            String typed = "0123456789".repeat(20);
            keyboard.write(typed.getBytes());
            keyboard.write("\u0001cinfo\u0001c".getBytes());
            keyboard.flush();
            StringBuilder rx = new StringBuilder();
            long end = System.nanoTime() + 10_000_000_000L;
            while (rx.length() < typed.length() && System.nanoTime() < end) {
                if ((uart.read(5, 1) & 1) != 0) rx.append((char) uart.read(0, 1));
                else Thread.sleep(1);
            }
            assertEquals(typed, rx.toString());
            while (System.nanoTime() < end) {
                synchronized (monitorInput) {
                    if (monitorInput.length() >= 4) break;
                }
                Thread.sleep(1);
            }
            synchronized (monitorInput) {
                assertEquals("info", monitorInput.toString());
            }
            for (char c : "ok\n".toCharArray()) uart.write(0, 1, c);
            keyboard.write("\u0001x".getBytes());
            keyboard.flush();
            assertTrue(quit.await(5, TimeUnit.SECONDS));
            assertEquals("ok\nQEMU: Terminated\n\r", screen.toString());
        }
    }
}
