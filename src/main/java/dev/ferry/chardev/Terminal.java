package dev.ferry.chardev;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The controlling terminal's mode, through {@code stty} (run by {@code /bin/sh} on {@code /dev/tty}):
 * whether stdin is a terminal, switching it to the raw mode QEMU's stdio backend uses, and
 * restoring it.
 */
final class Terminal {
    private Terminal() {
    }

    /**
     * QEMU's stdio mode: no echo, no line editing, no input translation or flow control, output
     * post-processing kept (so "\n" still returns the carriage); Ctrl-C and friends raise signals
     * only when {@code signals} is true.
     */
    static String rawSettings(boolean signals) {
        return "-ignbrk -brkint -parmrk -istrip -inlcr -igncr -icrnl -ixon opost -echo -echonl -icanon -iexten"
                + (signals ? " isig" : " -isig") + " cs8 -parenb min 1 time 0";
    }

    /** True when this process's standard input is a terminal. */
    static boolean stdinIsTerminal() {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", "test -t 0")
                    .redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The current settings in {@code stty -g} form, or null when they cannot be read. */
    static String save() {
        String s = stty("-g");
        return s == null ? null : s.strip();
    }

    static boolean set(String settings) {
        return stty(settings) != null;
    }

    private static String stty(String args) {
        try {
            Process p = new ProcessBuilder(List.of("/bin/sh", "-c", "stty " + args + " < /dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            return p.waitFor() == 0 ? new String(out, StandardCharsets.US_ASCII) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
