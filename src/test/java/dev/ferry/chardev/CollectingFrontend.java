package dev.ferry.chardev;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A frontend with a bounded buffer the test drains, so flow control can be exercised. */
final class CollectingFrontend implements CharFrontend {
    private final int capacity;
    private final ByteArrayOutputStream got = new ByteArrayOutputStream();
    private int buffered;
    int breaks;

    CollectingFrontend(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public synchronized int canReceive() {
        return capacity - buffered;
    }

    @Override
    public synchronized void receive(byte[] buf, int off, int len) {
        if (len > capacity - buffered) throw new AssertionError("overran the frontend: " + len + " > " + (capacity - buffered));
        got.write(buf, off, len);
        buffered += len;
        notifyAll();
    }

    @Override
    public synchronized void receiveBreak() {
        breaks++;
    }

    /** The guest "reads" everything buffered, making room. */
    synchronized void consume() {
        buffered = 0;
    }

    synchronized String text() {
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /** Waits until at least n bytes arrived, consuming as it goes when asked to. */
    String await(int n, CharBackend backend, boolean consume) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        synchronized (this) {
            while (got.size() < n && System.nanoTime() < end) {
                if (consume && buffered > 0) {
                    buffered = 0;
                    if (backend != null) backend.acceptInput();
                }
                wait(5);
            }
            return text();
        }
    }
}
