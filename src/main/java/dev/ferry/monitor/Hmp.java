package dev.ferry.monitor;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import dev.ferry.machine.RunState;
import dev.ferry.machine.VirtMachine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The human monitor (HMP) on a character backend: QEMU's banner and {@code (qemu)} prompt, one
 * command per line. This first version knows the run-control commands; the migration and
 * snapshot commands join it with the migration work.
 */
public final class Hmp implements CharFrontend {
    public static final String PROMPT = "(qemu) ";
    private final CharBackend out;
    private final VirtMachine machine;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    public Hmp(CharBackend backend, VirtMachine machine) {
        this.out = backend;
        this.machine = machine;
        greet();
        backend.attach(this);
    }

    private void greet() {
        out.write("QEMU 7.2.0 monitor - type 'help' for more information\r\n" + PROMPT);
    }

    @Override
    public void opened() {
        greet();
    }

    @Override
    public int canReceive() {
        return 256;
    }

    @Override
    public synchronized void receive(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            int b = buf[i] & 0xff;
            if (b == '\r' || b == '\n') {
                out.write("\r\n");
                String cmd = line.toString(StandardCharsets.UTF_8).strip();
                line.reset();
                String reply = execute(cmd);
                if (!reply.isEmpty()) out.write(reply.replace("\n", "\r\n") + (reply.endsWith("\n") ? "" : "\r\n"));
                out.write(PROMPT);
            } else if (b == 0x7f || b == 8) {
                byte[] cur = line.toByteArray();
                if (cur.length > 0) {
                    line.reset();
                    line.write(cur, 0, cur.length - 1);
                    out.write("\b \b");
                }
            } else if (b >= 0x20) {
                line.write(b);
                out.write(b); // echo
            }
        }
    }

    /** Runs one command line and returns what the monitor prints for it. */
    public String execute(String cmdLine) {
        if (cmdLine.isEmpty()) return "";
        String[] w = cmdLine.split("\\s+");
        switch (w[0]) {
            case "help", "?" -> {
                return """
                        cont|c  -- resume emulation
                        help|? [cmd] -- show the help
                        info status  -- show the current VM status (running|paused)
                        info version -- show the version of QEMU
                        quit|q  -- quit the emulator
                        stop|s  -- stop emulation
                        system_reset  -- reset the system""";
            }
            case "info" -> {
                if (w.length < 2) return "info subcommands: status version";
                return switch (w[1]) {
                    case "migrate" -> machine.migration().info();
                    case "migrate_parameters" -> "downtime-limit: " + machine.migration().parameters.downtimeLimitMs
                            + " ms\nmax-bandwidth: " + machine.migration().parameters.maxBandwidth + " bytes/second";
                    case "status" -> statusLine(machine.state());
                    case "version" -> "7.2.0 (Ferry 0.1.0)";
                    default -> "unknown info subcommand '" + w[1] + "'";
                };
            }
            case "stop", "s" -> {
                if (machine.isRunning()) machine.pause(RunState.PAUSED);
                return "";
            }
            case "cont", "c" -> {
                machine.resume();
                return "";
            }
            case "system_reset" -> {
                machine.requestReset();
                return "";
            }
            case "migrate" -> {
                boolean detach = false;
                String uri = null;
                for (int i = 1; i < w.length; i++) {
                    if (w[i].equals("-d")) detach = true;
                    else uri = w[i].replaceAll("^\"|\"$", "");
                }
                if (uri == null) return "migrate: missing argument 'uri'";
                try {
                    machine.migration().start(uri);
                } catch (dev.ferry.migration.MigrationException e) {
                    return "Error: " + e.getMessage();
                }
                if (!detach) {
                    try {
                        machine.migration().await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    var st = machine.migration().current().stats;
                    if (st.status == dev.ferry.machine.LiveMigration.Status.FAILED) return "Error: " + st.error;
                }
                return "";
            }
            case "migrate_cancel" -> {
                machine.migration().cancel();
                return "";
            }
            case "migrate_set_parameter" -> {
                if (w.length < 3) return "migrate_set_parameter: missing argument";
                try {
                    switch (w[1]) {
                        case "max-bandwidth", "max_bandwidth" -> machine.migration().parameters.maxBandwidth = parseSize(w[2]);
                        case "downtime-limit", "downtime_limit" -> machine.migration().parameters.downtimeLimitMs = Long.parseLong(w[2]);
                        default -> {
                            return "Error: Parameter '" + w[1] + "' is unexpected";
                        }
                    }
                } catch (NumberFormatException e) {
                    return "Error: Parameter '" + w[1] + "' expects a number";
                }
                return "";
            }
            case "quit", "q" -> {
                machine.quit();
                return "";
            }
            default -> {
                return "unknown command: '" + w[0] + "'";
            }
        }
    }

    /** A size as HMP takes it: a number of bytes, or with a k/M/G suffix (a bare number for max-bandwidth is MiB/s in QEMU's HMP). */
    static long parseSize(String v) {
        char last = Character.toLowerCase(v.charAt(v.length() - 1));
        long mult = switch (last) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 'b' -> 1;
            default -> -1;
        };
        if (mult < 0) return Long.parseLong(v) << 20;
        return Long.parseLong(v.substring(0, v.length() - 1)) * mult;
    }

    /** QEMU's {@code info status} line for a run state. */
    public static String statusLine(RunState s) {
        return switch (s) {
            case RUNNING -> "VM status: running";
            case PAUSED -> "VM status: paused";
            default -> "VM status: paused (" + s.qemuName() + ")";
        };
    }
}
