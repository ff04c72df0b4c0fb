package dev.ferry.cli;

/**
 * A monitor on a chardev: {@code -mon}, or made by {@code -monitor}, {@code -qmp},
 * {@code -qmp-pretty}, {@code -serial mon:...} or {@code -nographic}.
 */
public record MonitorConfig(Mode mode, String chardev, boolean pretty) {
    public enum Mode {
        /** HMP, the human monitor ({@code mode=readline}). */
        READLINE("readline"),
        /** QMP, JSON ({@code mode=control}). */
        CONTROL("control");
        public final String spelling;
        Mode(String s) { spelling = s; }
    }

    public boolean isQmp() { return mode == Mode.CONTROL; }
}
