package dev.ferry.monitor;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.SocketServerBackend;

/**
 * Tells a monitor when a client connects to or leaves its character device, QEMU's chardev
 * OPENED and CLOSED events: the QMP greeting and the HMP banner go to each new client, and a
 * new client starts a new session. A listening socket the monitor is attached to tells it
 * itself ({@link dev.ferry.chardev.CharFrontend#opened()}, passed on to {@link #event}); a socket
 * under a mux does not reach the mux's ports, so it is watched by polling
 * {@link SocketServerBackend#isConnected()} every {@link #POLL_MILLIS} ms. Any other backend
 * (stdio, a file, a mux over stdio) counts as connected from the start.
 */
final class ConnectionWatch implements AutoCloseable {
    static final long POLL_MILLIS = 10;

    interface Listener {
        void opened();

        void closed();
    }

    private final SocketServerBackend socket;
    private final boolean eventDriven;
    private final Listener listener;
    private boolean connected;
    private volatile boolean closed;
    private Thread poller;

    /** {@code backend} is what the monitor is attached to, {@code transport} the backend whose clients come and go. */
    ConnectionWatch(CharBackend backend, CharBackend transport, Runnable onOpened, Runnable onClosed) {
        this(backend, transport, new Listener() {
            @Override
            public void opened() {
                onOpened.run();
            }

            @Override
            public void closed() {
                onClosed.run();
            }
        });
    }

    ConnectionWatch(CharBackend backend, CharBackend transport, Listener listener) {
        this.socket = transport instanceof SocketServerBackend s ? s : null;
        this.eventDriven = socket != null && transport == backend;
        this.listener = listener;
    }

    void start(String name) {
        if (socket == null) {
            check();
            return;
        }
        if (eventDriven) {
            if (socket.isConnected()) event(true); // a client that came before the monitor attached
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
        if (eventDriven) return connected;
        boolean now = socket == null || socket.isConnected();
        if (now != connected) {
            connected = now;
            if (now) listener.opened();
            else listener.closed();
        }
        return connected;
    }

    /** The backend's own OPENED/CLOSED event; a repeat of the current state is ignored. */
    synchronized void event(boolean open) {
        if (closed || open == connected) return;
        connected = open;
        if (open) listener.opened();
        else listener.closed();
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
