package dev.ferry.block;

import java.util.Optional;

/**
 * What {@link Qcow2Image#create} makes (QEMU's {@code qemu-img create -f qcow2} options).
 *
 * @param size          virtual size in bytes (rounded up to 512); negative: the backing file's size
 * @param clusterSize   a power of two from 512 to 2 MiB (default 64 KiB)
 * @param version       2 ({@code compat=0.10}) or 3 ({@code compat=1.1}, default)
 * @param refcountBits  1, 2, 4, 8, 16 (default), 32 or 64; version 2 needs 16
 * @param backingFile   the backing file name as stored (relative names are relative to the new image's directory)
 * @param backingFormat the backing file's format; empty: probed and recorded
 */
public record Qcow2CreateOptions(long size, int clusterSize, int version, int refcountBits,
                                 Optional<String> backingFile, Optional<String> backingFormat) {

    public static Qcow2CreateOptions of(long size) {
        return new Qcow2CreateOptions(size, 65536, 3, 16, Optional.empty(), Optional.empty());
    }

    public Qcow2CreateOptions withClusterSize(int cs) {
        return new Qcow2CreateOptions(size, cs, version, refcountBits, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withVersion(int v) {
        return new Qcow2CreateOptions(size, clusterSize, v, refcountBits, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withRefcountBits(int bits) {
        return new Qcow2CreateOptions(size, clusterSize, version, bits, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withBacking(String file, String format) {
        return new Qcow2CreateOptions(size, clusterSize, version, refcountBits, Optional.ofNullable(file),
                Optional.ofNullable(format));
    }
}
