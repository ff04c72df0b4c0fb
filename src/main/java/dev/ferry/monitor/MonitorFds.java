package dev.ferry.monitor;

import dev.ferry.migration.Channels;
import dev.ferry.os.Posix;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The descriptors one monitor holds by name, as QEMU's getfd stores them: a name given again
 * replaces (and closes) the old descriptor, closefd closes one, and a command that uses one
 * ({@code migrate fd:NAME}) takes it away for good. What is left is closed with the monitor.
 */
final class MonitorFds implements Channels.NamedFds, AutoCloseable {
    private final Map<String, Integer> fds = new LinkedHashMap<>();
    private boolean closed;

    /** Keeps {@code fd} under {@code name}; the monitor owns it now. */
    void put(String name, int fd) {
        Integer old;
        synchronized (this) {
            if (closed) {
                old = fd;
            } else {
                old = fds.put(name, fd);
            }
        }
        if (old != null) Posix.closeQuietly(old);
    }

    /** closefd: false when there is no descriptor of that name. */
    boolean close(String name) {
        Integer fd;
        synchronized (this) {
            fd = fds.remove(name);
        }
        if (fd == null) return false;
        Posix.closeQuietly(fd);
        return true;
    }

    @Override
    public synchronized int take(String name) throws dev.ferry.migration.MigrationException {
        Integer fd = fds.remove(name);
        if (fd == null) throw Channels.notFound(name);
        return fd;
    }

    synchronized boolean has(String name) {
        return fds.containsKey(name);
    }

    @Override
    public void close() {
        Map<String, Integer> left;
        synchronized (this) {
            closed = true;
            left = new LinkedHashMap<>(fds);
            fds.clear();
        }
        left.values().forEach(Posix::closeQuietly);
    }
}
