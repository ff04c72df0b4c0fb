package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Test helpers: parse to a configuration, or to the error line Ferry prints. */
final class Cli {
    private Cli() {}

    static MachineConfig config(String... args) {
        return assertInstanceOf(CommandLine.Run.class, CommandLine.parse(args)).config();
    }

    static CommandLine.Run run(String... args) {
        return assertInstanceOf(CommandLine.Run.class, CommandLine.parse(args));
    }

    /** The first line printed for a rejected command line, program name included. */
    static String error(String... args) {
        var e = assertThrows(CliError.class, () -> CommandLine.parse(args));
        return e.lines(CommandLine.PROGRAM).get(0);
    }

    static CliError exception(String... args) {
        return assertThrows(CliError.class, () -> CommandLine.parse(args));
    }
}
