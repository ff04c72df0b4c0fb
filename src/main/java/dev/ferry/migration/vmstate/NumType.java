package dev.ferry.migration.vmstate;

/** The integer wire types (QEMU's basic VMStateInfos) and their big-endian encodings. */
enum NumType {
    INT8("int8", 1, true),
    UINT8("uint8", 1, false),
    INT16("int16", 2, true),
    UINT16("uint16", 2, false),
    INT32("int32", 4, true),
    UINT32("uint32", 4, false),
    INT64("int64", 8, true),
    UINT64("uint64", 8, false),
    BOOL("bool", 1, false);

    final String qemuName;
    final int size;
    final boolean signed;

    NumType(String qemuName, int size, boolean signed) {
        this.qemuName = qemuName;
        this.size = size;
        this.signed = signed;
    }

    /** QEMU's name of the "_equal" variant (QEMU names the uint64 one "int64 equal"). */
    String equalName() {
        return this == UINT64 ? "int64 equal" : qemuName + " equal";
    }

    /**
     * Checks a value about to be saved fits the wire size in either its signed or unsigned
     * reading (a uint8 held in a Java byte is -128..127; an int8 held in an int may be 0..255).
     */
    void checkRange(long v) throws VMStateException {
        boolean ok = switch (size) {
            case 1 -> this == BOOL ? (v == 0 || v == 1) : (v >= -0x80 && v <= 0xFF);
            case 2 -> v >= -0x8000 && v <= 0xFFFF;
            case 4 -> v >= Integer.MIN_VALUE && v <= 0xFFFF_FFFFL;
            default -> true;
        };
        if (!ok) throw new VMStateException("value " + v + " out of range for " + qemuName);
    }

    /** The value as a loader hands it out: sign- or zero-extended from the wire size. */
    long canonical(long v) {
        return switch (size) {
            case 1 -> signed ? (byte) v : v & 0xFF;
            case 2 -> signed ? (short) v : v & 0xFFFF;
            case 4 -> signed ? (int) v : v & 0xFFFF_FFFFL;
            default -> v;
        };
    }

    void put(VMStateWriter w, long v) throws VMStateException {
        switch (size) {
            case 1 -> w.putByte((int) v);
            case 2 -> w.putBe16((int) v);
            case 4 -> w.putBe32((int) v);
            default -> w.putBe64(v);
        }
    }

    long get(VMStateReader r) throws VMStateException {
        long v = switch (size) {
            case 1 -> r.getByte();
            case 2 -> r.getBe16();
            case 4 -> r.getBe32();
            default -> r.getBe64();
        };
        if (this == BOOL && v > 1) throw new VMStateException("invalid bool value " + v);
        return canonical(v);
    }

    String hex(long v) {
        return "0x" + Long.toHexString(size == 8 ? v : v & ((1L << (size * 8)) - 1));
    }
}
