package dev.ferry.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The C library's descriptor and Unix-socket calls through the FFM API: what the JDK's channels
 * cannot do (receive and send descriptors with SCM_RIGHTS, use a descriptor the process
 * inherited or was handed, take open-file-description locks, punch holes). Every call retries on EINTR and reports failure as an
 * {@link IOException} carrying strerror's text.
 *
 * <p>The struct layouts ({@code msghdr}, {@code iovec}, {@code cmsghdr}, {@code sockaddr_un}) and
 * the constants are those of Linux on x86-64 and AArch64, which agree on all of them.
 */
@SuppressWarnings("restricted") // native calls: the launcher and surefire pass --enable-native-access=ALL-UNNAMED
public final class Posix {
    private Posix() {
    }

    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_TYPE = 3;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CTRUNC = 0x8;
    static final int SHUT_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int ENOTSOCK = 88;

    /** The most descriptors taken from one message; the kernel closes any beyond (MSG_CTRUNC). */
    public static final int MAX_FDS_PER_MESSAGE = 16;

    static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"), MemoryLayout.sequenceLayout(108, ValueLayout.JAVA_BYTE).withName("sun_path"));
    static final StructLayout IOVEC = MemoryLayout.structLayout(ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));
    static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"), JAVA_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"), JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"), JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4));
    /** cmsghdr's header; the data follows, aligned to 8 (CMSG_ALIGN). */
    static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"));

    private static final long SUN_PATH = SOCKADDR_UN.byteOffset(groupElement("sun_path"));
    private static final long MSG_IOV = MSGHDR.byteOffset(groupElement("msg_iov"));
    private static final long MSG_IOVLEN = MSGHDR.byteOffset(groupElement("msg_iovlen"));
    private static final long MSG_CONTROL = MSGHDR.byteOffset(groupElement("msg_control"));
    private static final long MSG_CONTROLLEN = MSGHDR.byteOffset(groupElement("msg_controllen"));
    private static final long MSG_FLAGS = MSGHDR.byteOffset(groupElement("msg_flags"));
    private static final long CMSG_LEVEL = CMSGHDR.byteOffset(groupElement("cmsg_level"));
    private static final long CMSG_TYPE = CMSGHDR.byteOffset(groupElement("cmsg_type"));
    private static final long CMSG_HDR = CMSGHDR.byteSize();

    private static final MethodHandle SOCKET, SOCKETPAIR, BIND, LISTEN, ACCEPT4, CONNECT, RECVMSG, SENDMSG, READ, WRITE,
            CLOSE, SHUTDOWN, GETSOCKOPT, PIPE2, STRERROR, OPEN, FCNTL, FALLOCATE;
    private static final StructLayout CAPTURE;
    private static final VarHandle ERRNO;
    private static final Throwable UNAVAILABLE;

    static {
        MethodHandle[] h = new MethodHandle[18];
        StructLayout capture = null;
        VarHandle errno = null;
        Throwable why = null;
        try {
            String os = System.getProperty("os.name", "");
            String arch = System.getProperty("os.arch", "");
            if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64")))
                throw new UnsupportedOperationException("native descriptor calls are implemented for Linux on x86-64 and AArch64 only");
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            capture = Linker.Option.captureStateLayout();
            errno = capture.varHandle(groupElement("errno"));
            Linker.Option e = Linker.Option.captureCallState("errno");
            String[] names = {"socket", "socketpair", "bind", "listen", "accept4", "connect", "recvmsg", "sendmsg", "read", "write",
                    "close", "shutdown", "getsockopt", "pipe2", "strerror"};
            FunctionDescriptor[] fds = {
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT)};
            for (int i = 0; i < names.length; i++) {
                MemorySegment sym = libc.find(names[i]).orElseThrow();
                h[i] = names[i].equals("strerror") ? linker.downcallHandle(sym, fds[i]) : linker.downcallHandle(sym, fds[i], e);
            }
            // open and fcntl are variadic: the mode and the argument pointer follow the two fixed ones
            h[15] = linker.downcallHandle(libc.find("open").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2), e);
            h[16] = linker.downcallHandle(libc.find("fcntl").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2), e);
            h[17] = linker.downcallHandle(libc.find("fallocate").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), e);
        } catch (Throwable t) {
            why = t;
        }
        SOCKET = h[0];
        SOCKETPAIR = h[1];
        BIND = h[2];
        LISTEN = h[3];
        ACCEPT4 = h[4];
        CONNECT = h[5];
        RECVMSG = h[6];
        SENDMSG = h[7];
        READ = h[8];
        WRITE = h[9];
        CLOSE = h[10];
        SHUTDOWN = h[11];
        GETSOCKOPT = h[12];
        PIPE2 = h[13];
        STRERROR = h[14];
        OPEN = h[15];
        FCNTL = h[16];
        FALLOCATE = h[17];
        CAPTURE = capture;
        ERRNO = errno;
        UNAVAILABLE = why;
    }

    /** Whether the bindings work in this JVM. */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why the bindings do not work in this JVM ("" when they do). */
    public static String unavailableReason() {
        return UNAVAILABLE == null ? "" : String.valueOf(UNAVAILABLE.getMessage());
    }

    private static void check() throws IOException {
        if (UNAVAILABLE != null) throw new IOException("native descriptor calls are unavailable: " + UNAVAILABLE.getMessage(), UNAVAILABLE);
    }

    /** A native call that sets errno: the capture segment goes first. */
    @FunctionalInterface
    private interface Call {
        long invoke(MemorySegment capture) throws Throwable;
    }

    /** Runs {@code call}, retrying on EINTR; returns its non-negative result or throws with {@code what} and strerror. */
    private static long call(Arena arena, String what, Call call) throws IOException {
        check();
        MemorySegment cs = arena.allocate(CAPTURE);
        while (true) {
            long r;
            try {
                r = call.invoke(cs);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException(what + ": " + t, t);
            }
            if (r >= 0) return r;
            int err = (int) ERRNO.get(cs, 0L);
            if (err == EINTR) continue;
            throw new ErrnoException(what, err, strerror(err));
        }
    }

    /** The C library's text for an errno value ("Connection refused"). */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** A failed call with its errno. */
    public static final class ErrnoException extends IOException {
        public final int errno;

        ErrnoException(String what, int errno, String text) {
            super(what + ": " + text);
            this.errno = errno;
        }
    }

    // ------------------------------------------------------------------ descriptors

    public static int read(int fd, byte[] buf, int off, int len) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(Math.max(1, len));
            int n = (int) call(a, "read", cs -> (long) READ.invokeExact(cs, fd, m, (long) len));
            MemorySegment.copy(m, ValueLayout.JAVA_BYTE, 0, buf, off, n);
            return n;
        }
    }

    /** Writes all of {@code buf[off, off+len)}. */
    public static void writeFully(int fd, byte[] buf, int off, int len) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(Math.max(1, len));
            MemorySegment.copy(buf, off, m, ValueLayout.JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                long at = done;
                done += call(a, "write", cs -> (long) WRITE.invokeExact(cs, fd, m.asSlice(at), len - at));
            }
        }
    }

    public static void close(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            check();
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) CLOSE.invokeExact(cs, fd);
            // close is not retried on EINTR: on Linux the descriptor is gone either way
            if (r < 0 && (int) ERRNO.get(cs, 0L) != EINTR) {
                int err = (int) ERRNO.get(cs, 0L);
                throw new ErrnoException("close", err, strerror(err));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** Closes without complaint (a descriptor being given up). */
    public static void closeQuietly(int fd) {
        try {
            close(fd);
        } catch (IOException ignored) {
            // nothing to do about it
        }
    }

    /** A pipe: {read end, write end}, both close-on-exec. */
    public static int[] pipe() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            call(a, "pipe2", cs -> (int) PIPE2.invokeExact(cs, fds, O_CLOEXEC));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    // ------------------------------------------------------------------ files

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;

    /** open(2) of an existing file with {@code flags} (O_RDONLY or O_RDWR); the descriptor is close-on-exec. */
    public static int open(Path path, int flags) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocateFrom(path.toString());
            return (int) call(a, "open", cs -> (int) OPEN.invokeExact(cs, name, flags | O_CLOEXEC, 0));
        }
    }

    /** fcntl(2) with a pointer argument (a {@code struct flock} for the lock commands); returns its result. */
    public static int fcntl(int fd, int cmd, MemorySegment arg) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            return (int) call(a, "fcntl", cs -> (int) FCNTL.invokeExact(cs, fd, cmd, arg));
        }
    }

    /** fallocate(2): allocates, or with FALLOC_FL_PUNCH_HOLE frees, a range of a file. */
    public static void fallocate(int fd, int mode, long offset, long length) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            call(a, "fallocate", cs -> (int) FALLOCATE.invokeExact(cs, fd, mode, offset, length));
        }
    }

    // ------------------------------------------------------------------ sockets

    /** Whether {@code fd} is a socket (getsockopt SO_TYPE answers); throws when {@code fd} is not open. */
    public static boolean isSocket(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            call(a, "getsockopt", cs -> (int) GETSOCKOPT.invokeExact(cs, fd, SOL_SOCKET, SO_TYPE, v, len));
            return true;
        } catch (ErrnoException e) {
            if (e.errno == ENOTSOCK) return false;
            throw e;
        }
    }

    /** A connected pair of Unix stream sockets, both close-on-exec. */
    public static int[] socketpair() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            call(a, "socketpair", cs -> (int) SOCKETPAIR.invokeExact(cs, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    private static MemorySegment sockaddr(Arena a, Path path) throws IOException {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length >= 108) throw new IOException("UNIX socket path '" + path + "' is too long");
        MemorySegment sa = a.allocate(SOCKADDR_UN);
        sa.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, sa, ValueLayout.JAVA_BYTE, SUN_PATH, p.length);
        return sa;
    }

    private static int addrLen(Path path) {
        return (int) SUN_PATH + path.toString().getBytes(StandardCharsets.UTF_8).length + 1;
    }

    /** A Unix stream socket bound to {@code path} and listening. */
    public static int listenUnix(Path path, int backlog) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = sockaddr(a, path);
            int fd = (int) call(a, "socket", cs -> (int) SOCKET.invokeExact(cs, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
            try {
                int len = addrLen(path);
                call(a, "bind", cs -> (int) BIND.invokeExact(cs, fd, sa, len));
                call(a, "listen", cs -> (int) LISTEN.invokeExact(cs, fd, backlog));
                return fd;
            } catch (IOException e) {
                closeQuietly(fd);
                throw e;
            }
        }
    }

    /** A Unix stream socket connected to {@code path}. */
    public static int connectUnix(Path path) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = sockaddr(a, path);
            int fd = (int) call(a, "socket", cs -> (int) SOCKET.invokeExact(cs, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
            try {
                int len = addrLen(path);
                call(a, "connect", cs -> (int) CONNECT.invokeExact(cs, fd, sa, len));
                return fd;
            } catch (IOException e) {
                closeQuietly(fd);
                throw e;
            }
        }
    }

    /** Waits for a client of a listening socket; the new descriptor is close-on-exec. */
    public static int accept(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            return (int) call(a, "accept", cs -> (int) ACCEPT4.invokeExact(cs, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC));
        }
    }

    /** Ends both directions of a socket, waking a thread blocked in accept or recvmsg on it. */
    public static void shutdown(int fd) {
        try (Arena a = Arena.ofConfined()) {
            call(a, "shutdown", cs -> (int) SHUTDOWN.invokeExact(cs, fd, SHUT_RDWR));
        } catch (IOException ignored) {
            // not connected, or already shut down
        }
    }

    private static long cmsgAlign(long n) {
        return (n + 7) & ~7L;
    }

    /**
     * Reads into {@code buf} with recvmsg(2), adding any descriptors that came with the bytes
     * (SCM_RIGHTS, made close-on-exec) to {@code fds}. Returns the byte count, 0 at end of stream.
     */
    public static int recvmsg(int fd, byte[] buf, int off, int len, List<Integer> fds) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(Math.max(1, len));
            long controlLen = CMSG_HDR + cmsgAlign(4L * MAX_FDS_PER_MESSAGE);
            MemorySegment control = a.allocate(controlLen, 8);
            MemorySegment iov = a.allocate(IOVEC);
            iov.set(ADDRESS, 0, data);
            iov.set(JAVA_LONG, 8, len);
            MemorySegment msg = a.allocate(MSGHDR);
            msg.set(ADDRESS, MSG_IOV, iov);
            msg.set(JAVA_LONG, MSG_IOVLEN, 1);
            msg.set(ADDRESS, MSG_CONTROL, control);
            msg.set(JAVA_LONG, MSG_CONTROLLEN, controlLen);
            int n = (int) call(a, "recvmsg", cs -> (long) RECVMSG.invokeExact(cs, fd, msg, MSG_CMSG_CLOEXEC));
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, buf, off, n);
            long got = msg.get(JAVA_LONG, MSG_CONTROLLEN);
            for (long at = 0; at + CMSG_HDR <= got; ) {
                long cl = control.get(JAVA_LONG, at);
                if (cl < CMSG_HDR || at + cl > got) break;
                if (control.get(JAVA_INT, at + CMSG_LEVEL) == SOL_SOCKET && control.get(JAVA_INT, at + CMSG_TYPE) == SCM_RIGHTS) {
                    for (long p = at + CMSG_HDR; p + 4 <= at + cl; p += 4) fds.add(control.get(JAVA_INT, p));
                }
                at += cmsgAlign(cl);
            }
            return n;
        }
    }

    /**
     * Sends all of {@code buf[off, off+len)} with sendmsg(2); {@code fds} (may be empty) travel
     * with the first byte as SCM_RIGHTS. A peer that has gone gives an error, not SIGPIPE.
     */
    public static void sendmsg(int fd, byte[] buf, int off, int len, int... fds) throws IOException {
        if (fds.length > MAX_FDS_PER_MESSAGE) throw new IOException("at most " + MAX_FDS_PER_MESSAGE + " descriptors per message");
        if (len == 0 && fds.length > 0) throw new IOException("descriptors need at least one byte to travel with");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(Math.max(1, len));
            MemorySegment.copy(buf, off, data, ValueLayout.JAVA_BYTE, 0, len);
            MemorySegment iov = a.allocate(IOVEC);
            MemorySegment msg = a.allocate(MSGHDR);
            long done = 0;
            boolean first = true;
            while (done < len) {
                iov.set(ADDRESS, 0, data.asSlice(done));
                iov.set(JAVA_LONG, 8, len - done);
                msg.set(ADDRESS, MSG_IOV, iov);
                msg.set(JAVA_LONG, MSG_IOVLEN, 1);
                if (first && fds.length > 0) {
                    long cl = CMSG_HDR + 4L * fds.length;
                    MemorySegment control = a.allocate(cmsgAlign(cl), 8);
                    control.set(JAVA_LONG, 0, cl);
                    control.set(JAVA_INT, CMSG_LEVEL, SOL_SOCKET);
                    control.set(JAVA_INT, CMSG_TYPE, SCM_RIGHTS);
                    for (int i = 0; i < fds.length; i++) control.set(JAVA_INT, CMSG_HDR + 4L * i, fds[i]);
                    msg.set(ADDRESS, MSG_CONTROL, control);
                    msg.set(JAVA_LONG, MSG_CONTROLLEN, cmsgAlign(cl));
                } else {
                    msg.set(ADDRESS, MSG_CONTROL, MemorySegment.NULL);
                    msg.set(JAVA_LONG, MSG_CONTROLLEN, 0);
                }
                msg.set(JAVA_INT, MSG_FLAGS, 0);
                done += call(a, "sendmsg", cs -> (long) SENDMSG.invokeExact(cs, fd, msg, MSG_NOSIGNAL));
                first = false;
            }
        }
    }
}
