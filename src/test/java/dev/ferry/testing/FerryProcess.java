package dev.ferry.testing;

import dev.ferry.cli.Capabilities;
import dev.ferry.cli.Launcher;
import dev.ferry.cli.Main;
import dev.ferry.cli.MachineConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Ferry as a user starts it: a process of its own, or the launcher run in this JVM. */
public final class FerryProcess {
    private FerryProcess() {
    }

    /** Starts {@code java ... dev.ferry.cli.Main ARGS} on this JVM's class path; its stdout and stderr go to {@code log}. */
    public static Process start(Path log, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.ferry.cli.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Runs the command line through the launcher in this thread and returns the exit status;
     * what Ferry writes to stderr (its own and the machine's) goes to {@code err}.
     */
    public static int runHere(String[] args, PrintStream err) {
        return Main.run(args, System.out, err, Capabilities.IMPLEMENTED, new Main.Launch() {
            @Override public int run(MachineConfig config) {
                PrintStream old = System.err;
                System.setErr(err);
                try {
                    return Launcher.run(config);
                } finally {
                    System.setErr(old);
                }
            }

            @Override public int demo(String[] a) {
                return 1;
            }
        });
    }
}
