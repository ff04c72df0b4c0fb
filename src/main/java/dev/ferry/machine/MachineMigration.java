package dev.ferry.machine;

import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import dev.ferry.migration.MigrationInput;
import dev.ferry.migration.MigrationOutput;
import dev.ferry.migration.MigrationStream;
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
        SaveStateRegistry reg = m.stateRegistry();
        if (!reg.blockers().isEmpty()) throw new MigrationException(reg.blockers().get(0));
        RunState before = m.state();
        boolean wasRunning = m.isRunning();
        long t0 = System.nanoTime();
        Channels.Channel ch = Channels.connect(uri);
        m.pause(RunState.FINISH_MIGRATE);
        m.recordGlobalState(wasRunning ? RunState.RUNNING : before);
        MigrationOutput out = new MigrationOutput(ch.out());
        try {
            MigrationStream.saveAll(out, reg, MACHINE_TYPE);
            out.close();
        } catch (VMStateException | IOException e) {
            ch.close();
            // nothing happened as far as the guest is concerned
            if (wasRunning) m.resume();
            else m.setStateQuietly(before);
            throw new MigrationException(e.getMessage(), e);
        } finally {
            for (var e : reg.entries()) if (e.isLive()) e.live().cleanup();
        }
        ch.close();
        m.setStateQuietly(RunState.POSTMIGRATE);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Result(out.bytesWritten(), ms, ms);
    }

    /**
     * The incoming side: waits for the stream, loads it, then starts the guest if the source
     * was running (and {@code autostart}), else leaves it paused.
     */
    public static void incoming(VirtMachine m, Channels.Listener listener, boolean autostart) throws MigrationException {
        m.setStateQuietly(RunState.INMIGRATE);
        try (Channels.Channel ch = listener.accept(); MigrationInput in = new MigrationInput(ch.in())) {
            MigrationStream.load(in, m.stateRegistry(), MACHINE_TYPE);
        } catch (IOException e) {
            throw new MigrationException(e.getMessage(), e);
        }
        RunState src = m.receivedGlobalState();
        if (autostart && (src == null || src == RunState.RUNNING)) m.resume();
        else m.setStateQuietly(RunState.PAUSED);
    }

    /** Loads a whole stream from a channel into a stopped machine (loadvm-like). */
    public static void load(VirtMachine m, String uri) throws MigrationException {
        try (Channels.Listener l = Channels.listen(uri)) {
            incoming(m, l, false);
        }
    }
}
