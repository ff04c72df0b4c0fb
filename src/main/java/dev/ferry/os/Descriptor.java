package dev.ferry.os;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * An open file descriptor this process owns: a socket, pipe or file it inherited or was handed
 * (QEMU's {@code fd:} channels), read and written with read(2) and write(2). Closing it ends a
 * socket first (shutdown), so that a thread blocked reading it wakes up. Thread-safe; close is
 * idempotent.
 */
public final class Descriptor implements AutoCloseable {
    private final int fd;
    private final boolean socket;
    private volatile boolean closed;

    /** Takes ownership of {@code fd}; fails when it is not an open descriptor. */
    public Descriptor(int fd) throws IOException {
        if (fd < 0) throw new IOException("Invalid file descriptor " + fd);
        this.fd = fd;
        try {
            this.socket = Posix.isSocket(fd);
        } catch (Posix.ErrnoException e) {
            throw new IOException("file descriptor " + fd + ": " + Posix.strerror(e.errno), e);
        }
    }

    public int fd() {
        return fd;
    }

    /** Whether it is a socket: then it carries data both ways (a migration's return path). */
    public boolean isSocket() {
        return socket;
    }

    /** Reads from the descriptor; closing the stream closes the descriptor. */
    public InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                int n = read(b, 0, 1);
                return n < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) return 0;
                if (closed) throw new IOException("Stream closed");
                int n = Posix.read(fd, b, off, Math.min(len, 1 << 20));
                return n == 0 ? -1 : n;
            }

            @Override
            public void close() {
                Descriptor.this.close();
            }
        };
    }

    /** Writes to the descriptor; closing the stream closes the descriptor. */
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (closed) throw new IOException("Stream closed");
                // sockets through sendmsg so that a reader that went away is an error, not SIGPIPE
                for (int done = 0; done < len; ) {
                    int n = Math.min(len - done, 1 << 20);
                    if (socket) Posix.sendmsg(fd, b, off + done, n);
                    else Posix.writeFully(fd, b, off + done, n);
                    done += n;
                }
            }

            @Override
            public void close() {
                Descriptor.this.close();
            }
        };
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        if (socket) Posix.shutdown(fd);
        Posix.closeQuietly(fd);
    }
}
