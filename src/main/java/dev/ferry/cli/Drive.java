package dev.ferry.cli;

import java.util.Map;
import java.util.Optional;

/**
 * {@code -drive}: a block backend with its image, named {@code id} for {@code -device ...,drive=id}.
 * Ferry's virt machine has no PCI, so only {@code if=none} (attach with a virtio-mmio device) and
 * {@code if=pflash} exist.
 *
 * @param id       given, or QEMU's automatic name ({@code none0}, {@code pflash0})
 * @param file     the image (absent: an empty drive)
 * @param format   {@code format=} (absent: probe)
 * @param iface    the interface
 * @param index    the unit on that interface ({@code if=pflash}: flash bank 0 or 1)
 * @param media    disk or cdrom
 * @param nodeName {@code node-name=} of the format node
 * @param readOnly {@code readonly=on} (alias {@code read-only})
 * @param cache    {@code cache=}
 * @param snapshot {@code snapshot=on} (or the global {@code -snapshot})
 * @param options  every other block option given (aio, discard, detect-zeroes, werror, rerror,
 *                 cache.direct, file.locking, ...), in order
 */
public record Drive(String id, Optional<String> file, Optional<String> format, Interface iface, int index,
                    Media media, Optional<String> nodeName, boolean readOnly, CacheMode cache,
                    boolean snapshot, Map<String, String> options) {
    public Drive {
        options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
    }

    public enum Interface {
        NONE("none"), PFLASH("pflash");
        public final String spelling;
        Interface(String s) { spelling = s; }
    }

    public enum Media { DISK, CDROM }

    /** {@code cache=} as the three flags it stands for. */
    public enum CacheMode {
        WRITEBACK("writeback", true, false, false),
        WRITETHROUGH("writethrough", false, false, false),
        NONE("none", true, true, false),
        DIRECTSYNC("directsync", false, true, false),
        UNSAFE("unsafe", true, false, true);

        public final String spelling;
        /** The guest sees a volatile write cache (flushes matter). */
        public final boolean writeback;
        /** Bypass the host page cache (O_DIRECT). */
        public final boolean direct;
        /** Ignore flushes. */
        public final boolean noFlush;

        CacheMode(String s, boolean writeback, boolean direct, boolean noFlush) {
            this.spelling = s;
            this.writeback = writeback;
            this.direct = direct;
            this.noFlush = noFlush;
        }

        public static Optional<CacheMode> of(String s) {
            for (var c : values()) if (c.spelling.equals(s)) return Optional.of(c);
            return Optional.empty();
        }
    }
}
