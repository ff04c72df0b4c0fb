package dev.ferry.monitor;

import java.util.List;

/**
 * What an HMP command runs in: the monitors, the monitor's current CPU (QEMU's {@code cpu N},
 * marked with '*' by {@code info cpus}), its history (null outside a terminal), and the output
 * being printed. Output uses "\n"; {@link #output()} gives it with the monitor's "\r\n".
 */
public final class HmpContext {
    private final Monitors monitors;
    private final int cpuIndex;
    private final List<String> history;
    private final StringBuilder out = new StringBuilder();
    private boolean suspended;
    /** Where output can go before the command ends (a terminal's screen); null: only at the end. */
    private final java.util.function.Consumer<String> live;

    public HmpContext(Monitors monitors, int cpuIndex, List<String> history) {
        this(monitors, cpuIndex, history, null);
    }

    public HmpContext(Monitors monitors, int cpuIndex, List<String> history, java.util.function.Consumer<String> live) {
        this.monitors = monitors;
        this.cpuIndex = cpuIndex;
        this.history = history;
        this.live = live;
    }

    public Monitors monitors() {
        return monitors;
    }

    /** Whether the command runs in a monitor of its own (a terminal), not through human-monitor-command. */
    public boolean isTerminal() {
        return history != null;
    }

    public int cpuIndex() {
        return cpuIndex;
    }

    /** The command lines typed so far, the current one last; empty outside a terminal. */
    public List<String> history() {
        return history == null ? List.of() : history;
    }

    public HmpContext print(String s) {
        out.append(s);
        return this;
    }

    public HmpContext println(String s) {
        out.append(s).append('\n');
        return this;
    }

    /** Shows what was printed so far now (progress of a long command), where the monitor can. */
    public void flush() {
        if (live == null) return;
        live.accept(output());
        out.setLength(0);
    }

    /** QEMU's hmp_handle_error: "Error: DESC". */
    public void error(String desc) {
        println("Error: " + desc);
    }

    /** The monitor reads no more input after this command (QEMU's quit suspends the monitor: no new prompt). */
    public void suspend() {
        suspended = true;
    }

    public boolean isSuspended() {
        return suspended;
    }

    /** What was printed, with QEMU's "\r\n" line ends. */
    public String output() {
        return out.toString().replace("\r\n", "\n").replace("\n", "\r\n");
    }
}
