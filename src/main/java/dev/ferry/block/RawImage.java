package dev.ferry.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;

/**
 * A raw image: the virtual disk is the file, byte for byte.
 *
 * <p>When the format was probed rather than given, writes that would make sector 0 look like
 * another format (a qcow2 header) are refused, as QEMU restricts them.
 */
public final class RawImage implements BlockDriver {
    private final ImageFile file;
    private final String nodeName;
    private final boolean readOnly;
    private final boolean probed;
    private final Set<ImageFile.Perm> perm;
    private final Set<ImageFile.Perm> unshared;
    private boolean active = true;
    private boolean closed;

    /** With {@code inactive}, no lock is taken until {@link #activate()}. */
    RawImage(ImageFile file, String nodeName, boolean readOnly, boolean probed,
             Set<ImageFile.Perm> perm, Set<ImageFile.Perm> unshared, boolean inactive) throws IOException {
        this.file = file;
        this.nodeName = nodeName;
        this.readOnly = readOnly;
        this.probed = probed;
        this.perm = perm;
        this.unshared = unshared;
        if (inactive) active = false;
        else file.setPermissions(perm, unshared);
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public String formatName() {
        return "raw";
    }

    @Override
    public Path path() {
        return file.path;
    }

    @Override
    public synchronized long size() {
        return file.length();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    private void check(long offset, long len, boolean write) throws BlockException {
        if (closed) throw new BlockException("Node '" + nodeName + "' is closed");
        if (!active) throw new BlockException("Node '" + nodeName + "' is inactive (migrated away)");
        if (write && readOnly) throw new BlockException("Block node '" + nodeName + "' is read-only");
        if (offset < 0 || len < 0 || offset > file.length() - len)
            throw new BlockException("Request [" + offset + ", +" + len + ") is outside the image '"
                    + file.path + "' of " + file.length() + " bytes");
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        check(offset, dst.remaining(), false);
        file.readZeroPadded(offset, dst);
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        check(offset, src.remaining(), true);
        if (probed && offset < 512 && src.hasRemaining()) refuseFormatChange(offset, src);
        file.writeFully(offset, src);
    }

    private void refuseFormatChange(long offset, ByteBuffer src) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(512, file.length()));
        file.readZeroPadded(0, head);
        ByteBuffer s = src.duplicate();
        for (long p = offset; p < head.capacity() && s.hasRemaining(); p++) head.put((int) p, s.get());
        if (Images.looksLikeQcow2(head.array(), head.capacity()))
            throw new BlockException("Write to sector 0 of '" + file.path + "' refused: the image's format was "
                    + "probed as raw and the write would make it probe as qcow2 (Operation not permitted)");
    }

    @Override
    public synchronized void flush() throws IOException {
        if (closed || !active || readOnly) return;
        file.flush();
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        check(offset, length, true);
        file.punchHole(offset, length); // advisory: nothing to do where holes are impossible
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) throws IOException {
        check(offset, length, true);
        if (length == 0) return;
        if (!file.punchHole(offset, length)) {
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(zeros.capacity(), length - done);
                zeros.clear().limit(n);
                file.writeFully(offset + done, zeros);
                done += n;
            }
        }
    }

    @Override
    public synchronized void resize(long newSize) throws IOException {
        check(0, 0, true);
        if (newSize < 0) throw new BlockException("Invalid size " + newSize);
        file.truncate(newSize);
    }

    @Override
    public synchronized void inactivate() throws IOException {
        if (!active || closed) return;
        flush();
        file.releaseLocks();
        active = false;
    }

    @Override
    public synchronized void activate() throws IOException {
        if (active || closed) return;
        file.setPermissions(perm, unshared);
        file.refreshLength();
        active = true;
    }

    @Override
    public synchronized boolean isActive() {
        return active;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        try {
            if (active && !readOnly) file.flush();
        } finally {
            closed = true;
            file.close();
        }
    }

    @Override
    public String toString() {
        return "raw:" + file.path;
    }
}
