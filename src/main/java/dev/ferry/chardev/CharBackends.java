package dev.ferry.chardev;

import java.nio.file.Path;

/**
 * Opens a backend from QEMU's short form, as {@code -serial} and {@code -monitor} take it:
 * {@code null}, {@code none} (same), {@code stdio}, {@code file:PATH},
 * {@code unix:PATH,server=on[,wait=off]} and {@code tcp:[HOST]:PORT,server=on[,wait=off]} (the
 * old spellings {@code server} and {@code nowait} are accepted). {@code mon:stdio} is the
 * machine's business: it builds a {@link MuxBackend} over {@link StdioBackend}.
 */
public final class CharBackends {
    private CharBackends() {
    }

    public static CharBackend open(String spec) {
        if (spec.equals("null") || spec.equals("none")) return new NullBackend();
        if (spec.equals("stdio")) return StdioBackend.open(true);
        if (spec.startsWith("file:")) return new FileBackend(Path.of(spec.substring(5)), false);
        if (spec.startsWith("unix:") || spec.startsWith("tcp:")) {
            boolean unix = spec.startsWith("unix:");
            String[] parts = spec.substring(unix ? 5 : 4).split(",");
            boolean server = false, wait = true;
            for (int i = 1; i < parts.length; i++) {
                String o = parts[i];
                switch (o) {
                    case "server", "server=on" -> server = true;
                    case "server=off" -> server = false;
                    case "nowait", "wait=off" -> wait = false;
                    case "wait", "wait=on" -> wait = true;
                    default -> throw new IllegalArgumentException("unsupported socket option '" + o + "' in " + spec);
                }
            }
            if (!server) throw new IllegalArgumentException("only listening sockets (server=on) are supported: " + spec);
            if (unix) return SocketServerBackend.unix(Path.of(parts[0]), wait);
            int colon = parts[0].lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException("tcp needs HOST:PORT: " + spec);
            String host = parts[0].substring(0, colon);
            int port;
            try {
                port = Integer.parseInt(parts[0].substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in " + spec);
            }
            return SocketServerBackend.tcp(host, port, wait);
        }
        throw new IllegalArgumentException("unsupported character device '" + spec + "'");
    }
}
