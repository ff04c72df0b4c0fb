package dev.ferry.machine;

import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import dev.ferry.migration.MigrationInput;
import dev.ferry.migration.MigrationOutput;
import dev.ferry.migration.MigrationStream;
import dev.ferry.migration.ReturnPath;
import dev.ferry.migration.SaveStateRegistry;
import dev.ferry.migration.vmstate.VMStateException;
import java.io.IOException;

/**
 * Moves a {@link VirtMachine}'s state through a channel: the outgoing side (stop, send the
 * whole stream, stay in postmigrate) and the incoming side (load, then resume when the source
 * was running). A failed outgoing migration leaves the source as it was.
 */
public final class MachineMigration {
    private MachineMigration() {}

    public static final String MACHINE_TYPE = "virt";

    /** Statistics of a finished outgoing migration. */
    public record Result(long bytes, long totalMillis, long downtimeMillis) {}

    /** Cold migration (or a snapshot to a channel): the vCPUs stop for the whole transfer. */
    public static Result migrate(VirtMachine m, String uri) throws MigrationException {
        return migrate(m, uri, true);
    }

    /**
     * Cold migration; {@code returnPath} false sends no OPEN_RETURN_PATH even on a channel that
     * could answer (the return-path capability off).
     */
    public static Result migrate(VirtMachine m, String uri, boolean returnPath) throws MigrationException {
        SaveStateRegistry reg = m.stateRegistry();
        if (!reg.blockers().isEmpty()) throw new MigrationException(reg.blockers().get(0));
        RunState before = m.state();
        boolean wasRunning = m.isRunning();
        long t0 = System.nanoTime();
        Channels.Channel ch = Channels.connect(uri);
        m.pause(RunState.FINISH_MIGRATE);
        m.quiesceDevices();
        m.recordGlobalState(wasRunning ? RunState.RUNNING : before);
        MigrationOutput out = new MigrationOutput(ch.out());
        ReturnPath.Listener rp = ch.in() != null && returnPath ? new ReturnPath.Listener(ch.in()) : null;
        boolean drivesInactive = false;
        try {
            // shared storage: the destination takes the disks over once it has loaded the stream
            DriveActivation.inactivateAll(m);
            drivesInactive = true;
            MigrationStream.writeHeader(out, MACHINE_TYPE);
            if (rp != null) ReturnPath.writeOpenCommand(out);
            MigrationStream.saveRest(out, reg);
            finish(out, rp);
        } catch (VMStateException | IOException | MigrationException e) {
            String reason = e instanceof MigrationException || rp == null ? null : rp.reasonAfterFailure(2000);
            ch.close();
            // nothing happened as far as the guest is concerned: it has its disks back, and runs if it ran
            String lost = null;
            if (drivesInactive) {
                try {
                    DriveActivation.activateAll(m);
                } catch (IOException ae) {
                    lost = "the disks could not be taken back: " + ae.getMessage();
                }
            }
            if (wasRunning && lost == null) m.resume();
            else if (wasRunning) m.setStateQuietly(RunState.PAUSED); // not without its disks; cont tries again
            else m.setStateQuietly(before);
            String msg = reason != null ? reason : e.getMessage();
            if (lost != null) msg = msg + "; " + lost;
            if (reason == null && lost == null && e instanceof MigrationException me) throw me;
            throw new MigrationException(msg, e);
        } finally {
            for (var e : reg.entries()) if (e.isLive()) e.live().cleanup();
        }
        ch.close();
        m.setStateQuietly(RunState.POSTMIGRATE);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Result(out.bytesWritten(), ms, ms);
    }

    /**
     * Ends the outgoing stream. With a return path, waits for the destination's verdict: the
     * migration only succeeded once the destination has loaded everything (and started).
     */
    static void finish(MigrationOutput out, ReturnPath.Listener returnPath) throws MigrationException, VMStateException, IOException {
        if (returnPath == null) {
            out.close();
            return;
        }
        out.flush();
        ReturnPath.Shut shut;
        try {
            shut = returnPath.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("migration interrupted", e);
        }
        if (shut.failed()) throw new MigrationException(shut.reason());
    }

    /**
     * The incoming side: waits for the stream, loads it, then starts the guest if the source
     * was running (and {@code autostart}), else leaves it paused. When the source asked for the
     * return path, the destination reports success (after starting) or its error on it.
     */
    public static void incoming(VirtMachine m, Channels.Listener listener, boolean autostart) throws MigrationException {
        m.setStateQuietly(RunState.INMIGRATE);
        ReturnPath.Sender[] rp = {null};
        try (Channels.Channel ch = listener.accept(); MigrationInput in = new MigrationInput(ch.in())) {
            Runnable open = ch.out() == null ? null : () -> rp[0] = new ReturnPath.Sender(ch.out());
            try {
                MigrationStream.load(in, m.stateRegistry(), MACHINE_TYPE, open);
                // shared storage: the source has let go of the disks; take them (locks, fresh metadata)
                // before the guest runs. All or nothing, so that on failure the source can take them back.
                try {
                    DriveActivation.activateAll(m);
                } catch (IOException e) {
                    throw new MigrationException("Could not activate the disks after migration: " + e.getMessage(), e);
                }
            } catch (MigrationException e) {
                m.setStateQuietly(RunState.INMIGRATE);
                if (rp[0] != null) {
                    try {
                        rp[0].shut(true, e.getMessage());
                        // closing with unread bytes would reset the connection and could
                        // discard the reason before the source reads it: swallow the rest
                        ReturnPath.drain(ch.in(), 3000);
                    } catch (IOException ignored) {
                        // the source is gone too
                    }
                }
                throw e;
            }
            RunState src = m.receivedGlobalState();
            if (autostart && (src == null || src == RunState.RUNNING)) m.resume();
            else m.setStateQuietly(RunState.PAUSED);
            if (rp[0] != null) {
                try {
                    rp[0].shut(false, null);
                } catch (IOException e) {
                    // the source went away after sending everything: the guest runs here
                }
            }
        } catch (IOException e) {
            throw new MigrationException(e.getMessage(), e);
        }
    }

    /** Loads a whole stream from a channel into a stopped machine (loadvm-like). */
    public static void load(VirtMachine m, String uri) throws MigrationException {
        try (Channels.Listener l = Channels.listen(uri)) {
            incoming(m, l, false);
        }
    }
}
