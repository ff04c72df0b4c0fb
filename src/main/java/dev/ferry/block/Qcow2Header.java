package dev.ferry.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The qcow2 header (docs/interop/qcow2.txt, "Header" and "Header extensions"), parsed and
 * validated. Only the fixed fields are ever rewritten, each group with one write; the extension
 * area (including extensions Ferry does not know) is left as it is.
 */
final class Qcow2Header {
    static final int MAGIC = 0x514649fb; // "QFI\xfb"
    static final int V2_LENGTH = 72;
    static final int V3_MIN_LENGTH = 104;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;

    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xe2792aca;
    static final int EXT_FEATURE_TABLE = 0x6803f857;
    static final int EXT_BITMAPS = 0x23852875;
    static final int EXT_CRYPTO = 0x0537be77;
    static final int EXT_DATA_FILE = 0x44415441;

    static final long INCOMPAT_DIRTY = 1L;
    static final long INCOMPAT_CORRUPT = 1L << 1;
    static final long INCOMPAT_DATA_FILE = 1L << 2;
    static final long INCOMPAT_COMPRESSION = 1L << 3;
    static final long INCOMPAT_EXTL2 = 1L << 4;
    static final long COMPAT_LAZY_REFCOUNTS = 1L;
    static final long AUTOCLEAR_BITMAPS = 1L;

    // header field offsets that are rewritten
    static final int OFF_SIZE = 24;
    static final int OFF_L1 = 36;          // l1_size (4) + l1_table_offset (8)
    static final int OFF_REFTABLE = 48;    // refcount_table_offset (8) + refcount_table_clusters (4)
    static final int OFF_SNAPSHOTS = 60;   // nb_snapshots (4) + snapshots_offset (8)
    static final int OFF_INCOMPAT = 72;
    static final int OFF_AUTOCLEAR = 88;

    int version;
    long backingFileOffset;
    long backingFileSize;
    int clusterBits;
    long size;
    int cryptMethod;
    long l1Size;
    long l1TableOffset;
    long refcountTableOffset;
    long refcountTableClusters;
    long nbSnapshots;
    long snapshotsOffset;
    long incompatible;
    long compatible;
    long autoclear;
    int refcountOrder = 4;
    int headerLength = V2_LENGTH;
    int compressionType;
    String backingFile;
    String backingFormat;
    boolean bitmapsExtension;
    /** Feature names from the feature name table, keyed by "type:bit". */
    final Map<String, String> featureNames = new LinkedHashMap<>();

    int clusterSize() {
        return 1 << clusterBits;
    }

    static Qcow2Header read(ImageFile f) throws IOException {
        long len = f.length();
        if (len < V2_LENGTH) throw new CorruptImageException("qcow2 header is truncated (file of " + len + " bytes)");
        ByteBuffer b = ByteBuffer.allocate(V3_MIN_LENGTH);
        f.readZeroPadded(0, b);
        b.flip();
        Qcow2Header h = new Qcow2Header();
        if (b.getInt(0) != MAGIC) throw new UnsupportedImageException("Image is not in qcow2 format");
        h.version = b.getInt(4);
        if (h.version < 2 || h.version > 3)
            throw new UnsupportedImageException("Unsupported qcow2 version " + Integer.toUnsignedString(h.version));
        h.backingFileOffset = b.getLong(8);
        h.backingFileSize = Integer.toUnsignedLong(b.getInt(16));
        h.clusterBits = b.getInt(20);
        if (h.clusterBits < MIN_CLUSTER_BITS || h.clusterBits > MAX_CLUSTER_BITS)
            throw new UnsupportedImageException("Unsupported cluster size: 2^" + Integer.toUnsignedString(h.clusterBits));
        h.size = b.getLong(24);
        h.cryptMethod = b.getInt(32);
        h.l1Size = Integer.toUnsignedLong(b.getInt(36));
        h.l1TableOffset = b.getLong(40);
        h.refcountTableOffset = b.getLong(48);
        h.refcountTableClusters = Integer.toUnsignedLong(b.getInt(56));
        h.nbSnapshots = Integer.toUnsignedLong(b.getInt(60));
        h.snapshotsOffset = b.getLong(64);
        int cs = h.clusterSize();
        if (h.version >= 3) {
            if (len < V3_MIN_LENGTH) throw new CorruptImageException("qcow2 header is truncated (file of " + len + " bytes)");
            h.incompatible = b.getLong(72);
            h.compatible = b.getLong(80);
            h.autoclear = b.getLong(88);
            h.refcountOrder = b.getInt(96);
            h.headerLength = b.getInt(100);
            if (Integer.toUnsignedLong(h.headerLength) < V3_MIN_LENGTH)
                throw new CorruptImageException("qcow2 header too short");
            if (Integer.toUnsignedLong(h.headerLength) > cs)
                throw new CorruptImageException("qcow2 header exceeds cluster size");
            if (h.headerLength % 8 != 0)
                throw new CorruptImageException("qcow2 header length " + h.headerLength + " is not a multiple of 8");
        }
        if (len < Math.min(cs, h.headerLength))
            throw new CorruptImageException("qcow2 header is truncated (file of " + len + " bytes)");
        // the whole first cluster (header, extensions, backing file name)
        ByteBuffer c0 = ByteBuffer.allocate(cs);
        f.readZeroPadded(0, c0);
        c0.flip();
        if (h.version >= 3 && h.headerLength > V3_MIN_LENGTH) h.compressionType = c0.get(104) & 0xff;

        // extensions: from the end of the header up to the backing file name (or the cluster end)
        long extEnd = cs;
        if (h.backingFileOffset != 0) {
            if (h.backingFileOffset < 0 || h.backingFileOffset > cs)
                throw new CorruptImageException("Invalid backing file offset");
            extEnd = h.backingFileOffset;
        }
        int p = h.headerLength;
        boolean seenBackingFormat = false;
        while (p + 8 <= extEnd) {
            int type = c0.getInt(p);
            long elen = Integer.toUnsignedLong(c0.getInt(p + 4));
            if (type == EXT_END) break;
            if (elen > extEnd - p - 8)
                throw new CorruptImageException("Header extension 0x" + Integer.toHexString(type) + " too large");
            int data = p + 8;
            switch (type) {
                case EXT_BACKING_FORMAT -> {
                    if (elen >= 16) throw new CorruptImageException("Backing file format name too long (" + elen + " bytes)");
                    if (seenBackingFormat) throw new CorruptImageException("Duplicate backing file format header extension");
                    seenBackingFormat = true;
                    byte[] s = new byte[(int) elen];
                    c0.get(data, s);
                    h.backingFormat = new String(s, StandardCharsets.UTF_8);
                }
                case EXT_FEATURE_TABLE -> {
                    for (int e = data; e + 48 <= data + elen; e += 48) {
                        int ftype = c0.get(e) & 0xff;
                        int bit = c0.get(e + 1) & 0xff;
                        byte[] name = new byte[46];
                        c0.get(e + 2, name);
                        int n = 0;
                        while (n < 46 && name[n] != 0) n++;
                        h.featureNames.put(ftype + ":" + bit, new String(name, 0, n, StandardCharsets.UTF_8));
                    }
                }
                case EXT_BITMAPS -> h.bitmapsExtension = true;
                default -> {
                    // unknown (or unused here) extension: ignored, and kept as it is in the file
                }
            }
            p = (int) (data + ((elen + 7) & ~7L));
        }

        if (h.backingFileOffset != 0) {
            if (h.backingFileSize > 1023) throw new CorruptImageException("Backing file name too long");
            if (h.backingFileOffset + h.backingFileSize > cs)
                throw new CorruptImageException("Invalid backing file offset");
            byte[] s = new byte[(int) h.backingFileSize];
            c0.get((int) h.backingFileOffset, s);
            h.backingFile = new String(s, StandardCharsets.UTF_8);
            if (h.backingFile.isEmpty()) h.backingFile = null;
        }
        h.validateFeatures();
        return h;
    }

    private String featureName(int type, int bit, String fallback) {
        String n = featureNames.get(type + ":" + bit);
        return n != null && !n.isEmpty() ? n : fallback;
    }

    private void validateFeatures() throws BlockException {
        if (cryptMethod != 0)
            throw new UnsupportedImageException("qcow2 encryption (crypt_method " + Integer.toUnsignedString(cryptMethod)
                    + ") is not supported by Ferry");
        long known = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_COMPRESSION;
        long unknown = incompatible & ~known;
        if (unknown != 0) {
            StringBuilder sb = new StringBuilder();
            for (int bit = 0; bit < 64; bit++) {
                if ((unknown & (1L << bit)) == 0) continue;
                if (!sb.isEmpty()) sb.append(", ");
                String fallback = switch (bit) {
                    case 2 -> "external data file";
                    case 4 -> "extended L2 entries";
                    default -> "Unknown incompatible feature: " + Long.toHexString(1L << bit);
                };
                sb.append(featureName(0, bit, fallback));
            }
            throw new UnsupportedImageException("Unsupported qcow2 feature(s): " + sb);
        }
        if ((incompatible & INCOMPAT_COMPRESSION) != 0) {
            if (compressionType == 0)
                throw new CorruptImageException("qcow2: Compression type incompatible feature bit must not be set when compression type is zlib");
            if (compressionType == 1)
                throw new UnsupportedImageException("qcow2 compression type zstd is not supported by Ferry (only zlib, QEMU's default)");
            throw new UnsupportedImageException("qcow2: unknown compression type: " + compressionType);
        } else if (compressionType != 0) {
            throw new CorruptImageException("qcow2: Invalid compression type " + compressionType
                    + " without the compression type incompatible feature bit");
        }
        if (Integer.toUnsignedLong(refcountOrder) > 6)
            throw new UnsupportedImageException("Reference count entry width too large; may not exceed 64 bits");
        if (version == 2 && refcountOrder != 4)
            throw new CorruptImageException("qcow2 version 2 image with refcount order " + refcountOrder);
        if (size < 0) throw new UnsupportedImageException("Image is too big");
    }

    /** Bytes 0..103 (or 0..71 for version 2) of a new header, with {@code header_length} 112 for version 3. */
    static ByteBuffer encodeNew(int version, int clusterBits, long size, int refcountOrder, long incompatible,
                                long compatible) {
        int len = version >= 3 ? 112 : V2_LENGTH;
        ByteBuffer b = ByteBuffer.allocate(len);
        b.putInt(0, MAGIC);
        b.putInt(4, version);
        b.putInt(20, clusterBits);
        b.putLong(24, size);
        if (version >= 3) {
            b.putLong(72, incompatible);
            b.putLong(80, compatible);
            b.putInt(96, refcountOrder);
            b.putInt(100, len);
        }
        return b;
    }
}
