package dev.ferry.block;

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
import java.nio.file.Path;

/**
 * Open-file-description locks ({@code fcntl(F_OFD_SETLK)}), the kind QEMU's file-posix driver
 * takes, on a descriptor of our own opened through the C library with the FFM API.
 *
 * <p>Why not {@code FileChannel.lock}: those are POSIX record locks owned by the process; they
 * vanish when any descriptor of the file in the JVM is closed, and two channels of one JVM on the
 * same file throw {@code OverlappingFileLockException} instead of conflicting. OFD locks belong to
 * this one open file description: two opens in one JVM conflict exactly as two processes do, and
 * QEMU, qemu-img and Ferry see each other. The descriptor is used only for locks (and hole
 * punching); I/O goes through a {@code FileChannel}.
 *
 * <p>Linux x86-64 and AArch64 share the {@code struct flock} layout and the command numbers used here.
 */
@SuppressWarnings("restricted") // native calls: the launcher and surefire pass --enable-native-access=ALL-UNNAMED
final class OfdLocks implements AutoCloseable {
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_RDLCK = 0;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    private static final long FLOCK_SIZE = 32; // short type, short whence, (pad), off_t start, off_t len, pid_t pid, (pad)

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle FCNTL;
    private static final MethodHandle FALLOCATE;
    private static final StructLayout CAPTURE;
    private static final VarHandle ERRNO;
    private static final Throwable UNAVAILABLE;

    static {
        MethodHandle open = null, close = null, fcntl = null, fallocate = null;
        StructLayout capture = null;
        VarHandle errno = null;
        Throwable why = null;
        try {
            String os = System.getProperty("os.name", "");
            String arch = System.getProperty("os.arch", "");
            if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64")))
                throw new UnsupportedOperationException("OFD locks are implemented for Linux on x86-64 and AArch64 only");
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            capture = Linker.Option.captureStateLayout();
            errno = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
            Linker.Option errnoOpt = Linker.Option.captureCallState("errno");
            open = linker.downcallHandle(libc.find("open").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                    Linker.Option.firstVariadicArg(2), errnoOpt);
            close = linker.downcallHandle(libc.find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            fcntl = linker.downcallHandle(libc.find("fcntl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                    Linker.Option.firstVariadicArg(2), errnoOpt);
            fallocate = linker.downcallHandle(libc.find("fallocate").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), errnoOpt);
        } catch (Throwable t) {
            why = t;
        }
        OPEN = open;
        CLOSE = close;
        FCNTL = fcntl;
        FALLOCATE = fallocate;
        CAPTURE = capture;
        ERRNO = errno;
        UNAVAILABLE = why;
    }

    private final int fd;
    private final Path path;
    private boolean closed;

    private OfdLocks(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /** Whether OFD locks can be used in this JVM; otherwise why not. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    static String unavailableReason() {
        return UNAVAILABLE == null ? "" : String.valueOf(UNAVAILABLE.getMessage());
    }

    /** Opens a descriptor of {@code path} for locks (read-write if {@code writable}, for hole punching). */
    static OfdLocks open(Path path, boolean writable) throws IOException {
        if (UNAVAILABLE != null) throw new IOException("OFD locks are unavailable: " + unavailableReason(), UNAVAILABLE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = arena.allocate(CAPTURE);
            MemorySegment name = arena.allocateFrom(path.toString());
            int fd = (int) OPEN.invokeExact(cs, name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
            if (fd < 0) throw new IOException("Could not open '" + path + "' for locking: errno " + errno(cs));
            return new OfdLocks(fd, path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static int errno(MemorySegment cs) {
        return (int) ERRNO.get(cs, 0L);
    }

    private int fcntl(int cmd, short type, long start, short[] typeOut) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = arena.allocate(CAPTURE);
            MemorySegment fl = arena.allocate(FLOCK_SIZE, 8);
            fl.set(ValueLayout.JAVA_SHORT, 0, type);
            fl.set(ValueLayout.JAVA_SHORT, 2, (short) 0); // SEEK_SET
            fl.set(ValueLayout.JAVA_LONG, 8, start);
            fl.set(ValueLayout.JAVA_LONG, 16, 1);
            fl.set(ValueLayout.JAVA_INT, 24, 0); // l_pid must be 0 for OFD locks
            int r = (int) FCNTL.invokeExact(cs, fd, cmd, fl);
            if (r < 0) return -errno(cs);
            if (typeOut != null) typeOut[0] = fl.get(ValueLayout.JAVA_SHORT, 0);
            return 0;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** Takes a shared lock on one byte; returns 0 or -errno. */
    int lockShared(long offset) throws IOException {
        return fcntl(F_OFD_SETLK, F_RDLCK, offset, null);
    }

    /** Releases our lock on one byte. */
    int unlock(long offset) throws IOException {
        return fcntl(F_OFD_SETLK, F_UNLCK, offset, null);
    }

    /** Whether another open file description holds any lock on the byte (an exclusive probe, as QEMU's). */
    boolean heldByOthers(long offset) throws IOException {
        short[] out = new short[1];
        int r = fcntl(F_OFD_GETLK, F_WRLCK, offset, out);
        if (r < 0) throw new IOException("Failed to test lock byte " + offset + " of '" + path + "': errno " + (-r));
        return out[0] != F_UNLCK;
    }

    /** Punches a hole (keeping the size); false where the file system cannot. */
    boolean punchHole(long offset, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = arena.allocate(CAPTURE);
            int r = (int) FALLOCATE.invokeExact(cs, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            return r == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            int r = (int) CLOSE.invokeExact(fd);
            if (r < 0) throw new IOException("close failed for the lock descriptor of '" + path + "'");
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
