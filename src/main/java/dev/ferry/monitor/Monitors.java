package dev.ferry.monitor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.chardev.CharBackend;
import dev.ferry.cli.CommandLine;
import dev.ferry.machine.RunState;
import dev.ferry.machine.VirtMachine;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A machine's monitors and what they share: the QMP command registry, the HMP command table,
 * the event hub, the VM name and the character devices {@code info chardev} lists. QMP monitors
 * ({@code -qmp}, {@code -mon mode=control}) and human monitors ({@code -monitor}, {@code mon:})
 * are added on character backends; events from the machine (STOP, RESUME, SHUTDOWN, RESET) reach
 * every QMP client as QEMU sends them.
 *
 * <p>Run control as QEMU's commands do it ({@link #stop}, {@link #cont}, {@link #systemReset},
 * {@link #systemPowerdown}, {@link #quit}) lives here so that QMP and HMP behave alike.
 */
public final class Monitors implements AutoCloseable {
    /** QEMU's version as Ferry reports it, and the package string (QEMU's pkgversion). */
    public static final int QEMU_MAJOR = 7, QEMU_MINOR = 2, QEMU_MICRO = 0;
    public static final String PACKAGE = "Ferry " + CommandLine.VERSION;

    /** A line of {@code info chardev}: the chardev's id and its filename as QEMU shows it. */
    public record ChardevInfo(String label, Supplier<String> filename) {
        public static ChardevInfo of(String label, CharBackend backend) {
            return new ChardevInfo(label, backend::describe);
        }
    }

    private static final Set<String> GUEST_CAUSES = Set.of("guest-shutdown", "guest-reset", "guest-panic");

    private final VirtMachine machine;
    private final String name;
    private final Supplier<List<ChardevInfo>> chardevs;
    private final QmpCommands qmpCommands = new QmpCommands();
    private final HmpCommands hmpCommands = new HmpCommands();
    private final QmpEvents events = new QmpEvents();
    private final Jobs jobs = new Jobs(events);
    private final MigrationSettings migrationSettings;
    private final List<AutoCloseable> monitors = new CopyOnWriteArrayList<>();

    // run-state tracking for STOP/RESUME, guarded by this
    private RunState lastState;
    private boolean exiting;
    /** Resets and shutdowns the main loop has served, guarded by this: system_reset waits for its own. */
    private long served;

    /**
     * @param name     the VM name ({@code -name}), or null
     * @param chardevs what {@code info chardev} lists, in order
     */
    public Monitors(VirtMachine machine, String name, Supplier<List<ChardevInfo>> chardevs) {
        this.machine = machine;
        this.name = name;
        this.chardevs = chardevs == null ? List::of : chardevs;
        QmpBuiltins.register(qmpCommands);
        QmpMigration.register(qmpCommands);
        QmpFds.register(qmpCommands);
        QmpSnapshots.register(qmpCommands);
        QmpBlock.register(qmpCommands);
        HmpBuiltins.register(hmpCommands);
        migrationSettings = new MigrationSettings(machine.migration().parameters);
        // QEMU sends MIGRATION and MIGRATION_PASS only with the events capability on
        machine.migration().addStatusListener(s -> {
            if (!migrationSettings.capability("events")) return;
            ObjectNode d = QmpJson.NODES.objectNode();
            d.put("status", s.qemuName);
            events.emit("MIGRATION", d);
        });
        machine.migration().addPassListener(n -> {
            if (!migrationSettings.capability("events")) return;
            ObjectNode d = QmpJson.NODES.objectNode();
            d.put("pass", n);
            events.emit("MIGRATION_PASS", d);
        });
        lastState = machine.state();
        machine.addStateListener(this::stateChanged);
        machine.addShutdownListener(cause -> {
            synchronized (this) {
                exiting = !machine.options().noShutdown() || "host-qmp-quit".equals(cause);
            }
            events.emit("SHUTDOWN", causeData(cause));
            served();
        });
        machine.addResetListener(cause -> {
            events.emit("RESET", causeData(cause));
            served();
        });
    }

    private synchronized void served() {
        served++;
        notifyAll();
    }

    private static ObjectNode causeData(String cause) {
        ObjectNode d = QmpJson.NODES.objectNode();
        d.put("guest", GUEST_CAUSES.contains(cause));
        d.put("reason", cause);
        return d;
    }

    private void stateChanged(RunState s) {
        String event = null;
        synchronized (this) {
            RunState prev = lastState;
            lastState = s;
            if (prev == RunState.RUNNING && s != RunState.RUNNING) {
                if (!(s == RunState.SHUTDOWN && exiting)) event = "STOP";
            } else if (s == RunState.RUNNING && prev != RunState.RUNNING) {
                exiting = false;
                event = "RESUME";
            }
        }
        if (event != null) events.emit(event);
    }

    public VirtMachine machine() {
        return machine;
    }

    /** The VM name, or null. */
    public String name() {
        return name;
    }

    public List<ChardevInfo> chardevs() {
        return chardevs.get();
    }

    public QmpCommands qmpCommands() {
        return qmpCommands;
    }

    public HmpCommands hmpCommands() {
        return hmpCommands;
    }

    /** The migration capabilities and parameters the monitors set and show. */
    public MigrationSettings migrationSettings() {
        return migrationSettings;
    }

    public QmpEvents events() {
        return events;
    }

    /** The background jobs (QMP's snapshot jobs). */
    public Jobs jobs() {
        return jobs;
    }

    // ------------------------------------------------------------------ monitors

    /**
     * A QMP monitor on {@code backend}. {@code transport} is the backend whose connection
     * comes and goes (the backend itself, or a mux's underlying backend), or null when always
     * connected; {@code oob} offers the "oob" capability (QEMU offers it except on a mux).
     */
    public QmpMonitor addQmp(CharBackend backend, CharBackend transport, boolean oob) {
        QmpMonitor m = new QmpMonitor(this, backend, transport, oob);
        monitors.add(m);
        return m;
    }

    /** A QMP monitor on a backend of its own (a socket, stdio...). */
    public QmpMonitor addQmp(CharBackend backend) {
        return addQmp(backend, backend, true);
    }

    /**
     * A human monitor on {@code backend}; {@code transport} as for {@link #addQmp}; a monitor
     * on a mux port that does not have the focus starts unfocused (its banner waits for Ctrl-A c).
     */
    public Hmp addHmp(CharBackend backend, CharBackend transport, boolean focused) {
        Hmp h = new Hmp(this, backend, transport, focused);
        monitors.add(h);
        return h;
    }

    /** A human monitor on a backend of its own. */
    public Hmp addHmp(CharBackend backend) {
        return addHmp(backend, backend, true);
    }

    /** Runs an HMP command line outside any terminal and returns its output ("\r\n" line ends), as human-monitor-command. */
    public String runHmp(String commandLine, int cpuIndex) {
        HmpContext ctx = new HmpContext(this, cpuIndex, null);
        hmpCommands.execute(ctx, commandLine);
        return ctx.output();
    }

    @Override
    public void close() {
        for (AutoCloseable m : monitors) {
            try {
                m.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        monitors.clear();
        jobs.close();
    }

    // ------------------------------------------------------------------ run control

    /** QEMU's stop: pauses a running machine (STOP event); otherwise nothing. */
    public void stop() {
        if (machine.isRunning()) machine.pause(RunState.PAUSED);
    }

    /** QEMU's cont: refuses a machine that must be reset first; resumes a stopped one (RESUME event). */
    public void cont() {
        RunState s = machine.state();
        if (s == RunState.SHUTDOWN || s == RunState.GUEST_PANICKED || s == RunState.INTERNAL_ERROR) {
            throw QmpError.generic("Resetting the Virtual Machine is required");
        }
        if (s == RunState.INMIGRATE) return; // the incoming migration starts the machine when it completes
        // after a completed migration the disks belong to the destination: QEMU 7.2 takes them
        // back here, and stays paused while the destination still holds them
        try {
            dev.ferry.machine.DriveActivation.activateAll(machine);
        } catch (java.io.IOException e) {
            throw QmpError.generic(e.getMessage());
        }
        if (!machine.isRunning()) machine.resume();
    }

    /**
     * QEMU's system_reset: asks the main loop for a reset (RESET event, or SHUTDOWN under
     * -no-reboot) and waits a little for it, so that the event comes before the reply as with
     * QEMU.
     */
    public void systemReset() {
        long before;
        synchronized (this) {
            before = served;
        }
        machine.requestReset("host-qmp-system-reset");
        long deadline = System.nanoTime() + 2_000_000_000L;
        synchronized (this) {
            while (served == before) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) break;
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }

    /** QEMU's system_powerdown: the virt board has no power button, so only the POWERDOWN event. */
    public void systemPowerdown() {
        events.emit("POWERDOWN");
    }

    /** QEMU's quit: the machine ends (SHUTDOWN event, reason host-qmp-quit). */
    public void quit() {
        machine.quit();
    }

    /** Whether {@code index} names a vCPU. */
    public boolean isCpu(long index) {
        return index >= 0 && index < machine.harts.size();
    }

    /**
     * The host thread id of each vCPU, as QEMU reports thread-id: found by the vCPU threads'
     * names ({@code vcpu-N}) under /proc/self/task; the newest thread of that name when several
     * machines ran in this process; the process id when there is none (not started, or no /proc).
     */
    public List<Long> vcpuThreadIds() {
        int n = machine.harts.size();
        long[] ids = new long[n];
        long pid = ProcessHandle.current().pid();
        java.util.Arrays.fill(ids, -1);
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String comm;
                try {
                    comm = Files.readString(t.resolve("comm")).strip();
                } catch (IOException e) {
                    continue;
                }
                if (!comm.startsWith("vcpu-")) continue;
                int i;
                try {
                    i = Integer.parseInt(comm.substring(5));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (i < 0 || i >= n) continue;
                long tid = Long.parseLong(t.getFileName().toString());
                if (tid > ids[i]) ids[i] = tid;
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: fall back below
        }
        List<Long> out = new ArrayList<>(n);
        for (long id : ids) out.add(id < 0 ? pid : id);
        return out;
    }
}
