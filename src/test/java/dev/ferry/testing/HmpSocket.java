package dev.ferry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A human monitor on a Unix socket ({@code -monitor unix:PATH,server=on,wait=off}), typed at as a user does. */
public final class HmpSocket {
    private HmpSocket() {
    }

    /**
     * Connects (waiting up to a minute for the process to listen), types each line after the
     * prompt and returns everything that came back until the last prompt; after {@code quit},
     * until the monitor goes away with the process.
     */
    public static String send(Path sock, String... lines) throws Exception {
        try (SocketChannel sc = connect(sock)) {
            InputStream in = Channels.newInputStream(sc);
            OutputStream out = Channels.newOutputStream(sc);
            StringBuilder all = new StringBuilder();
            readPrompt(in, all);
            for (String l : lines) {
                out.write((l + "\r").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (!l.equals("quit")) readPrompt(in, all);
                else while (in.read() >= 0) { } // the monitor goes away with the process
            }
            return all.toString();
        }
    }

    private static SocketChannel connect(Path sock) throws Exception {
        return retry(sock, () -> {
            SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                sc.connect(UnixDomainSocketAddress.of(sock));
                return sc;
            } catch (IOException e) {
                sc.close();
                throw e;
            }
        });
    }

    /** A connection that may fail at first. */
    interface Connect<T> {
        T attempt() throws IOException;
    }

    /**
     * Connects to a socket a process is starting to serve: until it exists and is listening
     * (the file appears at bind, before listen) the attempt is refused; retried for a minute.
     */
    static <T> T retry(Path sock, Connect<T> connect) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                if (Files.exists(sock)) return connect.attempt();
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw e;
            }
            if (System.nanoTime() > deadline) throw new AssertionError("no " + sock);
            Thread.sleep(50);
        }
    }

    private static void readPrompt(InputStream in, StringBuilder all) throws Exception {
        int start = all.length();
        while (all.indexOf("(qemu) ", start) < 0) {
            int c = in.read();
            if (c < 0) return;
            all.append((char) c);
        }
    }
}
