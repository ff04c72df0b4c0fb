package dev.ferry.hw.virtio;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A character backend that records output and offers input the way a real one does (flow control). */
final class TestChar implements CharBackend {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    volatile CharFrontend frontend;
    final AtomicInteger acceptInputCalls = new AtomicInteger();

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
        acceptInputCalls.incrementAndGet();
    }

    /** Offers input honouring canReceive; returns how many bytes were taken. */
    int offer(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        int done = 0;
        while (done < b.length) {
            int n = Math.min(frontend.canReceive(), b.length - done);
            if (n <= 0) break;
            frontend.receive(b, done, n);
            done += n;
        }
        return done;
    }

    @Override
    public void close() {
    }
}
