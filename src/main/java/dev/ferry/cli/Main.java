package dev.ferry.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code ferry}: takes {@code qemu-system-riscv64} options ({@code ferry -machine virt -nographic -kernel Image}),
 * or {@code ferry demo ...} for the built-in demo.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err, Capabilities.IMPLEMENTED);
        System.out.flush();
        System.exit(status);
    }

    /** Where a parsed command line goes: the machine, or the demo (tests put a stand-in here). */
    public interface Launch {
        /** Runs the machine; returns the exit status. */
        int run(MachineConfig config);

        /** {@code ferry demo ARGS...}; returns the exit status. */
        int demo(String[] args);
    }

    /** The real one: {@link Launcher}. */
    public static final Launch LAUNCHER = new Launch() {
        @Override public int run(MachineConfig config) { return Launcher.run(config); }
        @Override public int demo(String[] args) { return Launcher.demo(args); }
    };

    /**
     * Everything {@link #main} does but exiting: parses, prints what is to be printed, checks the
     * configuration against what the machine implements, then launches.
     *
     * @return the process exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err, Set<Feature> implemented) {
        return run(args, out, err, implemented, LAUNCHER);
    }

    /** {@link #run(String[], PrintStream, PrintStream, Set)} handing over to {@code launch}. */
    public static int run(String[] args, PrintStream out, PrintStream err, Set<Feature> implemented, Launch launch) {
        if (args.length > 0 && args[0].equals("demo")) return launch.demo(Arrays.copyOfRange(args, 1, args.length));
        CommandLine.Result result;
        try {
            result = CommandLine.parse(args);
        } catch (CliError e) {
            for (var w : e.warnings()) err.println(w);
            for (var line : e.lines(CommandLine.PROGRAM)) err.println(line);
            return 1;
        }
        for (var w : result.warnings()) err.println(w);
        switch (result) {
            case CommandLine.Exit exit -> {
                out.print(exit.stdout());
                return exit.status();
            }
            case CommandLine.Run run -> {
                var missing = Capabilities.check(run.config(), implemented);
                if (missing.isPresent()) {
                    for (var line : missing.get().lines(CommandLine.PROGRAM)) err.println(line);
                    return 1;
                }
                return launch.run(run.config());
            }
        }
    }
}
