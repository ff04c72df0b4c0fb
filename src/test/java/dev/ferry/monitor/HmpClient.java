package dev.ferry.monitor;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A raw terminal-side client of a human monitor over a Unix socket. */
final class HmpClient implements AutoCloseable {
    private final SocketChannel ch;
    private final StringBuilder seen = new StringBuilder();
    private int taken;

    HmpClient(Path socket) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ch.configureBlocking(false);
    }

    void send(String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    private boolean pump() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8192);
        int n = ch.read(b);
        if (n < 0) return false;
        if (n > 0) seen.append(new String(b.array(), 0, n, StandardCharsets.UTF_8));
        return true;
    }

    /**
     * Everything received since the last call, up to and including the first occurrence of
     * {@code marker} after it (waiting for it).
     */
    String until(String marker) throws Exception {
        return until(marker, 5);
    }

    /** As {@link #until(String)}, waiting up to {@code seconds}. */
    String until(String marker, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            int at = seen.indexOf(marker, taken);
            if (at >= 0) {
                String s = seen.substring(taken, at + marker.length());
                taken = at + marker.length();
                return s;
            }
            if (!pump()) throw new AssertionError("connection closed; got " + esc(seen.substring(taken)));
            if (System.nanoTime() > deadline) throw new AssertionError("no " + esc(marker) + " in " + esc(seen.substring(taken)));
            Thread.sleep(2);
        }
    }

    /** What arrives within {@code millis}, without waiting for anything in particular. */
    String quiet(long millis) throws Exception {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (!pump()) break;
            Thread.sleep(2);
        }
        String s = seen.substring(taken);
        taken = seen.length();
        return s;
    }

    static String esc(String s) {
        return s.replace("\033", "\\e").replace("\r", "\\r").replace("\n", "\\n");
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
