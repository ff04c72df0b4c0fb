package dev.ferry.block;

import dev.ferry.os.Posix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Open-file-description locks ({@code fcntl(F_OFD_SETLK)}), the kind QEMU's file-posix driver
 * takes, on a descriptor of our own opened through the C library ({@link Posix}).
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
final class OfdLocks implements AutoCloseable {
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_RDLCK = 0;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    private static final long FLOCK_SIZE = 32; // short type, short whence, (pad), off_t start, off_t len, pid_t pid, (pad)

    private final int fd;
    private final Path path;
    private boolean closed;

    private OfdLocks(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /** Whether OFD locks can be used in this JVM; otherwise why not. */
    static boolean available() {
        return Posix.available();
    }

    static String unavailableReason() {
        return Posix.unavailableReason();
    }

    /** Opens a descriptor of {@code path} for locks (read-write if {@code writable}, for hole punching). */
    static OfdLocks open(Path path, boolean writable) throws IOException {
        if (!available()) throw new IOException("OFD locks are unavailable: " + unavailableReason());
        try {
            return new OfdLocks(Posix.open(path, writable ? Posix.O_RDWR : Posix.O_RDONLY), path);
        } catch (Posix.ErrnoException e) {
            throw new IOException("Could not open '" + path + "' for locking: errno " + e.errno, e);
        }
    }

    /** One fcntl lock command on the byte at {@code start}; returns 0 or -errno. */
    private int fcntl(int cmd, short type, long start, short[] typeOut) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fl = arena.allocate(FLOCK_SIZE, 8);
            fl.set(ValueLayout.JAVA_SHORT, 0, type);
            fl.set(ValueLayout.JAVA_SHORT, 2, (short) 0); // SEEK_SET
            fl.set(ValueLayout.JAVA_LONG, 8, start);
            fl.set(ValueLayout.JAVA_LONG, 16, 1);
            fl.set(ValueLayout.JAVA_INT, 24, 0); // l_pid must be 0 for OFD locks
            try {
                Posix.fcntl(fd, cmd, fl);
            } catch (Posix.ErrnoException e) {
                return -e.errno;
            }
            if (typeOut != null) typeOut[0] = fl.get(ValueLayout.JAVA_SHORT, 0);
            return 0;
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
        try {
            Posix.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            Posix.close(fd);
        } catch (IOException e) {
            throw new IOException("close failed for the lock descriptor of '" + path + "'", e);
        }
    }
}
