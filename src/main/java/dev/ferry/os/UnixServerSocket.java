package dev.ferry.os;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A listening Unix stream socket whose clients are {@link UnixSocket}s, so that they can hand
 * us descriptors. {@link #close} wakes a thread blocked in {@link #accept}.
 */
public final class UnixServerSocket implements AutoCloseable {
    private final int fd;
    private final Path path;
    private volatile boolean closed;

    private UnixServerSocket(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /** Binds {@code path} (which must not exist) and listens. */
    public static UnixServerSocket listen(Path path) throws IOException {
        return new UnixServerSocket(Posix.listenUnix(path, 16), path);
    }

    public Path path() {
        return path;
    }

    /** Waits for the next client. */
    public UnixSocket accept() throws IOException {
        if (closed) throw new IOException("socket closed");
        return new UnixSocket(Posix.accept(fd));
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        Posix.shutdown(fd); // Linux wakes accept() on a listening socket that is shut down
        Posix.closeQuietly(fd);
    }
}
