package dev.ferry.migration;

import dev.ferry.os.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Migration channels by URI, as QEMU names them: {@code tcp:HOST:PORT}, {@code unix:PATH},
 * {@code exec:COMMAND} (run by /bin/sh -c: the stream goes to its stdin, or comes from its
 * stdout), {@code file:PATH[,offset=N]}, {@code fd:N} (a descriptor the process owns: inherited,
 * or handed to a monitor with getfd, whose name the monitor turns into the number through
 * {@link NamedFds}). A descriptor that is a socket carries the return path too; a pipe or a file
 * does not, as with QEMU.
 */
public final class Channels {
    private Channels() {}

    /** An open channel: the stream, and the reverse direction when the channel has one. */
    public record Channel(OutputStream out, InputStream in, AutoCloseable resource) implements AutoCloseable {
        @Override
        public void close() {
            try {
                resource.close();
            } catch (Exception ignored) {
                // closing a channel that may already be broken
            }
        }
    }

    /** Descriptors a monitor holds by name ({@code fd:NAME}); taking one hands it over. */
    @FunctionalInterface
    public interface NamedFds {
        /** The descriptor named {@code name}, now the caller's; throws QEMU's error when there is none. */
        int take(String name) throws MigrationException;

        /** No monitor: names are never found. */
        NamedFds NONE = name -> {
            throw notFound(name);
        };
    }

    /** QEMU's error for an {@code fd:NAME} no monitor holds. */
    public static MigrationException notFound(String name) {
        return new MigrationException("File descriptor named '" + name + "' has not been found");
    }

    /** The descriptor {@code fd:SPEC} means: a number as is, else a name looked up in {@code names}. */
    private static Descriptor descriptor(String spec, NamedFds names) throws MigrationException, IOException {
        int fd;
        if (!spec.isEmpty() && spec.chars().allMatch(Character::isDigit)) {
            try {
                fd = Integer.parseInt(spec);
            } catch (NumberFormatException e) {
                throw new MigrationException("Invalid file descriptor number '" + spec + "'");
            }
        } else {
            fd = names.take(spec);
        }
        return new Descriptor(fd);
    }

    private static Channel channel(Descriptor d, boolean outgoing) {
        // both directions on a socket: the reverse one is the return path
        OutputStream out = outgoing || d.isSocket() ? d.outputStream() : null;
        InputStream in = !outgoing || d.isSocket() ? d.inputStream() : null;
        return new Channel(out, in, d);
    }

    /** Connects the outgoing side of a migration. */
    public static Channel connect(String uri) throws MigrationException {
        try {
            if (uri.startsWith("fd:")) return channel(descriptor(uri.substring(3), NamedFds.NONE), true);
            if (uri.startsWith("tcp:")) {
                InetSocketAddress a = inet(uri.substring(4));
                SocketChannel sc = SocketChannel.open(a);
                sc.socket().setTcpNoDelay(true);
                return new Channel(java.nio.channels.Channels.newOutputStream(sc), java.nio.channels.Channels.newInputStream(sc), sc);
            }
            if (uri.startsWith("unix:")) {
                SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX);
                sc.connect(UnixDomainSocketAddress.of(uri.substring(5)));
                return new Channel(java.nio.channels.Channels.newOutputStream(sc), java.nio.channels.Channels.newInputStream(sc), sc);
            }
            if (uri.startsWith("exec:")) {
                Process p = new ProcessBuilder("/bin/sh", "-c", uri.substring(5))
                        .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                OutputStream os = p.getOutputStream();
                return new Channel(new OutputStream() {
                    @Override public void write(int b) throws IOException { os.write(b); }
                    @Override public void write(byte[] b, int o, int l) throws IOException { os.write(b, o, l); }
                    @Override public void flush() throws IOException { os.flush(); }
                    @Override public void close() throws IOException {
                        os.close();
                        try {
                            int rc = p.waitFor();
                            if (rc != 0) throw new IOException("command '" + uri.substring(5) + "' exited with status " + rc);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted");
                        }
                    }
                }, null, p::destroy);
            }
            if (uri.startsWith("file:")) {
                FileSpec f = fileSpec(uri.substring(5));
                FileChannel fc = FileChannel.open(f.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        f.offset == 0 ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.WRITE);
                fc.position(f.offset);
                if (f.offset > 0) fc.truncate(f.offset);
                return new Channel(java.nio.channels.Channels.newOutputStream(fc), null, fc);
            }
        } catch (IOException e) {
            throw new MigrationException("Failed to connect to '" + uri + "': " + message(e), e);
        }
        throw new MigrationException("unknown migration protocol: " + uri);
    }

    /** A listening incoming side: {@link #accept} waits for the source. */
    public interface Listener extends AutoCloseable {
        Channel accept() throws MigrationException;

        @Override
        void close();
    }

    /** Opens the incoming side (listens on sockets right away, as QEMU does at start-up). */
    public static Listener listen(String uri) throws MigrationException {
        return listen(uri, NamedFds.NONE);
    }

    /** As {@link #listen(String)}, {@code fd:NAME} taking the descriptor from {@code names} now. */
    public static Listener listen(String uri, NamedFds names) throws MigrationException {
        try {
            if (uri.startsWith("fd:")) {
                Descriptor d = descriptor(uri.substring(3), names);
                return new Listener() {
                    public Channel accept() {
                        return channel(d, false);
                    }

                    public void close() {}
                };
            }
            if (uri.startsWith("tcp:") || uri.startsWith("unix:")) {
                boolean unix = uri.startsWith("unix:");
                ServerSocketChannel ss;
                Path sockPath = null;
                if (unix) {
                    sockPath = Path.of(uri.substring(5));
                    Files.deleteIfExists(sockPath);
                    ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                    ss.bind(UnixDomainSocketAddress.of(sockPath));
                } else {
                    ss = ServerSocketChannel.open();
                    ss.bind(inet(uri.substring(4)));
                }
                Path toDelete = sockPath;
                return new Listener() {
                    public Channel accept() throws MigrationException {
                        try {
                            SocketChannel sc = ss.accept();
                            return new Channel(java.nio.channels.Channels.newOutputStream(sc),
                                    java.nio.channels.Channels.newInputStream(sc), sc);
                        } catch (IOException e) {
                            throw new MigrationException("incoming migration: " + message(e), e);
                        } finally {
                            close();
                        }
                    }

                    public void close() {
                        try {
                            ss.close();
                            if (toDelete != null) Files.deleteIfExists(toDelete);
                        } catch (IOException ignored) {
                            // best effort
                        }
                    }
                };
            }
            if (uri.startsWith("exec:")) {
                return new Listener() {
                    public Channel accept() throws MigrationException {
                        try {
                            Process p = new ProcessBuilder("/bin/sh", "-c", uri.substring(5))
                                    .redirectInput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                            p.getOutputStream().close();
                            return new Channel(null, p.getInputStream(), p::destroy);
                        } catch (IOException e) {
                            throw new MigrationException("incoming migration: " + message(e), e);
                        }
                    }

                    public void close() {}
                };
            }
            if (uri.startsWith("file:")) {
                FileSpec f = fileSpec(uri.substring(5));
                return new Listener() {
                    public Channel accept() throws MigrationException {
                        try {
                            FileChannel fc = FileChannel.open(f.path, StandardOpenOption.READ);
                            fc.position(f.offset);
                            return new Channel(null, java.nio.channels.Channels.newInputStream(fc), fc);
                        } catch (IOException e) {
                            throw new MigrationException("Failed to open file '" + f.path + "': " + message(e), e);
                        }
                    }

                    public void close() {}
                };
            }
        } catch (IOException e) {
            throw new MigrationException("Failed to listen on '" + uri + "': " + message(e), e);
        }
        throw new MigrationException("unknown migration protocol: " + uri);
    }

    private record FileSpec(Path path, long offset) {}

    private static FileSpec fileSpec(String s) throws MigrationException {
        long offset = 0;
        int comma = s.lastIndexOf(",offset=");
        if (comma >= 0) {
            try {
                offset = Long.parseLong(s.substring(comma + 8));
            } catch (NumberFormatException e) {
                throw new MigrationException("file: bad offset in '" + s + "'");
            }
            s = s.substring(0, comma);
        }
        if (offset < 0) throw new MigrationException("file: negative offset");
        return new FileSpec(Path.of(s), offset);
    }

    private static InetSocketAddress inet(String hostPort) throws MigrationException {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) throw new MigrationException("address '" + hostPort + "' needs HOST:PORT");
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new MigrationException("address '" + hostPort + "': bad port");
        }
        if (host.isEmpty() || host.equals("0")) host = "0.0.0.0";
        return new InetSocketAddress(host, port);
    }

    private static String message(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
