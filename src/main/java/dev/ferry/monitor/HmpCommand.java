package dev.ferry.monitor;

import java.util.List;
import java.util.Objects;

/**
 * One human-monitor command, declared as QEMU's command table declares it: the name with its
 * aliases ({@code "stop|s"}), the argument types ({@code args_type}, e.g.
 * {@code "detach:-d,uri:s"}, see {@link HmpArgs}), the parameters as {@code help} shows them
 * ({@code "[-d] uri"}), the help text, and the handler. A command with a sub-table
 * ({@code info}) dispatches its first argument to it.
 */
public record HmpCommand(String name, String argsType, String params, String help, Handler handler, HmpCommands subcommands) {
    /** Runs the command: prints through {@code ctx}; a {@link QmpError} prints as "Error: DESC". */
    @FunctionalInterface
    public interface Handler {
        void run(HmpContext ctx, HmpArgs args);
    }

    public HmpCommand {
        Objects.requireNonNull(name);
        argsType = argsType == null ? "" : argsType;
        params = params == null ? "" : params;
        Objects.requireNonNull(help);
        HmpArgs.parseSpec(argsType); // fail early on a bad declaration
    }

    public static HmpCommand of(String name, String argsType, String params, String help, Handler handler) {
        return new HmpCommand(name, argsType, params, help, handler, null);
    }

    /** The name and its aliases. */
    public List<String> names() {
        return List.of(name.split("\\|"));
    }

    /** The line {@code help} prints for it, QEMU's "NAME PARAMS -- HELP". */
    public String helpLine(String prefix) {
        return prefix + name + " " + params + " -- " + help;
    }
}
