package dev.ferry.cpu.fpu;

/**
 * Accrued IEEE 754 exception flags, laid out as the RISC-V {@code fflags} field
 * ({@link Fp#NX}, {@link Fp#UF}, {@link Fp#OF}, {@link Fp#DZ}, {@link Fp#NV}).
 *
 * <p>The operations in {@link Fp} only ever OR bits into {@link #flags}; clearing and
 * copying into {@code fcsr} is the caller's business. One instance per hart is enough.
 */
public final class FpFlags {
    /** Accrued flags, bits as in {@code fflags}. */
    public int flags;

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if ((flags & Fp.NV) != 0) sb.append("NV ");
        if ((flags & Fp.DZ) != 0) sb.append("DZ ");
        if ((flags & Fp.OF) != 0) sb.append("OF ");
        if ((flags & Fp.UF) != 0) sb.append("UF ");
        if ((flags & Fp.NX) != 0) sb.append("NX ");
        return sb.isEmpty() ? "-" : sb.toString().trim();
    }
}
