package dev.ferry.chardev;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One backend shared by several frontends, with QEMU's escape keys ({@code -nographic},
 * {@code mon:stdio}). Every frontend's output goes to the backend; input goes to the frontend
 * that has the focus (initially the first port). After the escape character (Ctrl-A):
 * <ul>
 * <li>{@code x} prints "QEMU: Terminated" and calls {@link Listener#quit()};</li>
 * <li>{@code c} moves the focus to the next port and calls {@link Listener#focusChanged(int)};</li>
 * <li>{@code h} or {@code ?} prints the help text;</li>
 * <li>{@code s} calls {@link Listener#saveDisks()};</li>
 * <li>{@code b} sends a break to the focused frontend;</li>
 * <li>{@code t} toggles time stamps at the start of output lines;</li>
 * <li>the escape character again sends it literally; anything else is swallowed.</li>
 * </ul>
 * Each port buffers a little input for its frontend so that the escape keys keep working while a
 * frontend is not reading; beyond that, input is held back in the backend (nothing is dropped).
 */
public final class MuxBackend implements CharFrontend, AutoCloseable {
    public static final int ESCAPE_CHAR = 0x01; // Ctrl-A
    /** Input bytes a port holds for a frontend that is not reading (QEMU's mux buffers 32). */
    public static final int PORT_BUFFER = 32;
    public static final int MAX_PORTS = 4;

    /** What the escape keys ask of the machine. Called on the backend's reader thread. */
    public interface Listener {
        default void quit() {
        }

        default void focusChanged(int focus) {
        }

        default void saveDisks() {
        }
    }

    private final CharBackend backend;
    private final Listener listener;
    private final List<Port> ports = new ArrayList<>();

    // input state, guarded by this
    private int focus;
    private boolean gotEscape;

    // output state, guarded by outLock
    private final Object outLock = new Object();
    private boolean timestamps;
    private boolean lineStart;
    private long timestampsStart = -1;

    public MuxBackend(CharBackend backend, Listener listener) {
        this.backend = backend;
        this.listener = listener == null ? new Listener() { } : listener;
        backend.attach(this);
    }

    /** A new frontend's view of the mux; ports are numbered in creation order from 0. */
    public synchronized CharBackend newPort() {
        if (ports.size() >= MAX_PORTS) throw new IllegalStateException("a mux takes at most " + MAX_PORTS + " frontends");
        Port p = new Port(ports.size());
        ports.add(p);
        return p;
    }

    public synchronized int focus() {
        return focus;
    }

    /** Gives the input to port {@code index} (without calling the listener). */
    public void setFocus(int index) {
        synchronized (this) {
            if (index < 0 || index >= ports.size()) throw new IllegalArgumentException("no mux port " + index);
            focus = index;
        }
        backend.acceptInput();
    }

    public CharBackend backend() {
        return backend;
    }

    // ------------------------------------------------------------ input from the backend

    @Override
    public int canReceive() {
        Port p;
        synchronized (this) {
            if (ports.isEmpty()) return 0;
            p = ports.get(focus);
        }
        return p.room();
    }

    @Override
    public void receive(byte[] buf, int off, int len) {
        boolean[] touched = new boolean[MAX_PORTS];
        for (int i = 0; i < len; i++) {
            int ch = buf[off + i] & 0xff;
            Port target = null;
            int command = -1;
            synchronized (this) {
                if (ports.isEmpty()) return;
                if (gotEscape) {
                    gotEscape = false;
                    if (ch == ESCAPE_CHAR) target = ports.get(focus);
                    else command = ch;
                } else if (ch == ESCAPE_CHAR) {
                    gotEscape = true;
                } else {
                    target = ports.get(focus);
                }
            }
            if (target != null) {
                target.queue((byte) ch);
                touched[target.index] = true;
            } else if (command >= 0) {
                command(command);
            }
        }
        List<Port> snapshot;
        synchronized (this) {
            snapshot = List.copyOf(ports);
        }
        for (Port p : snapshot) if (touched[p.index]) p.drain();
    }

    @Override
    public void receiveBreak() {
        Port p;
        synchronized (this) {
            p = ports.isEmpty() ? null : ports.get(focus);
        }
        if (p != null) p.sendBreak();
    }

    private void command(int ch) {
        switch (ch) {
            case 'h', '?' -> printHelp();
            case 'x' -> {
                output("QEMU: Terminated\n\r".getBytes(StandardCharsets.US_ASCII), false);
                listener.quit();
            }
            case 's' -> listener.saveDisks();
            case 'b' -> receiveBreak();
            case 'c' -> {
                int now;
                synchronized (this) {
                    focus = (focus + 1) % ports.size();
                    now = focus;
                }
                listener.focusChanged(now);
                ports.get(now).drain();
            }
            case 't' -> {
                synchronized (outLock) {
                    timestamps = !timestamps;
                    timestampsStart = -1;
                    lineStart = false;
                }
            }
            default -> {
                // unknown escapes are swallowed
            }
        }
    }

    /** The escape-key help, as QEMU prints it. */
    public static String helpText() {
        String e = "C-a";
        return "\n\r"
                + e + " h    print this help\n\r"
                + e + " x    exit emulator\n\r"
                + e + " s    save disk data back to file (if -snapshot)\n\r"
                + e + " t    toggle console timestamps\n\r"
                + e + " b    send break (magic sysrq)\n\r"
                + e + " c    switch between console and monitor\n\r"
                + e + " " + e + "  sends " + e + "\n\r";
    }

    private void printHelp() {
        output(helpText().getBytes(StandardCharsets.US_ASCII), false);
    }

    // ------------------------------------------------------------ output to the backend

    private void output(byte[] buf, boolean fromFrontend) {
        output(buf, 0, buf.length, fromFrontend);
    }

    private void output(byte[] buf, int off, int len, boolean fromFrontend) {
        synchronized (outLock) {
            if (!timestamps || !fromFrontend) {
                backend.write(buf, off, len);
                return;
            }
            int start = off, end = off + len;
            for (int i = off; i < end; i++) {
                if (lineStart) {
                    if (i > start) backend.write(buf, start, i - start);
                    start = i;
                    long ms = System.nanoTime() / 1_000_000;
                    if (timestampsStart == -1) timestampsStart = ms;
                    long t = ms - timestampsStart;
                    long secs = t / 1000;
                    backend.write(String.format("[%02d:%02d:%02d.%03d] ", secs / 3600, (secs / 60) % 60, secs % 60, t % 1000));
                    lineStart = false;
                }
                if (buf[i] == '\n') lineStart = true;
            }
            if (end > start) backend.write(buf, start, end - start);
        }
    }

    @Override
    public void close() {
        backend.close();
    }

    // ------------------------------------------------------------ one frontend's view

    private final class Port implements CharBackend {
        private final int index;
        private final Object inLock = new Object();
        /** Input waiting for this frontend: a small queue, guarded by inLock. */
        private final java.util.ArrayDeque<Byte> pending = new java.util.ArrayDeque<>();
        /** Serialises deliveries to the frontend so bytes keep their order. */
        private final Object drainLock = new Object();
        private volatile CharFrontend frontend;

        Port(int index) {
            this.index = index;
        }

        int room() {
            synchronized (inLock) {
                return Math.max(0, PORT_BUFFER - pending.size());
            }
        }

        void queue(byte b) {
            synchronized (inLock) {
                pending.add(b); // may briefly exceed PORT_BUFFER after a focus switch; never dropped
            }
        }

        /** Hands queued input to the frontend as far as it has room. */
        void drain() {
            boolean moved = false;
            synchronized (drainLock) {
                CharFrontend f = frontend;
                if (f == null) return;
                while (true) {
                    int room = f.canReceive();
                    if (room <= 0) break;
                    byte[] chunk;
                    synchronized (inLock) {
                        int n = Math.min(room, pending.size());
                        if (n <= 0) break;
                        chunk = new byte[n];
                        for (int i = 0; i < n; i++) chunk[i] = pending.poll();
                    }
                    f.receive(chunk, 0, chunk.length);
                    moved = true;
                }
            }
            if (moved) backend.acceptInput();
        }

        void sendBreak() {
            CharFrontend f = frontend;
            if (f != null) f.receiveBreak();
        }

        @Override
        public void write(byte[] buf, int off, int len) {
            output(buf, off, len, true);
        }

        @Override
        public void attach(CharFrontend f) {
            frontend = f;
            drain();
        }

        @Override
        public void acceptInput() {
            drain();
            backend.acceptInput();
        }

        @Override
        public String describe() {
            return "mux(" + index + "):" + backend.describe();
        }

        @Override
        public void close() {
            frontend = null;
        }
    }
}
