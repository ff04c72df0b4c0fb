package dev.ferry.testing;

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
     * Connects (waiting up to a minute for the socket to appear), types each line after the
     * prompt and returns everything that came back until the last prompt; after {@code quit},
     * until the monitor goes away with the process.
     */
    public static String send(Path sock, String... lines) throws Exception {
        awaitFile(sock);
        try (SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            sc.connect(UnixDomainSocketAddress.of(sock));
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

    /** Waits up to a minute for {@code p} to exist (a socket the process has yet to create). */
    public static void awaitFile(Path p) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(p)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no " + p);
            Thread.sleep(20);
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
