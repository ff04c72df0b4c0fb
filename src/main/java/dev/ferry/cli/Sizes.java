package dev.ferry.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.function.Consumer;

/**
 * Byte sizes as QEMU reads them: a decimal number (a fraction allowed) or a {@code 0x} number,
 * with an optional suffix {@code B}, {@code K}, {@code M}, {@code G}, {@code T}, {@code P} or
 * {@code E} (either case, powers of 1024). A number without suffix is in the option's default unit:
 * bytes for most options, MiB for {@code -m}.
 */
public final class Sizes {
    private Sizes() {}

    public static final long KiB = 1L << 10, MiB = 1L << 20, GiB = 1L << 30, TiB = 1L << 40;
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    /**
     * Parses a size.
     *
     * @param param       the parameter's name in the error messages ({@code size})
     * @param defaultUnit the multiplier of a number without suffix
     * @return the size in bytes, below 2^64 (so possibly not fitting a {@code long}: callers check their limits)
     */
    public static BigInteger parse(String text, String param, long defaultUnit, Consumer<String> warnings) {
        String s = text.strip();
        if (s.isEmpty() || s.startsWith("-")) throw bad(param);
        int i = 0;
        boolean hex = s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'x' || s.charAt(1) == 'X');
        BigDecimal number;
        if (hex) {
            i = 2;
            int start = i;
            while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0) i++;
            if (i == start) throw bad(param);
            number = new BigDecimal(new BigInteger(s.substring(start, i), 16));
        } else {
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            }
            String digits = s.substring(start, i);
            if (digits.isEmpty() || digits.equals(".") || digits.startsWith(".")) throw bad(param);
            number = new BigDecimal(digits);
        }
        boolean fraction = number.scale() > 0 && number.stripTrailingZeros().scale() > 0;
        long unit;
        String rest = s.substring(i);
        if (rest.isEmpty()) {
            unit = defaultUnit;
            if (hex && defaultUnit != 1 && warnings != null)
                warnings.accept("warning: Using a multiplier suffix on hex numbers is deprecated: " + s + suffixOf(defaultUnit));
        } else if (rest.length() == 1) {
            unit = switch (Character.toUpperCase(rest.charAt(0))) {
                case 'B' -> 1L;
                case 'K' -> KiB;
                case 'M' -> MiB;
                case 'G' -> GiB;
                case 'T' -> TiB;
                case 'P' -> 1L << 50;
                case 'E' -> 1L << 60;
                default -> throw bad(param);
            };
            if (hex && unit != 1 && warnings != null)
                warnings.accept("warning: Using a multiplier suffix on hex numbers is deprecated: " + s);
        } else {
            throw bad(param);
        }
        if (fraction && unit == 1) throw bad(param);
        BigInteger bytes = number.multiply(BigDecimal.valueOf(unit)).setScale(0, java.math.RoundingMode.DOWN).toBigIntegerExact();
        if (bytes.compareTo(TWO_64) >= 0)
            throw CliError.plain("Value '" + text + "' is out of range for parameter '" + param + "'");
        return bytes;
    }

    private static String suffixOf(long unit) {
        return unit == MiB ? "M" : unit == KiB ? "K" : unit == GiB ? "G" : "";
    }

    private static CliError bad(String param) {
        return CliError.plain("Parameter '" + param + "' expects a non-negative number below 2^64",
                "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-",
                "and exabytes, respectively.");
    }

    /** A size in QEMU's short form ({@code 256M}, {@code 4G}, {@code 1536K}, {@code 100B}). */
    public static String format(long bytes) {
        String[] suffix = {"B", "K", "M", "G", "T", "P", "E"};
        int k = 0;
        long v = bytes;
        while (k < suffix.length - 1 && v != 0 && (v & 1023) == 0) { v >>>= 10; k++; }
        return v + suffix[k];
    }
}
