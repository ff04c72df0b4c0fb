package dev.ferry.chardev;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * {@code stdio}: output to standard output, input from standard input. When stdin is a terminal
 * it is put in raw mode (as QEMU does) and restored on {@link #close()} and by a shutdown hook.
 * When stdin is not a terminal, or reaches end of file, output keeps working and the guest keeps
 * running; input simply stops.
 */
public final class StdioBackend implements CharBackend {
    private static final System.Logger LOG = System.getLogger(StdioBackend.class.getName());

    private final InputStream in;
    private final OutputStream out;
    private final InputPump pump = new InputPump();
    private final Thread reader;
    private final Object outLock = new Object();
    private volatile boolean closed;
    private boolean outFailed;
    /** Saved terminal settings to restore, or null when the terminal was not touched. */
    private volatile String savedTty;
    private volatile Thread shutdownHook;

    /** The process's stdio; {@code signals} = false passes Ctrl-C etc. to the guest (QEMU's signal=off). */
    public static StdioBackend open(boolean signals) {
        String saved = null;
        if (Terminal.stdinIsTerminal()) {
            saved = Terminal.save();
            if (saved != null && !Terminal.set(Terminal.rawSettings(signals))) saved = null;
        }
        return new StdioBackend(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out), saved);
    }

    /** Any pair of streams (tests, pipes). */
    public StdioBackend(InputStream in, OutputStream out) {
        this(in, out, null);
    }

    private StdioBackend(InputStream in, OutputStream out, String savedTty) {
        this.in = in;
        this.out = out;
        this.savedTty = savedTty;
        if (savedTty != null) {
            Thread hook = new Thread(this::restoreTerminal, "ferry-stdio-restore");
            shutdownHook = hook;
            Runtime.getRuntime().addShutdownHook(hook);
        }
        reader = Thread.ofPlatform().daemon().name("ferry-stdio-reader").start(this::readLoop);
    }

    private void readLoop() {
        byte[] buf = new byte[1024];
        try {
            while (!closed) {
                int n = in.read(buf);
                if (n < 0) break; // end of file: input stops, the rest keeps going
                if (n > 0 && !pump.deliver(buf, 0, n)) break;
            }
        } catch (IOException e) {
            if (!closed) LOG.log(System.Logger.Level.DEBUG, "stdin: " + e.getMessage());
        }
    }

    @Override
    public void write(byte[] buf, int off, int len) {
        synchronized (outLock) {
            if (outFailed) return;
            try {
                out.write(buf, off, len);
                out.flush();
            } catch (IOException e) {
                outFailed = true; // e.g. stdout closed: keep running, as QEMU does
            }
        }
    }

    @Override
    public void attach(CharFrontend frontend) {
        pump.attach(frontend);
    }

    @Override
    public void acceptInput() {
        pump.acceptInput();
    }

    public boolean terminalIsRaw() {
        return savedTty != null;
    }

    @Override
    public String describe() {
        return "stdio";
    }

    private void restoreTerminal() {
        String s;
        synchronized (this) {
            s = savedTty;
            savedTty = null;
        }
        if (s != null) Terminal.set(s);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        pump.close();
        restoreTerminal();
        Thread hook = shutdownHook;
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook runs anyway; the terminal is already restored
            }
        }
        reader.interrupt();
    }
}
