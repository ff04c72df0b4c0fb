package dev.ferry.cli;

import java.util.Optional;

/** The backend kinds of a {@link Chardev}, with their settings. */
public sealed interface ChardevBackend {
    enum Kind {
        NULL("null"), STDIO("stdio"), FILE("file"), PIPE("pipe"), PTY("pty"), SOCKET("socket"),
        UDP("udp"), VC("vc"), RINGBUF("ringbuf"), SERIAL("serial");
        public final String spelling;
        Kind(String s) { spelling = s; }

        public static Optional<Kind> of(String s) {
            if (s.equals("tty")) return Optional.of(SERIAL);
            if (s.equals("memory")) return Optional.of(RINGBUF);
            for (var k : values()) if (k.spelling.equals(s)) return Optional.of(k);
            return Optional.empty();
        }
    }

    Kind kind();

    /** Discards output, never has input. */
    record Null() implements ChardevBackend { public Kind kind() { return Kind.NULL; } }

    /** Ferry's own standard input and output; {@code signal=off} passes Ctrl-C to the guest. */
    record Stdio(boolean signal) implements ChardevBackend { public Kind kind() { return Kind.STDIO; } }

    /** Output to a file ({@code append=on} keeps what is there); input from {@code input-path} if given. */
    record File(String path, boolean append, Optional<String> inputPath) implements ChardevBackend {
        public Kind kind() { return Kind.FILE; }
    }

    /** A named pipe pair {@code PATH.in}/{@code PATH.out}, or {@code PATH} both ways. */
    record Pipe(String path) implements ChardevBackend { public Kind kind() { return Kind.PIPE; } }

    /** A new pseudo-terminal. */
    record Pty() implements ChardevBackend { public Kind kind() { return Kind.PTY; } }

    /**
     * A stream socket, TCP or Unix, listening ({@code server}) or connecting.
     *
     * @param waitForClient (server, {@code wait=on}) block start-up until a client connects
     * @param reconnect (client) seconds between reconnection attempts, 0 for none
     */
    record Socket(SocketAddress address, boolean server, boolean waitForClient, boolean telnet, boolean websocket,
                  boolean nodelay, int reconnect) implements ChardevBackend {
        public Kind kind() { return Kind.SOCKET; }
    }

    /** UDP datagrams to {@code host:port}, from {@code localAddr:localPort}. */
    record Udp(String host, int port, String localAddr, int localPort) implements ChardevBackend {
        public Kind kind() { return Kind.UDP; }
    }

    /** A virtual console: Ferry shows none, so output is dropped (as under QEMU with no window). */
    record Vc() implements ChardevBackend { public Kind kind() { return Kind.VC; } }

    /** An in-memory ring buffer of {@code size} bytes (a power of two), read with the monitor. */
    record Ringbuf(long size) implements ChardevBackend { public Kind kind() { return Kind.RINGBUF; } }

    /** A host serial (tty) device. */
    record Serial(String path) implements ChardevBackend { public Kind kind() { return Kind.SERIAL; } }
}
