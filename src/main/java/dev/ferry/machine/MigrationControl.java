package dev.ferry.machine;

import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The monitor's view of migration: parameters, the current (or last) outgoing migration, the
 * incoming side ({@code -incoming}, or {@code -incoming defer} then migrate-incoming), and
 * status and pass listeners (QEMU's MIGRATION and MIGRATION_PASS events). HMP and QMP both
 * drive migration through it.
 */
public final class MigrationControl {
    private final VirtMachine machine;
    public final LiveMigration.Parameters parameters = new LiveMigration.Parameters();
    private volatile LiveMigration current;
    private volatile Thread thread;
    private final List<Consumer<LiveMigration.Status>> listeners = new CopyOnWriteArrayList<>();
    private final List<LongConsumer> passListeners = new CopyOnWriteArrayList<>();

    public MigrationControl(VirtMachine machine) {
        this.machine = machine;
    }

    /** Hears every status change, outgoing and incoming (QEMU's MIGRATION event). */
    public void addStatusListener(Consumer<LiveMigration.Status> l) {
        listeners.add(l);
    }

    /** Hears each dirty sync of an outgoing migration, with its count (QEMU's MIGRATION_PASS). */
    public void addPassListener(LongConsumer l) {
        passListeners.add(l);
    }

    private void statusChanged(LiveMigration.Status s) {
        listeners.forEach(l -> l.accept(s));
    }

    public LiveMigration current() {
        return current;
    }

    /** Starts a migration in the background; fails at once when one is already running. */
    public synchronized LiveMigration start(String uri) throws MigrationException {
        checkCanStart();
        LiveMigration m = new LiveMigration(machine, uri, parameters, this::statusChanged);
        m.onPass(n -> passListeners.forEach(l -> l.accept(n)));
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

    /** QEMU's checks before a migration starts (before the URI is looked at), with its errors. */
    public synchronized void checkCanStart() throws MigrationException {
        LiveMigration c = current;
        if (c != null && isActive(c.stats.status)) throw new MigrationException("There's a migration process in progress");
        if (machine.state() == RunState.INMIGRATE) throw new MigrationException("Guest is waiting for an incoming migration");
        if (machine.state() == RunState.POSTMIGRATE) throw new MigrationException("Can't migrate the vm that was paused due to previous migration");
        if (!machine.stateRegistry().blockers().isEmpty()) throw new MigrationException(machine.stateRegistry().blockers().get(0));
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

    /** Waits up to {@code millis} for the current migration to end; true when it has. */
    public boolean await(long millis) throws InterruptedException {
        Thread t = thread;
        return t == null || t.join(java.time.Duration.ofMillis(millis));
    }

    /** Whether a migration in status {@code s} is still going (QEMU's migration_is_running). */
    public static boolean isActive(LiveMigration.Status s) {
        return s == LiveMigration.Status.SETUP || s == LiveMigration.Status.ACTIVE || s == LiveMigration.Status.DEVICE
                || s == LiveMigration.Status.PRE_SWITCHOVER || s == LiveMigration.Status.CANCELLING;
    }

    /**
     * migrate-continue: the current migration must be in {@code expected} (QEMU's check), which
     * must be pre-switchover for anything to happen.
     */
    public void continueFrom(LiveMigration.Status expected) throws MigrationException {
        LiveMigration c = current;
        LiveMigration.Status now = c == null ? LiveMigration.Status.NONE : c.stats.status;
        if (now != expected || c == null || !c.continueSwitchover()) {
            throw new MigrationException("Migration not in expected state: " + now.qemuName);
        }
    }

    // ---- incoming (the destination's side) ----

    private boolean incomingExpected, incomingStarted, incomingAutostart;
    private volatile LiveMigration.Status incomingStatus = LiveMigration.Status.NONE;
    private volatile String incomingUri;
    private volatile Consumer<MigrationException> incomingFailure = e -> { };

    /**
     * The machine was started with {@code -incoming}: it waits in {@code inmigrate} for a
     * stream ({@link #startIncoming}, at once, or on migrate-incoming for {@code defer}), then
     * runs if {@code autostart} and the source was running.
     */
    public synchronized void expectIncoming(boolean autostart) {
        incomingExpected = true;
        incomingAutostart = autostart;
        machine.setStateQuietly(RunState.INMIGRATE);
    }

    /** What happens when the incoming stream fails to load (the launcher ends, as QEMU exits). */
    public void onIncomingFailure(Consumer<MigrationException> l) {
        incomingFailure = l == null ? e -> { } : l;
    }

    /**
     * Listens on {@code uri} and loads the stream in the background. The errors are QEMU's
     * migrate-incoming errors; a URI that cannot be listened on leaves the machine waiting for
     * another try.
     */
    public synchronized void startIncoming(String uri) throws MigrationException {
        startIncoming(uri, Channels.NamedFds.NONE);
    }

    /** As {@link #startIncoming(String)}, {@code fd:NAME} taking the monitor's descriptor of that name. */
    public synchronized void startIncoming(String uri, Channels.NamedFds fds) throws MigrationException {
        if (!incomingExpected || machine.state() != RunState.INMIGRATE) {
            throw new MigrationException("'-incoming' was not specified on the command line");
        }
        if (incomingStarted) throw new MigrationException("The incoming migration has already been started");
        incomingStatus = LiveMigration.Status.SETUP;
        statusChanged(LiveMigration.Status.SETUP);
        Channels.Listener l;
        try {
            l = Channels.listen(uri, fds);
        } catch (MigrationException e) {
            incomingStatus = LiveMigration.Status.NONE;
            throw e;
        }
        incomingStarted = true;
        incomingUri = uri;
        Channels.Listener watched = new Channels.Listener() {
            @Override
            public Channels.Channel accept() throws MigrationException {
                Channels.Channel ch = l.accept();
                incomingStatus = LiveMigration.Status.ACTIVE;
                statusChanged(LiveMigration.Status.ACTIVE);
                return ch;
            }

            @Override
            public void close() {
                l.close();
            }
        };
        boolean autostart = incomingAutostart;
        Thread.ofPlatform().name("migration-incoming").daemon(true).start(() -> {
            try (watched) {
                MachineMigration.incoming(machine, watched, autostart);
                incomingStatus = LiveMigration.Status.COMPLETED;
                statusChanged(LiveMigration.Status.COMPLETED);
            } catch (MigrationException e) {
                incomingStatus = LiveMigration.Status.FAILED;
                statusChanged(LiveMigration.Status.FAILED);
                incomingFailure.accept(e);
            }
        });
    }

    /** The incoming side's status: none until it listens. */
    public LiveMigration.Status incomingStatus() {
        return incomingStatus;
    }

    /** The URI the incoming side listens on, or null. */
    public String incomingUri() {
        return incomingUri;
    }
}
