package dev.ferry.monitor;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.SocketServerBackend;

/**
 * Tells a monitor when a client connects to or leaves its character device, QEMU's chardev
 * OPENED and CLOSED events: the QMP greeting and the HMP banner go to each new client, and a
 * new client starts a new session. A listening socket is watched by polling
 * {@link SocketServerBackend#isConnected()} every {@link #POLL_MILLIS} ms (and at once when input
 * arrives); any other backend (stdio, a file, a mux over stdio) counts as connected from the
 * start. The chardev layer has no connection events yet; when it gets them, monitors can take
 * them through {@link Listener} directly.
 */
final class ConnectionWatch implements AutoCloseable {
    static final long POLL_MILLIS = 10;

    interface Listener {
        void opened();

        void closed();
    }

    private final SocketServerBackend socket;
    private final Listener listener;
    private boolean connected;
    private volatile boolean closed;
    private Thread poller;

    ConnectionWatch(CharBackend transport, Listener listener) {
        this.socket = transport instanceof SocketServerBackend s ? s : null;
        this.listener = listener;
    }

    void start(String name) {
        if (socket == null) {
            check();
            return;
        }
        poller = Thread.ofPlatform().daemon().name(name).start(() -> {
            while (!closed) {
                check();
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Looks now; reports a change to the listener; returns whether a client is connected. */
    synchronized boolean check() {
        if (closed) return false;
        boolean now = socket == null || socket.isConnected();
        if (now != connected) {
            connected = now;
            if (now) listener.opened();
            else listener.closed();
        }
        return connected;
    }

    synchronized boolean isConnected() {
        return connected;
    }

    @Override
    public void close() {
        closed = true;
        if (poller != null) poller.interrupt();
    }
}
