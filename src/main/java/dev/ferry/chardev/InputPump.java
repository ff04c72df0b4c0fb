package dev.ferry.chardev;

/**
 * Hands input from a backend's reader thread to the attached frontend under flow control: the
 * reader blocks in {@link #deliver} until the frontend has taken every byte, so a host source
 * (pipe, socket) is simply not read while the guest is not reading. No lock is held while the
 * frontend is called.
 */
public final class InputPump {
    /** Re-check interval when no wake-up arrives (a frontend that never calls acceptInput still works). */
    private static final long POLL_MILLIS = 50;

    private final Object lock = new Object();
    private volatile CharFrontend frontend;
    private volatile boolean closed;
    private boolean wake;

    public void attach(CharFrontend f) {
        frontend = f;
        acceptInput();
    }

    public CharFrontend frontend() {
        return frontend;
    }

    /** Wakes a reader waiting for room. */
    public void acceptInput() {
        synchronized (lock) {
            wake = true;
            lock.notifyAll();
        }
    }

    public void close() {
        closed = true;
        acceptInput();
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Delivers all of {@code buf[off, off+len)}, waiting while the frontend has no room.
     * Returns false (with the rest undelivered) when the pump was closed or the thread interrupted.
     */
    public boolean deliver(byte[] buf, int off, int len) {
        while (len > 0) {
            if (closed) return false;
            CharFrontend f = frontend;
            int n = f == null ? 0 : f.canReceive();
            if (n <= 0) {
                synchronized (lock) {
                    if (!wake && !closed) {
                        try {
                            lock.wait(POLL_MILLIS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return false;
                        }
                    }
                    wake = false;
                }
                continue;
            }
            n = Math.min(n, len);
            f.receive(buf, off, n);
            off += n;
            len -= n;
        }
        return true;
    }

    /** Sends a break to the frontend, if one is attached. */
    public void sendBreak() {
        CharFrontend f = frontend;
        if (f != null) f.receiveBreak();
    }
}
