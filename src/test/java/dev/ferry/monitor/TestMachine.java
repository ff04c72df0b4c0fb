package dev.ferry.monitor;

import static dev.ferry.asm.Reg.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import dev.ferry.machine.VirtMachine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real virt machine ({@code -bios none}) running a tiny guest: it polls the UART and, on
 * 'q', powers off through the sifive_test device (a guest shutdown), on 'r' resets the machine
 * (a guest reset). Its main loop runs on a thread of its own, as the launcher runs it.
 */
final class TestMachine implements AutoCloseable {
    static final long UART = 0x1000_0000L, TEST = 0x10_0000L;

    final Path dir;
    final SerialBackend serial = new SerialBackend();
    final VirtMachine machine;
    final Monitors monitors;
    private final Thread mainLoop;
    volatile Integer exitStatus;

    /** The guest program, loaded at 0x80000000. */
    static byte[] guest() {
        Assembler a = new Assembler(VirtMachine.RAM_BASE);
        Label loop = a.newLabel(), notQ = a.newLabel();
        a.li(S0, UART);
        a.li(S1, TEST);
        a.bind(loop);
        a.lbu(T0, 5, S0);
        a.andi(T0, T0, 1);
        a.beqz(T0, loop);
        a.lbu(T1, 0, S0);
        a.li(T2, 'q');
        a.bne(T1, T2, notQ);
        a.li(T3, 0x5555);
        a.sw(T3, 0, S1);
        a.j(loop);
        a.bind(notQ);
        a.li(T2, 'r');
        a.bne(T1, T2, loop);
        a.li(T3, 0x7777);
        a.sw(T3, 0, S1);
        a.j(loop);
        return a.assemble();
    }

    TestMachine(Path dir, int harts, boolean noReboot, boolean noShutdown, String name) throws Exception {
        this.dir = dir;
        Path kernel = dir.resolve("guest.bin");
        Files.write(kernel, guest());
        machine = new VirtMachine(new VirtMachine.Options(64L << 20, harts, VirtMachine.BiosKind.NONE, null, kernel, null,
                null, null, serial, noReboot, noShutdown));
        monitors = new Monitors(machine, name, () -> List.of(Monitors.ChardevInfo.of("serial0", serial)));
        mainLoop = Thread.ofPlatform().daemon().name("test-main-loop").unstarted(() -> exitStatus = machine.runUntilExit());
    }

    TestMachine(Path dir) throws Exception {
        this(dir, 1, false, false, null);
    }

    /** Starts the vCPUs and the main loop; the guest runs unless {@code paused} (-S). */
    TestMachine start(boolean paused) {
        machine.start();
        if (!paused) machine.resume();
        mainLoop.start();
        return this;
    }

    /** Waits for the main loop to end (a shutdown that ends the process). */
    boolean awaitExit(long millis) throws InterruptedException {
        mainLoop.join(millis);
        return !mainLoop.isAlive();
    }

    @Override
    public void close() throws Exception {
        monitors.close();
        if (mainLoop.isAlive()) {
            machine.quit();
            mainLoop.join(5000);
        }
        machine.close();
    }

    /** The serial port's host side: a test types into it and reads what the guest wrote. */
    static final class SerialBackend implements CharBackend {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private volatile CharFrontend frontend;

        @Override
        public synchronized void write(byte[] buf, int off, int len) {
            out.write(buf, off, len);
        }

        synchronized String output() {
            return out.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void attach(CharFrontend f) {
            frontend = f;
        }

        @Override
        public void acceptInput() {
        }

        /** Types one byte, waiting until the UART takes it. */
        void type(char c) throws InterruptedException {
            for (int i = 0; i < 500; i++) {
                CharFrontend f = frontend;
                if (f != null && f.canReceive() > 0) {
                    f.receive(new byte[] {(byte) c}, 0, 1);
                    return;
                }
                Thread.sleep(10);
            }
            throw new AssertionError("the UART took no input");
        }

        @Override
        public String describe() {
            return "null";
        }

        @Override
        public void close() {
        }
    }
}
