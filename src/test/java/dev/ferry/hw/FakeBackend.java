package dev.ferry.hw;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A backend that records output and lets a test push input the way a real backend does. */
final class FakeBackend implements CharBackend {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    volatile CharFrontend frontend;
    volatile int acceptInputCalls;

    @Override
    public synchronized void write(byte[] buf, int off, int len) {
        out.write(buf, off, len);
    }

    synchronized String output() {
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void attach(CharFrontend frontend) {
        this.frontend = frontend;
    }

    @Override
    public void acceptInput() {
        acceptInputCalls++;
    }

    /** Offers bytes honouring canReceive; returns how many were taken. */
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
