package dev.ferry.block;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * How to open an image.
 *
 * @param format      {@code raw} or {@code qcow2}; empty: probe (qcow2 magic, else raw with QEMU's warning)
 * @param readOnly    open read-only
 * @param nodeName    the node name; empty: a generated {@code #blockNNN}
 * @param locking     image locking (QEMU's {@code file.locking})
 * @param forceShare  QEMU's {@code force-share} / {@code qemu-img -U}: share every permission (read-only only)
 * @param warnings    where warnings go (QEMU's text, without a program-name prefix)
 * @param noFlush     QEMU's {@code cache.no-flush} ({@code cache=unsafe}): never fdatasync; a host
 *                    crash may then leave the image inconsistent
 * @param inactive    open the node inactive (QEMU's {@code BDRV_O_INACTIVE}, what {@code -incoming}
 *                    does): no lock taken and only the header read, so the process that owns the
 *                    image (a migration's source) may keep writing it; {@link BlockDriver#activate()}
 *                    takes the lock and loads the metadata
 */
public record OpenOptions(Optional<String> format, boolean readOnly, Optional<String> nodeName,
                          Locking locking, boolean forceShare, Consumer<String> warnings, boolean noFlush,
                          boolean inactive) {

    /** Options of an active node. */
    public OpenOptions(Optional<String> format, boolean readOnly, Optional<String> nodeName, Locking locking,
                       boolean forceShare, Consumer<String> warnings, boolean noFlush) {
        this(format, readOnly, nodeName, locking, forceShare, warnings, noFlush, false);
    }

    /** QEMU's {@code file.locking}: {@code auto} is {@code on} where OFD locks exist and off elsewhere. */
    public enum Locking { ON, OFF, AUTO }

    public static OpenOptions defaults() {
        return new OpenOptions(Optional.empty(), false, Optional.empty(), Locking.AUTO, false,
                msg -> System.err.println("warning: " + msg), false);
    }

    public OpenOptions withFormat(String f) {
        return new OpenOptions(Optional.ofNullable(f), readOnly, nodeName, locking, forceShare, warnings, noFlush, inactive);
    }

    public OpenOptions withReadOnly(boolean ro) {
        return new OpenOptions(format, ro, nodeName, locking, forceShare, warnings, noFlush, inactive);
    }

    public OpenOptions withNodeName(String n) {
        return new OpenOptions(format, readOnly, Optional.ofNullable(n), locking, forceShare, warnings, noFlush, inactive);
    }

    public OpenOptions withLocking(Locking l) {
        return new OpenOptions(format, readOnly, nodeName, l, forceShare, warnings, noFlush, inactive);
    }

    public OpenOptions withForceShare(boolean fs) {
        return new OpenOptions(format, readOnly, nodeName, locking, fs, warnings, noFlush, inactive);
    }

    public OpenOptions withWarnings(Consumer<String> w) {
        return new OpenOptions(format, readOnly, nodeName, locking, forceShare, w, noFlush, inactive);
    }

    public OpenOptions withNoFlush(boolean nf) {
        return new OpenOptions(format, readOnly, nodeName, locking, forceShare, warnings, nf, inactive);
    }

    public OpenOptions withInactive(boolean in) {
        return new OpenOptions(format, readOnly, nodeName, locking, forceShare, warnings, noFlush, in);
    }
}
