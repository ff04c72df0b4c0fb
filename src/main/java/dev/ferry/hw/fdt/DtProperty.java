package dev.ferry.hw.fdt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One device tree property: a name and a raw big-endian value. Immutable; the typed readers
 * ({@link #asU32()}, {@link #asStrings()}, ...) throw {@link IllegalStateException} when the
 * value does not have the shape asked for.
 */
public final class DtProperty {
    private final String name;
    private final byte[] value;

    public DtProperty(String name, byte[] value) {
        this.name = name;
        this.value = value.clone();
    }

    /** Takes ownership of {@code value} (no copy). */
    static DtProperty wrap(String name, byte[] value) {
        return new DtProperty(name, value, true);
    }

    private DtProperty(String name, byte[] value, boolean noCopy) {
        this.name = name;
        this.value = value;
    }

    public String name() {
        return name;
    }

    /** A copy of the raw value. */
    public byte[] value() {
        return value.clone();
    }

    byte[] rawValue() {
        return value;
    }

    public int length() {
        return value.length;
    }

    /** True for a property without a value (a flag such as {@code interrupt-controller}). */
    public boolean isEmpty() {
        return value.length == 0;
    }

    public int asU32() {
        if (value.length != 4) {
            throw shape("one 32-bit cell");
        }
        return cell(0);
    }

    public long asU64() {
        if (value.length != 8) {
            throw shape("a 64-bit value");
        }
        return ((long) cell(0) << 32) | (cell(1) & 0xFFFF_FFFFL);
    }

    /** A number written as one or two cells (as {@code linux,initrd-start} may be). */
    public long asNumber() {
        return switch (value.length) {
            case 4 -> cell(0) & 0xFFFF_FFFFL;
            case 8 -> asU64();
            default -> throw shape("one or two cells");
        };
    }

    public int[] asCells() {
        if (value.length % 4 != 0) {
            throw shape("whole 32-bit cells");
        }
        int[] cells = new int[value.length / 4];
        for (int i = 0; i < cells.length; i++) {
            cells[i] = cell(i);
        }
        return cells;
    }

    /** The value as one NUL-terminated string. */
    public String asString() {
        List<String> strings = asStrings();
        if (strings.size() != 1) {
            throw shape("a single string");
        }
        return strings.getFirst();
    }

    /** The value as a list of NUL-terminated strings. */
    public List<String> asStrings() {
        if (value.length == 0 || value[value.length - 1] != 0) {
            throw shape("NUL-terminated strings");
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length; i++) {
            if (value[i] == 0) {
                out.add(new String(value, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return List.copyOf(out);
    }

    private int cell(int i) {
        int o = i * 4;
        return ((value[o] & 0xFF) << 24) | ((value[o + 1] & 0xFF) << 16) | ((value[o + 2] & 0xFF) << 8)
                | (value[o + 3] & 0xFF);
    }

    private IllegalStateException shape(String wanted) {
        return new IllegalStateException("property " + name + " (" + value.length + " bytes) is not " + wanted);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DtProperty p && p.name.equals(name) && Arrays.equals(p.value, value);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name + " = " + Dts.formatValue(value);
    }
}
