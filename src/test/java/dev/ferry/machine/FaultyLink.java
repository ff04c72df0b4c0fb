package dev.ferry.machine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay between a migration source and its destination that misbehaves on purpose: it
 * can cut the connection after a number of bytes, or overwrite a stretch of the stream with
 * garbage. The return path (destination to source) is relayed untouched so the source can hear
 * the destination's verdict.
 */
final class FaultyLink implements AutoCloseable {
    private final ServerSocket server;
    private final int destinationPort;
    private final long cutAfter;
    private final long garbageAt, garbageLength;
    final AtomicLong forwarded = new AtomicLong();
    private volatile Socket a, b;

    private FaultyLink(int destinationPort, long cutAfter, long garbageAt, long garbageLength) throws IOException {
        this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        this.destinationPort = destinationPort;
        this.cutAfter = cutAfter;
        this.garbageAt = garbageAt;
        this.garbageLength = garbageLength;
        Thread.ofPlatform().daemon(true).name("faulty-link").start(this::relay);
    }

    /** Closes both sides once {@code bytes} bytes went from the source to the destination. */
    static FaultyLink cutting(int destinationPort, long bytes) throws IOException {
        return new FaultyLink(destinationPort, bytes, Long.MAX_VALUE, 0);
    }

    /** Replaces {@code length} bytes from offset {@code at} of the source's stream with 0xff. */
    static FaultyLink corrupting(int destinationPort, long at, long length) throws IOException {
        return new FaultyLink(destinationPort, Long.MAX_VALUE, at, length);
    }

    /** The URI the source should migrate to. */
    String uri() {
        return "tcp:127.0.0.1:" + server.getLocalPort();
    }

    private void relay() {
        try {
            a = server.accept();
            b = new Socket(InetAddress.getLoopbackAddress(), destinationPort);
            Thread.ofPlatform().daemon(true).name("faulty-link-back").start(() -> pump(b, a, false));
            pump(a, b, true);
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to, boolean forward) {
        byte[] buf = new byte[16 << 10];
        boolean cut = false;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                if (forward) {
                    long start = forwarded.get();
                    long keep = Math.min(n, cutAfter - start);
                    for (int i = 0; i < keep; i++) {
                        long pos = start + i;
                        if (pos >= garbageAt && pos < garbageAt + garbageLength) buf[i] = (byte) 0xff;
                    }
                    out.write(buf, 0, (int) keep);
                    forwarded.addAndGet(keep);
                    if (keep < n) {
                        cut = true;
                        break;
                    }
                } else {
                    out.write(buf, 0, n);
                }
                out.flush();
            }
            if (!cut) to.shutdownOutput(); // pass the end on, as a half-close
        } catch (IOException e) {
            cut = true; // one side went away: so does the link
        }
        if (cut) {
            closeQuietly(a);
            closeQuietly(b);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            if (s != null) s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeQuietly(a);
        closeQuietly(b);
    }
}
