package dev.ferry.monitor;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import java.io.ByteArrayOutputStream;
import java.io.IOError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jline.keymap.KeyMap;
import org.jline.reader.Binding;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.History;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.history.DefaultHistory;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;

/**
 * The human monitor (HMP) on a character backend: QEMU's banner and {@code (qemu)} prompt, line
 * editing and history with JLine (emacs keys, arrow keys in normal and application cursor mode,
 * Home/End/Delete, Tab completion of command names), the commands of the shared
 * {@link HmpCommands} table, output with "\r\n" line ends.
 *
 * <p>JLine runs on a terminal built over the chardev's byte streams (type {@code ansi}: cursor
 * movement like QEMU's own readline, no keypad or bracketed-paste mode switches), so it works
 * alike on stdio, a mux port, a Unix or a TCP socket. Each client connection is a session: the
 * banner, a fresh prompt; the history lives as long as the monitor, as QEMU's does. On a mux, a
 * monitor without the focus holds its output until it gets the focus ({@link #setFocused}).
 */
public final class Hmp implements CharFrontend, AutoCloseable {
    public static final String PROMPT = "(qemu) ";
    /** QEMU's readline keeps 64 command lines. */
    public static final int HISTORY_SIZE = 64;
    private static final int INPUT_BUFFER = 4096;
    private static final int HELD_OUTPUT_MAX = 64 * 1024;

    /** The line QEMU prints when a client connects. */
    public static String banner() {
        return "QEMU " + Monitors.QEMU_MAJOR + "." + Monitors.QEMU_MINOR + "." + Monitors.QEMU_MICRO
                + " monitor - type 'help' for more information\r\n";
    }

    private final Monitors monitors;
    private final CharBackend backend;
    private final ConnectionWatch watch;
    private final History history = new DefaultHistory();
    private final Object outLock = new Object();
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private boolean focused;
    private volatile Session session;
    private volatile boolean closed;
    private volatile int cpuIndex;

    /**
     * The entry point the launcher used before {@link Monitors}: a human monitor with monitors of
     * its own (no VM name, no chardev list). New code uses {@link Monitors#addHmp}.
     */
    public Hmp(CharBackend backend, dev.ferry.machine.VirtMachine machine) {
        this(new Monitors(machine, null, null), backend, backend, true);
    }

    Hmp(Monitors monitors, CharBackend backend, CharBackend transport, boolean focused) {
        this.monitors = monitors;
        this.backend = backend;
        this.focused = focused;
        this.watch = new ConnectionWatch(backend, transport, this::connectionOpened, this::connectionClosed);
        backend.attach(this);
        watch.start("ferry-hmp-watch");
    }

    /** A client connected: a new session with the banner and the prompt. */
    public synchronized void connectionOpened() {
        if (closed) return;
        Session old = session;
        if (old != null) old.end();
        Session s = new Session();
        session = s;
        s.start();
    }

    /** The client left: its session ends (the history stays). */
    public synchronized void connectionClosed() {
        Session s = session;
        session = null;
        if (s != null) s.end();
    }

    /**
     * A mux gave this monitor the focus or took it away (Ctrl-A c). Losing it ends the line
     * shown; getting it shows what was held back (the banner, the first time) or the prompt.
     */
    public void setFocused(boolean f) {
        synchronized (outLock) {
            if (f == focused) return;
            focused = f;
            if (!f) {
                backend.write("\r\n");
                return;
            }
            if (held.size() > 0) {
                byte[] b = held.toByteArray();
                held.reset();
                backend.write(b, 0, b.length);
            } else {
                Session s = session;
                if (s != null) backend.write(PROMPT + s.currentLine());
            }
        }
    }

    /** The command lines typed, oldest first (what {@code info history} lists). */
    public List<String> historyLines() {
        List<String> l = new ArrayList<>();
        for (History.Entry e : history) l.add(e.line());
        return l;
    }

    private void output(byte[] b, int off, int len) {
        synchronized (outLock) {
            if (focused) backend.write(b, off, len);
            else if (held.size() + len <= HELD_OUTPUT_MAX) held.write(b, off, len);
        }
    }

    private void output(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        output(b, 0, b.length);
    }

    // ------------------------------------------------------------------ input

    /** The backend's client connected (CharFrontend's OPENED event). */
    @Override
    public void opened() {
        watch.event(true);
    }

    /** The backend's client left. */
    @Override
    public void closed() {
        watch.event(false);
    }

    @Override
    public int canReceive() {
        Session s = session;
        if (s == null) {
            watch.check();
            s = session;
        }
        return s == null ? 0 : s.in.room();
    }

    @Override
    public void receive(byte[] buf, int off, int len) {
        Session s = session;
        if (s != null) s.in.put(buf, off, len);
    }

    @Override
    public void close() {
        closed = true;
        watch.close();
        connectionClosed();
        backend.attach(null);
    }

    // ------------------------------------------------------------------ one connection

    private final class Session implements Runnable {
        final PipeInput in = new PipeInput();
        private Terminal terminal;
        private LineReader reader;
        private Thread thread;

        void start() {
            try {
                terminal = new ExternalTerminal("ferry-hmp", "ansi", in, new OutputStream() {
                    @Override
                    public void write(int b) {
                        output(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        output(b, off, len);
                    }
                }, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Attributes a = terminal.getAttributes();
            a.setLocalFlag(Attributes.LocalFlag.ISIG, false); // Ctrl-C and friends are keys, not signals
            a.setControlChar(Attributes.ControlChar.VEOF, -1); // Ctrl-D does not end the monitor
            a.setOutputFlag(Attributes.OutputFlag.OPOST, false); // JLine's bytes go out as they are
            terminal.setAttributes(a);
            terminal.setSize(new Size(1024, 24)); // a socket tells no width: never wrap, as QEMU's readline
            DefaultParser parser = new DefaultParser();
            parser.setEofOnUnclosedQuote(false);
            parser.setEofOnEscapedNewLine(false);
            reader = LineReaderBuilder.builder()
                    .appName("ferry-hmp")
                    .terminal(terminal)
                    .history(history)
                    .parser(parser)
                    .completer(completer())
                    .variable(LineReader.BELL_STYLE, "none")
                    .variable(LineReader.HISTORY_SIZE, HISTORY_SIZE)
                    .option(LineReader.Option.BRACKETED_PASTE, false)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                    .option(LineReader.Option.HISTORY_BEEP, false)
                    .option(LineReader.Option.INSERT_TAB, false)
                    .build();
            bindKeys(reader.getKeyMaps().get(LineReader.MAIN));
            output(banner());
            thread = Thread.ofPlatform().daemon().name("ferry-hmp").start(this);
        }

        private void bindKeys(KeyMap<Binding> map) {
            String esc = "\033";
            bind(map, LineReader.UP_HISTORY, esc + "[A", esc + "OA");
            bind(map, LineReader.DOWN_HISTORY, esc + "[B", esc + "OB");
            bind(map, LineReader.FORWARD_CHAR, esc + "[C", esc + "OC");
            bind(map, LineReader.BACKWARD_CHAR, esc + "[D", esc + "OD");
            bind(map, LineReader.BEGINNING_OF_LINE, esc + "[H", esc + "OH", esc + "[1~", esc + "[7~");
            bind(map, LineReader.END_OF_LINE, esc + "[F", esc + "OF", esc + "[4~", esc + "[8~");
            bind(map, LineReader.DELETE_CHAR, esc + "[3~");
        }

        private void bind(KeyMap<Binding> map, String widget, String... seqs) {
            for (String s : seqs) map.bind(new Reference(widget), s);
        }

        private Completer completer() {
            return (r, line, candidates) -> {
                HmpCommands table = monitors.hmpCommands();
                if (line.wordIndex() == 0) {
                    for (String n : table.names()) candidates.add(new Candidate(n));
                } else if (line.wordIndex() == 1) {
                    String first = line.words().get(0);
                    if (first.equals("info")) {
                        for (String n : table.info().names()) candidates.add(new Candidate(n));
                    } else if (first.equals("help") || first.equals("?")) {
                        for (String n : table.names()) candidates.add(new Candidate(n));
                    }
                }
            };
        }

        String currentLine() {
            LineReader r = reader;
            try {
                return r == null ? "" : r.getBuffer().toString();
            } catch (RuntimeException e) {
                return "";
            }
        }

        @Override
        public void run() {
            try {
                while (!in.isClosed()) {
                    String line;
                    try {
                        line = reader.readLine(PROMPT);
                    } catch (UserInterruptException e) {
                        continue;
                    } catch (EndOfFileException e) {
                        if (in.isClosed()) break;
                        continue;
                    } catch (IOError e) {
                        break;
                    }
                    HmpContext ctx = new HmpContext(monitors, cpuIndex, historyLines(), Hmp.this::output);
                    monitors.hmpCommands().execute(ctx, line);
                    output(ctx.output());
                    if (ctx.isSuspended()) {
                        in.awaitClose(); // quit: no new prompt; the session ends with the connection
                        break;
                    }
                }
            } catch (RuntimeException e) {
                if (!in.isClosed()) System.err.println("ferry: monitor: " + e);
            } finally {
                try {
                    terminal.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }

        void end() {
            in.close();
            if (thread != null) thread.interrupt();
        }
    }

    /**
     * Input for JLine's terminal: a bounded byte queue fed by {@link #receive}. A line feed or
     * NUL right after a carriage return is dropped (a "\r\n" or telnet "\r\0" line end is one
     * Enter, as in QEMU's readline).
     */
    private final class PipeInput extends InputStream {
        private final byte[] buf = new byte[INPUT_BUFFER];
        private int head, count;
        private boolean closed;
        private boolean lastCr;

        synchronized int room() {
            return closed ? INPUT_BUFFER : buf.length - count;
        }

        synchronized void put(byte[] b, int off, int len) {
            for (int i = off; i < off + len && !closed; i++) {
                byte c = b[i];
                if (lastCr && (c == '\n' || c == 0)) {
                    lastCr = false;
                    continue;
                }
                lastCr = c == '\r';
                if (count == buf.length) break; // never: the backend asked canReceive first
                buf[(head + count) % buf.length] = c;
                count++;
            }
            notifyAll();
        }

        synchronized void awaitClose() {
            while (!closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        synchronized boolean isClosed() {
            return closed;
        }

        /** Takes one byte, waiting for it; -1 when closed. Tells whether the backend should be poked. */
        private synchronized int take(boolean[] poke) throws IOException {
            while (count == 0 && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
            if (count == 0) return -1;
            int c = buf[head] & 0xff;
            head = (head + 1) % buf.length;
            count--;
            poke[0] = count == buf.length / 2;
            return c;
        }

        private synchronized int takeMore(byte[] b, int off, int len) {
            int n = 0;
            while (n < len && count > 0) {
                b[off + n++] = buf[head];
                head = (head + 1) % buf.length;
                count--;
            }
            return n;
        }

        // The backend is told there is room only after this stream's lock is released: the
        // CharFrontend contract (the backend may call canReceive() under its own lock).
        @Override
        public int read() throws IOException {
            boolean[] poke = {false};
            int c = take(poke);
            if (poke[0]) backend.acceptInput();
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            int c = take(new boolean[1]);
            if (c < 0) return -1;
            b[off] = (byte) c;
            int n = 1 + takeMore(b, off + 1, len - 1);
            backend.acceptInput();
            return n;
        }

        @Override
        public synchronized int available() {
            return count;
        }

        @Override
        public synchronized void close() {
            closed = true;
            notifyAll();
        }
    }
}
