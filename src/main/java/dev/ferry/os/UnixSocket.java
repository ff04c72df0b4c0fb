package dev.ferry.os;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A connected Unix stream socket that can carry file descriptors (SCM_RIGHTS) with its bytes:
 * descriptors that arrive with input are kept, oldest first, until someone claims them
 * ({@link #takeReceivedFd}) or the socket closes (then they are closed too). Reading and writing
 * may happen on different threads; {@link #close} wakes a blocked reader.
 */
public final class UnixSocket implements AutoCloseable {
    /** Unclaimed descriptors kept at most; older ones are closed, as a client flooding us gains nothing. */
    static final int MAX_KEPT = 64;

    private final int fd;
    private final ArrayDeque<Integer> received = new ArrayDeque<>();
    private boolean closed;

    UnixSocket(int fd) {
        this.fd = fd;
    }

    /** Connects to the listening socket at {@code path}. */
    public static UnixSocket connect(Path path) throws IOException {
        return new UnixSocket(Posix.connectUnix(path));
    }

    /** Wraps a connected Unix socket descriptor this process owns (one end of {@link Posix#socketpair}). */
    public static UnixSocket of(int fd) {
        return new UnixSocket(fd);
    }

    public int fd() {
        return fd;
    }

    /** Reads some bytes, keeping descriptors that came with them; -1 at end of stream. */
    public int read(byte[] buf, int off, int len) throws IOException {
        List<Integer> fds = new ArrayList<>(0);
        int n = Posix.recvmsg(fd, buf, off, len, fds);
        if (!fds.isEmpty()) {
            synchronized (this) {
                for (int f : fds) {
                    if (closed) {
                        Posix.closeQuietly(f);
                        continue;
                    }
                    received.addLast(f);
                    if (received.size() > MAX_KEPT) Posix.closeQuietly(received.removeFirst());
                }
            }
        }
        return n == 0 ? -1 : n;
    }

    /** The oldest descriptor received and not yet claimed (now the caller's), or -1. */
    public synchronized int takeReceivedFd() {
        Integer f = received.pollFirst();
        return f == null ? -1 : f;
    }

    /** Writes all the bytes. */
    public void write(byte[] buf, int off, int len) throws IOException {
        Posix.sendmsg(fd, buf, off, len);
    }

    /** Writes all the bytes, {@code fds} travelling with them (the receiver gets its own copies). */
    public void send(byte[] buf, int off, int len, int... fds) throws IOException {
        Posix.sendmsg(fd, buf, off, len, fds);
    }

    @Override
    public void close() {
        List<Integer> left;
        synchronized (this) {
            if (closed) return;
            closed = true;
            left = new ArrayList<>(received);
            received.clear();
        }
        left.forEach(Posix::closeQuietly);
        Posix.shutdown(fd);
        Posix.closeQuietly(fd);
    }
}
