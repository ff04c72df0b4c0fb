package dev.ferry.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Opening images: format probing, permissions and locks, backing chains. */
public final class Images {
    private Images() {
    }

    private static final AtomicLong NODE_COUNTER = new AtomicLong();

    /** Deepest backing chain followed before giving up (a guard against loops through links). */
    static final int MAX_BACKING_DEPTH = 1000;

    /** QEMU's warning when a raw format was probed (its {@code warn_report} text, without prefix). */
    public static String rawProbeWarning(String filename) {
        return "Image format was not specified for '" + filename + "' and probing guessed raw.\n"
                + "         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n"
                + "         Specify the 'raw' format explicitly to remove the restrictions.";
    }

    /** Opens an image as a device would: probing the format when not given, locking it as QEMU does. */
    public static BlockDriver open(Path path, OpenOptions options) throws IOException {
        return open(path, options, Role.DEVICE, new HashSet<>());
    }

    /** Who holds the node, which decides the permissions taken (QEMU's defaults for each). */
    enum Role { DEVICE, BACKING }

    static BlockDriver open(Path path, OpenOptions o, Role role, Set<Path> chain) throws IOException {
        if (o.forceShare() && !o.readOnly())
            throw new BlockException("force-share=on can only be used with read-only images");
        if (o.nodeName().isPresent() && !validNodeName(o.nodeName().get()))
            throw new BlockException("Invalid node-name: '" + o.nodeName().get() + "'");
        String nodeName = o.nodeName().orElseGet(Images::generateNodeName);
        String format = o.format().orElse(null);
        boolean probed = false;
        if (format == null) {
            format = probe(path);
            probed = true;
        }
        if (!format.equals("raw") && !format.equals("qcow2"))
            throw new UnsupportedImageException("Unknown driver '" + format + "'");
        boolean qcow2 = format.equals("qcow2");
        if (probed && !qcow2 && role == Role.DEVICE) o.warnings().accept(rawProbeWarning(path.toString()));

        EnumSet<ImageFile.Perm> perm = EnumSet.of(ImageFile.Perm.CONSISTENT_READ);
        EnumSet<ImageFile.Perm> unshared = EnumSet.noneOf(ImageFile.Perm.class);
        if (!o.forceShare()) {
            if (role == Role.BACKING || qcow2) {
                unshared.add(ImageFile.Perm.WRITE);
                unshared.add(ImageFile.Perm.RESIZE);
            } else {
                unshared.add(ImageFile.Perm.WRITE);
            }
            if (!o.readOnly()) {
                perm.add(ImageFile.Perm.WRITE);
                if (qcow2) perm.add(ImageFile.Perm.RESIZE);
            }
        }
        ImageFile file = ImageFile.open(path, !o.readOnly(), o.locking(), o.warnings());
        file.noFlush = o.noFlush();
        try {
            if (qcow2) return Qcow2Image.open(file, nodeName, o, perm, unshared, chain);
            return new RawImage(file, nodeName, o.readOnly(), probed && role == Role.DEVICE, perm, unshared, o.inactive());
        } catch (IOException | RuntimeException e) {
            try {
                file.close();
            } catch (IOException s) {
                e.addSuppressed(s);
            }
            throw e;
        }
    }

    /** The format of an image by its first bytes: {@code qcow2} for the qcow2 magic, else {@code raw}. */
    public static String probe(Path path) throws IOException {
        ImageFile f = ImageFile.open(path, false, OpenOptions.Locking.OFF, s -> { });
        try (f) {
            ByteBuffer head = ByteBuffer.allocate(512);
            int n = f.readZeroPadded(0, head);
            byte[] b = head.array();
            if (n >= 8 && (b[0] & 0xff) == 'Q' && (b[1] & 0xff) == 'F' && (b[2] & 0xff) == 'I' && (b[3] & 0xff) == 0xfb) {
                int version = ByteBuffer.wrap(b, 4, 4).getInt();
                if (version == 1) throw new UnsupportedImageException("'" + path + "' is a qcow (version 1) image, which Ferry does not support");
            }
            return looksLikeQcow2(b, n) ? "qcow2" : "raw";
        }
    }

    static boolean looksLikeQcow2(byte[] b, int n) {
        if (n < 8) return false;
        if ((b[0] & 0xff) != 'Q' || (b[1] & 0xff) != 'F' || (b[2] & 0xff) != 'I' || (b[3] & 0xff) != 0xfb) return false;
        int version = ((b[4] & 0xff) << 24) | ((b[5] & 0xff) << 16) | ((b[6] & 0xff) << 8) | (b[7] & 0xff);
        return version >= 2;
    }

    /** QEMU's rule for node names: a letter, then letters, digits, '-', '.', '_'; at most 31 characters. */
    static boolean validNodeName(String n) {
        if (n.isEmpty() || n.length() > 31 || !Character.isLetter(n.charAt(0)) || n.charAt(0) > 127) return false;
        for (int i = 1; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c > 127 || !(Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_')) return false;
        }
        return true;
    }

    /** A QEMU-style automatic node name: {@code #block} then a counter and two random digits. */
    static String generateNodeName() {
        return "#block" + NODE_COUNTER.getAndIncrement() + String.format("%02d", ThreadLocalRandom.current().nextInt(100));
    }
}
