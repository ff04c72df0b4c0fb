package dev.ferry.cli;

/**
 * Starts a machine from its configuration, and the demo. Both are stubs until the machine exists.
 */
public final class Launcher {
    private Launcher() {}

    /**
     * Builds and runs the machine; returns the process exit status.
     *
     * <p>TODO: build the virt machine from {@code config} and run it (this stub is to be replaced).
     */
    public static int run(MachineConfig config) {
        System.err.println(CommandLine.PROGRAM + ": the machine is not implemented yet");
        return 1;
    }

    /**
     * {@code ferry demo ARGS...}; returns the process exit status.
     *
     * <p>TODO: call {@code dev.ferry.demo.Demo.main(args)} once that class exists (this stub is to be replaced).
     */
    public static int demo(String[] args) {
        System.err.println(CommandLine.PROGRAM + ": the demo is not implemented yet");
        return 1;
    }
}
