package dev.ferry.cli;

import java.util.List;

/**
 * A command-line error, reported as QEMU reports it: {@code ferry: LOCATION: MESSAGE}, where the
 * location is the option as typed ({@code -m abc}) or absent, followed by any hint lines as they
 * are (QEMU prints some errors with an explanation under them). Exit status 1.
 */
public final class CliError extends RuntimeException {
    private final String location;
    private final List<String> hint;
    private final boolean unplaced;
    private List<String> warnings = List.of();

    public CliError(String location, String message, String... hint) {
        this(location, false, message, hint);
    }

    private CliError(String location, boolean unplaced, String message, String... hint) {
        super(message);
        this.location = location;
        this.unplaced = unplaced;
        this.hint = List.of(hint);
    }

    /**
     * An error QEMU reports without naming the option even though one caused it (it finds these
     * after reading all options: {@code -smp}, {@code -rtc} values); {@link #at} leaves it so.
     */
    public static CliError unplaced(String message, String... hint) {
        return new CliError(null, true, message, hint);
    }

    /** An error with no option named (QEMU prints some that way, e.g. the SMP topology ones). */
    public static CliError plain(String message, String... hint) {
        return new CliError(null, message, hint);
    }

    /** The same error, placed at an option unless it already names one. */
    public CliError at(String where) {
        if (location != null || unplaced || where == null) return this;
        var e = new CliError(where, false, getMessage(), hint.toArray(String[]::new));
        e.warnings = warnings;
        return e;
    }

    public String location() { return location; }

    /** Warnings printed before the error (complete messages, as {@link CommandLine.Result#warnings()}). */
    public List<String> warnings() { return warnings; }

    CliError withWarnings(List<String> w) {
        this.warnings = List.copyOf(w);
        return this;
    }
    public List<String> hint() { return hint; }

    /** The first line, without the program name: {@code -m abc: Parameter 'size' ...}. */
    public String line() {
        return location == null ? getMessage() : location + ": " + getMessage();
    }

    /** Everything printed, program name included, one entry per line. */
    public List<String> lines(String program) {
        var out = new java.util.ArrayList<String>();
        out.add(program + ": " + line());
        out.addAll(hint);
        return out;
    }
}
