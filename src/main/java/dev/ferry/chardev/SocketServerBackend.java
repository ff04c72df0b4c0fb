package dev.ferry.chardev;

import dev.ferry.os.UnixServerSocket;
import dev.ferry.os.UnixSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A listening socket ({@code unix:PATH,server=on,wait=off} or {@code tcp:HOST:PORT,server=on,wait=off}):
 * one client at a time is connected to the frontend; further clients wait in the listen backlog
 * until the current one leaves. Output while nobody is connected is discarded, as QEMU does.
 *
 * <p>Output to a client goes through a bounded buffer drained by a writer thread, so a client that
 * stops reading never blocks the guest; if it falls more than {@link #OUTPUT_BUFFER} bytes behind,
 * the excess is discarded.
 *
 * <p>Unix sockets are served through {@link dev.ferry.os} rather than the JDK's channels, whose
 * reads discard descriptors a client passes (SCM_RIGHTS): they are kept for the frontend to claim
 * ({@link #takeReceivedFd}, QMP's getfd).
 */
public final class SocketServerBackend implements CharBackend {
    public static final int OUTPUT_BUFFER = 1 << 20;
    private static final System.Logger LOG = System.getLogger(SocketServerBackend.class.getName());

    /** The listening socket, the JDK's for TCP or our own for Unix sockets. */
    private interface Listening {
        Client accept() throws IOException;

        SocketAddress localAddress() throws IOException;

        void close() throws IOException;
    }

    /** One connected client. */
    private interface Client {
        /** Some bytes, or -1 at end of stream. */
        int read(byte[] buf, int off, int len) throws IOException;

        void write(byte[] buf, int off, int len) throws IOException;

        default int takeReceivedFd() {
            return -1;
        }

        void close() throws IOException;
    }

    private static Listening jdk(ServerSocketChannel ss) {
        return new Listening() {
            public Client accept() throws IOException {
                SocketChannel ch = ss.accept();
                return new Client() {
                    public int read(byte[] buf, int off, int len) throws IOException {
                        return ch.read(ByteBuffer.wrap(buf, off, len));
                    }

                    public void write(byte[] buf, int off, int len) throws IOException {
                        ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
                        while (bb.hasRemaining()) ch.write(bb);
                    }

                    public void close() throws IOException {
                        ch.close();
                    }
                };
            }

            public SocketAddress localAddress() throws IOException {
                return ss.getLocalAddress();
            }

            public void close() throws IOException {
                ss.close();
            }
        };
    }

    private static Listening unixSockets(UnixServerSocket ss) {
        return new Listening() {
            public Client accept() throws IOException {
                UnixSocket s = ss.accept();
                return new Client() {
                    public int read(byte[] buf, int off, int len) throws IOException {
                        return s.read(buf, off, len);
                    }

                    public void write(byte[] buf, int off, int len) throws IOException {
                        s.write(buf, off, len);
                    }

                    public int takeReceivedFd() {
                        return s.takeReceivedFd();
                    }

                    public void close() {
                        s.close();
                    }
                };
            }

            public SocketAddress localAddress() {
                return UnixDomainSocketAddress.of(ss.path());
            }

            public void close() {
                ss.close();
            }
        };
    }

    private final Listening server;
    private final String label;
    private final Path unixPath;
    private final InputPump pump = new InputPump();
    private final Thread acceptor;
    private final Thread writer;
    private final CountDownLatch firstClient = new CountDownLatch(1);

    // output state, guarded by outLock
    private final Object outLock = new Object();
    private final byte[] ring = new byte[OUTPUT_BUFFER];
    private int ringHead, ringCount;
    private Client client;
    private long discarded;
    private volatile boolean closed;

    /** A Unix-domain server at {@code path} (an existing file there is replaced, as QEMU does). */
    public static SocketServerBackend unix(Path path, boolean waitForClient) {
        try {
            Files.deleteIfExists(path);
            return new SocketServerBackend(unixSockets(UnixServerSocket.listen(path)), "unix:" + path + ",server=on", path, waitForClient);
        } catch (IOException e) {
            throw new UncheckedIOException("could not listen on unix:" + path + ": " + e.getMessage(), e);
        }
    }

    /** A TCP server; an empty or null host listens on all addresses, port 0 picks a free port. */
    public static SocketServerBackend tcp(String host, int port, boolean waitForClient) {
        try {
            ServerSocketChannel ch = ServerSocketChannel.open();
            ch.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            SocketAddress addr = host == null || host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
            ch.bind(addr);
            InetSocketAddress bound = (InetSocketAddress) ch.getLocalAddress();
            String h = host == null || host.isEmpty() ? "0.0.0.0" : host;
            return new SocketServerBackend(jdk(ch), "tcp:" + h + ":" + bound.getPort() + ",server=on", null, waitForClient);
        } catch (IOException e) {
            throw new UncheckedIOException("could not listen on tcp:" + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private SocketServerBackend(Listening server, String label, Path unixPath, boolean waitForClient) {
        this.server = server;
        this.label = label;
        this.unixPath = unixPath;
        acceptor = Thread.ofPlatform().daemon().name("ferry-chardev-accept " + label).start(this::acceptLoop);
        writer = Thread.ofPlatform().daemon().name("ferry-chardev-write " + label).start(this::writeLoop);
        if (waitForClient) {
            System.err.println("ferry: waiting for connection on: disconnected:" + label);
            try {
                firstClient.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The bound address (for a TCP port chosen by the system). */
    public SocketAddress localAddress() {
        try {
            return server.localAddress();
        } catch (IOException e) {
            return null;
        }
    }

    public int tcpPort() {
        return localAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    public boolean isConnected() {
        synchronized (outLock) {
            return client != null;
        }
    }

    private void acceptLoop() {
        byte[] buf = new byte[4096];
        while (!closed) {
            Client ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (!closed) LOG.log(System.Logger.Level.WARNING, label + ": accept failed: " + e.getMessage());
                return;
            }
            synchronized (outLock) {
                client = ch;
                ringHead = ringCount = 0;
                outLock.notifyAll();
            }
            firstClient.countDown();
            CharFrontend f = pump.frontend();
            if (f != null) f.opened();
            try {
                while (!closed) {
                    int n = ch.read(buf, 0, buf.length);
                    if (n < 0) break;
                    if (n > 0 && !pump.deliver(buf, 0, n)) break;
                }
            } catch (IOException e) {
                // the client went away
            }
            disconnect(ch);
            CharFrontend g = pump.frontend();
            if (g != null) g.closed();
        }
    }

    private void disconnect(Client ch) {
        synchronized (outLock) {
            if (client == ch) {
                client = null;
                ringHead = ringCount = 0;
            }
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private void writeLoop() {
        byte[] chunk = new byte[65536];
        while (true) {
            Client ch;
            int n;
            synchronized (outLock) {
                while (!closed && (client == null || ringCount == 0)) {
                    try {
                        outLock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                ch = client;
                n = Math.min(chunk.length, Math.min(ringCount, ring.length - ringHead));
                System.arraycopy(ring, ringHead, chunk, 0, n);
                ringHead = (ringHead + n) % ring.length;
                ringCount -= n;
            }
            try {
                ch.write(chunk, 0, n);
            } catch (IOException e) {
                disconnect(ch);
            }
        }
    }

    @Override
    public void write(byte[] buf, int off, int len) {
        synchronized (outLock) {
            if (client == null || closed) return; // nobody listening: discarded
            int free = ring.length - ringCount;
            if (len > free) {
                discarded += len - free;
                len = free;
            }
            int tail = (ringHead + ringCount) % ring.length;
            int first = Math.min(len, ring.length - tail);
            System.arraycopy(buf, off, ring, tail, first);
            System.arraycopy(buf, off + first, ring, 0, len - first);
            ringCount += len;
            outLock.notifyAll();
        }
    }

    /** Bytes discarded because a connected client fell too far behind. */
    public long discardedBytes() {
        synchronized (outLock) {
            return discarded;
        }
    }

    /**
     * The oldest descriptor the current client passed with its input (SCM_RIGHTS on a Unix
     * socket) and nobody claimed yet; the caller owns it. -1 when there is none.
     */
    public int takeReceivedFd() {
        Client c;
        synchronized (outLock) {
            c = client;
        }
        return c == null ? -1 : c.takeReceivedFd();
    }

    @Override
    public void attach(CharFrontend frontend) {
        pump.attach(frontend);
    }

    @Override
    public void acceptInput() {
        pump.acceptInput();
    }

    @Override
    public String describe() {
        return (isConnected() ? "" : "disconnected:") + label;
    }

    @Override
    public void close() {
        Client ch;
        synchronized (outLock) {
            if (closed) return;
            closed = true;
            ch = client;
            client = null;
            outLock.notifyAll();
        }
        pump.close();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        firstClient.countDown();
        if (unixPath != null) {
            try {
                Files.deleteIfExists(unixPath);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
