package dev.ferry.machine;

import dev.ferry.migration.MigrationException;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The monitor's view of outgoing migration: parameters, the current (or last) migration, and
 * QEMU's {@code info migrate} text. HMP and QMP both drive migration through it.
 */
public final class MigrationControl {
    private final VirtMachine machine;
    public final LiveMigration.Parameters parameters = new LiveMigration.Parameters();
    private volatile LiveMigration current;
    private volatile Thread thread;
    private final java.util.List<Consumer<LiveMigration.Status>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public MigrationControl(VirtMachine machine) {
        this.machine = machine;
    }

    public void addStatusListener(Consumer<LiveMigration.Status> l) {
        listeners.add(l);
    }

    public LiveMigration current() {
        return current;
    }

    /** Starts a migration in the background; fails at once when one is already running. */
    public synchronized LiveMigration start(String uri) throws MigrationException {
        LiveMigration c = current;
        if (c != null && isActive(c.stats.status)) throw new MigrationException("There's a migration process in progress");
        if (!machine.stateRegistry().blockers().isEmpty()) throw new MigrationException(machine.stateRegistry().blockers().get(0));
        LiveMigration m = new LiveMigration(machine, uri, parameters, s -> listeners.forEach(l -> l.accept(s)));
        current = m;
        thread = Thread.ofPlatform().name("migration").daemon(true).start(() -> {
            try {
                m.run();
            } catch (MigrationException e) {
                // the status and error are in m.stats
            }
        });
        return m;
    }

    public void cancel() {
        LiveMigration c = current;
        if (c != null) c.cancel();
    }

    /** Waits until the current migration ends. */
    public void await() throws InterruptedException {
        Thread t = thread;
        if (t != null) t.join();
    }

    static boolean isActive(LiveMigration.Status s) {
        return s == LiveMigration.Status.SETUP || s == LiveMigration.Status.ACTIVE || s == LiveMigration.Status.DEVICE
                || s == LiveMigration.Status.CANCELLING;
    }

    /** QEMU's {@code info migrate} lines. */
    public String info() {
        LiveMigration c = current;
        StringBuilder sb = new StringBuilder();
        sb.append("globals:\nstore-global-state: on\nonly-migratable: off\nsend-configuration: on\nsend-section-footer: on\n");
        sb.append("decompress-error-check: on\nclear-bitmap-shift: 18\n");
        if (c == null) return sb.toString();
        LiveMigration.Stats s = c.stats;
        sb.append("Migration status: ").append(s.status.qemuName).append('\n');
        if (s.status == LiveMigration.Status.FAILED && s.error != null) sb.append("Error: ").append(s.error).append('\n');
        long total = isActive(s.status) ? (System.nanoTime() - s.startNanos) / 1_000_000 : s.totalMillis;
        sb.append("total time: ").append(total).append(" ms\n");
        if (s.status == LiveMigration.Status.COMPLETED) sb.append("downtime: ").append(s.downtimeMillis).append(" ms\n");
        else sb.append("expected downtime: ").append(s.expectedDowntimeMillis).append(" ms\n");
        sb.append("setup: ").append(s.setupMillis).append(" ms\n");
        sb.append("transferred ram: ").append(s.transferred / 1024).append(" kbytes\n");
        sb.append(String.format(Locale.ROOT, "throughput: %.2f mbps%n", s.mbps));
        sb.append("remaining ram: ").append(s.remaining / 1024).append(" kbytes\n");
        sb.append("total ram: ").append(s.total / 1024).append(" kbytes\n");
        sb.append("duplicate: ").append(s.duplicate).append(" pages\n");
        sb.append("skipped: 0 pages\n");
        sb.append("normal: ").append(s.normal).append(" pages\n");
        sb.append("normal bytes: ").append(s.normal * 4).append(" kbytes\n");
        sb.append("dirty sync count: ").append(s.dirtySyncCount).append('\n');
        sb.append("page size: 4 kbytes\n");
        sb.append("multifd bytes: 0 kbytes\n");
        sb.append("pages-per-second: ").append(s.totalMillis > 0 ? (s.normal + s.duplicate) * 1000 / Math.max(1, total) : 0).append('\n');
        sb.append("precopy ram: ").append(s.precopyBytes / 1024).append(" kbytes\n");
        sb.append("downtime ram: ").append(s.downtimeBytes / 1024).append(" kbytes\n");
        return sb.toString();
    }
}
