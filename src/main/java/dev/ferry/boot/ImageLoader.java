package dev.ferry.boot;

import dev.ferry.memory.AddressSpace;
import dev.ferry.memory.RamBlock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads firmware, kernels and initrds into guest RAM the way QEMU's RISC-V boot code does:
 * ELF images at their physical load addresses, anything else raw at a given address.
 */
public final class ImageLoader {
    private ImageLoader() {}

    /** Raised for images that cannot be loaded, with a message fit for the user. */
    public static final class BootException extends Exception {
        public BootException(String msg) {
            super(msg);
        }
    }

    static boolean isElf(byte[] b) {
        return b.length >= 64 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    public static byte[] read(Path p, String what) throws BootException {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new BootException("could not load " + what + " '" + p + "'");
        }
    }

    /** Loads an ELF (at its segments' physical addresses) or a raw image at {@code rawAddress}. */
    public static LoadedImage load(AddressSpace as, byte[] image, long rawAddress, String what) throws BootException {
        if (isElf(image)) return loadElf(as, image, what);
        place(as, rawAddress, image, 0, image.length, what);
        return new LoadedImage(rawAddress, rawAddress + image.length, rawAddress);
    }

    /** Copies bytes into RAM (or ROM), refusing anything outside RAM. */
    public static void place(AddressSpace as, long addr, byte[] src, int off, int len, String what) throws BootException {
        RamBlock b = as.ramAt(addr);
        if (b == null || Long.compareUnsigned(addr - b.base() + len, b.size()) > 0)
            throw new BootException(what + " does not fit in memory at 0x" + Long.toHexString(addr)
                    + " (" + len + " bytes); try a larger -m");
        byte[] chunk = off == 0 && len == src.length ? src : java.util.Arrays.copyOfRange(src, off, off + len);
        b.load(addr - b.base(), chunk);
    }

    static LoadedImage loadElf(AddressSpace as, byte[] img, String what) throws BootException {
        ByteBuffer bb = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        if (img[4] != 2) throw new BootException(what + ": only 64-bit ELF images are supported");
        if (img[5] != 1) throw new BootException(what + ": not a little-endian ELF image");
        int machine = bb.getShort(18) & 0xffff;
        if (machine != 243) throw new BootException(what + ": ELF image is not for RISC-V (e_machine " + machine + ")");
        long entry = bb.getLong(24);
        long phoff = bb.getLong(32);
        int phentsize = bb.getShort(54) & 0xffff, phnum = bb.getShort(56) & 0xffff;
        if (phoff < 0 || phentsize < 56 || phoff + (long) phentsize * phnum > img.length)
            throw new BootException(what + ": ELF program headers lie outside the file");
        long lo = Long.MAX_VALUE, hi = 0;
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (bb.getInt(ph) != 1) continue; // PT_LOAD
            long offset = bb.getLong(ph + 8), paddr = bb.getLong(ph + 24);
            long filesz = bb.getLong(ph + 32), memsz = bb.getLong(ph + 40);
            if (offset < 0 || filesz < 0 || offset + filesz > img.length || memsz < filesz || memsz > Integer.MAX_VALUE)
                throw new BootException(what + ": ELF segment " + i + " is malformed");
            place(as, paddr, img, (int) offset, (int) filesz, what);
            if (memsz > filesz) place(as, paddr + filesz, new byte[(int) (memsz - filesz)], 0, (int) (memsz - filesz), what);
            lo = Math.min(lo, paddr);
            hi = Math.max(hi, paddr + memsz);
        }
        if (hi == 0) throw new BootException(what + ": ELF image has no loadable segment");
        return new LoadedImage(lo, hi, entry);
    }
}
