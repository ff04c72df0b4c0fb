package dev.ferry.block;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * The host file under a format driver (QEMU's {@code file} protocol node): positional I/O on a
 * {@link FileChannel}, and QEMU's image locking.
 *
 * <p>Locking follows QEMU's file-posix protocol: for each permission bit {@code i} the node holds,
 * a shared OFD lock on byte {@code 100 + i}; for each permission it does not share with others, a
 * shared OFD lock on byte {@code 200 + i}. Before holding a permission, the byte {@code 200 + i}
 * must not be locked by anyone else (else {@code Failed to get "write" lock}); before refusing to
 * share one, byte {@code 100 + i} must not be (else {@code Failed to get shared "write" lock}).
 */
final class ImageFile implements AutoCloseable {

    /** QEMU's block permissions, in bit order (QEMU 7.2 has these four). */
    enum Perm {
        CONSISTENT_READ("consistent read"), WRITE("write"), WRITE_UNCHANGED("write unchanged"), RESIZE("resize");
        final String qemuName;

        Perm(String n) {
            qemuName = n;
        }
    }

    static final int LOCK_PERM_BASE = 100;
    static final int LOCK_SHARED_BASE = 200;

    final Path path;
    final boolean writable;
    private final FileChannel ch;
    private final OfdLocks locks; // null: locking off
    private long length;
    /** QEMU's cache.no-flush: fdatasync never happens. */
    boolean noFlush;
    private final EnumSet<Perm> heldPerm = EnumSet.noneOf(Perm.class);
    private final EnumSet<Perm> heldUnshared = EnumSet.noneOf(Perm.class);

    private ImageFile(Path path, boolean writable, FileChannel ch, OfdLocks locks) throws IOException {
        this.path = path;
        this.writable = writable;
        this.ch = ch;
        this.locks = locks;
        this.length = ch.size();
    }

    static ImageFile open(Path path, boolean writable, OpenOptions.Locking locking, java.util.function.Consumer<String> warn)
            throws IOException {
        FileChannel ch;
        try {
            ch = writable ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new BlockException("Could not open '" + path + "': No such file or directory", e);
        } catch (AccessDeniedException e) {
            throw new BlockException("Could not open '" + path + "': Permission denied", e);
        }
        OfdLocks locks = null;
        try {
            if (locking != OpenOptions.Locking.OFF) {
                if (OfdLocks.available()) {
                    locks = OfdLocks.open(path, writable);
                } else if (locking == OpenOptions.Locking.ON) {
                    throw new BlockException("Failed to lock '" + path + "': OFD locks are not available ("
                            + OfdLocks.unavailableReason() + ")");
                }
            }
            return new ImageFile(path, writable, ch, locks);
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (locks != null) locks.close();
            throw e;
        }
    }

    /** Creates (or opens) a file to write a new image into; it is not truncated here. */
    static ImageFile create(Path path, OpenOptions.Locking locking) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
        } catch (NoSuchFileException e) {
            throw new BlockException("Could not create '" + path + "': No such file or directory", e);
        } catch (AccessDeniedException e) {
            throw new BlockException("Could not create '" + path + "': Permission denied", e);
        }
        OfdLocks locks = null;
        try {
            if (locking != OpenOptions.Locking.OFF && OfdLocks.available()) locks = OfdLocks.open(path, true);
            return new ImageFile(path, true, ch, locks);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    long length() {
        return length;
    }

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code pos}; the part past the end of the file
     * reads as zeros. Returns how many bytes came from the file.
     */
    int readZeroPadded(long pos, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        int got = 0;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos + got);
            if (n < 0) break;
            got += n;
        }
        while (dst.hasRemaining()) dst.put((byte) 0);
        return Math.min(got, want);
    }

    /** Reads exactly {@code dst.remaining()} bytes at {@code pos}, or throws at end of file. */
    void readFully(long pos, ByteBuffer dst) throws IOException {
        long p = pos;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) throw new EOFException("unexpected end of '" + path + "' at offset " + p);
            p += n;
        }
    }

    void writeFully(long pos, ByteBuffer src) throws IOException {
        if (!writable) throw new BlockException("Image '" + path + "' is read-only");
        long p = pos;
        while (src.hasRemaining()) p += ch.write(src, p);
        if (p > length) length = p;
    }

    void truncate(long newLength) throws IOException {
        if (newLength < length) ch.truncate(newLength);
        else if (newLength > length) ch.write(ByteBuffer.allocate(1), newLength - 1);
        length = newLength;
    }

    void flush() throws IOException {
        if (writable && !noFlush) ch.force(false);
    }

    /** Deallocates a range inside the file (reads back as zeros); false where that is impossible. */
    boolean punchHole(long pos, long len) {
        if (!writable || locks == null || len <= 0) return false;
        return locks.punchHole(pos, len);
    }

    /**
     * The file length, re-read first when {@code end} lies past the known one (another process
     * may have grown the file while we share it read-only).
     */
    long lengthCovering(long end) throws IOException {
        if (end > length) length = ch.size();
        return length;
    }

    /** Re-reads the file length (after another process may have written it). */
    void refreshLength() throws IOException {
        length = ch.size();
    }

    /**
     * Holds {@code perm} and shares everything but {@code unshared}, as QEMU's file-posix does:
     * first locks the bytes, then checks nobody conflicts, and on conflict goes back to what it
     * held before.
     */
    synchronized void setPermissions(Set<Perm> perm, Set<Perm> unshared) throws IOException {
        if (locks == null) {
            heldPerm.clear();
            heldPerm.addAll(perm);
            heldUnshared.clear();
            heldUnshared.addAll(unshared);
            return;
        }
        EnumSet<Perm> oldPerm = union(heldPerm, Set.of());
        EnumSet<Perm> oldUnshared = union(heldUnshared, Set.of());
        try {
            apply(union(oldPerm, perm), union(oldUnshared, unshared));
            for (Perm p : Perm.values()) {
                if (perm.contains(p) && locks.heldByOthers(LOCK_SHARED_BASE + p.ordinal()))
                    throw new ImageLockException("Failed to get \"" + p.qemuName + "\" lock\n"
                            + "Is another process using the image [" + path + "]?");
            }
            for (Perm p : Perm.values()) {
                if (unshared.contains(p) && locks.heldByOthers(LOCK_PERM_BASE + p.ordinal()))
                    throw new ImageLockException("Failed to get shared \"" + p.qemuName + "\" lock\n"
                            + "Is another process using the image [" + path + "]?");
            }
        } catch (IOException e) {
            try {
                apply(oldPerm, oldUnshared);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        apply(perm, unshared);
    }

    private static EnumSet<Perm> union(Set<Perm> a, Set<Perm> b) {
        EnumSet<Perm> r = EnumSet.noneOf(Perm.class);
        r.addAll(a);
        r.addAll(b);
        return r;
    }

    private void apply(Set<Perm> perm, Set<Perm> unshared) throws IOException {
        for (Perm p : Perm.values()) {
            applyByte(LOCK_PERM_BASE + p.ordinal(), heldPerm, p, perm.contains(p));
            applyByte(LOCK_SHARED_BASE + p.ordinal(), heldUnshared, p, unshared.contains(p));
        }
    }

    private void applyByte(int offset, EnumSet<Perm> held, Perm p, boolean want) throws IOException {
        if (want && !held.contains(p)) {
            int r = locks.lockShared(offset);
            if (r < 0) throw new ImageLockException("Failed to lock byte " + offset + "\n"
                    + "Is another process using the image [" + path + "]?");
            held.add(p);
        } else if (!want && held.contains(p)) {
            locks.unlock(offset);
            held.remove(p);
        }
    }

    /** Drops every lock (as an inactive node or a closing one does). */
    void releaseLocks() throws IOException {
        setPermissions(EnumSet.noneOf(Perm.class), EnumSet.noneOf(Perm.class));
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        try {
            ch.close();
        } catch (IOException e) {
            first = e;
        }
        if (locks != null) {
            try {
                locks.close(); // closing the descriptor drops its OFD locks
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
