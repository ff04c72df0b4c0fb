package dev.ferry.machine;

import dev.ferry.block.BlockDriver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands a machine's disks over between the two sides of a migration on shared storage, as
 * QEMU's bdrv_inactivate_all and bdrv_activate_all do: the source, once its vCPUs stopped and
 * its requests drained, flushes and inactivates every drive (dropping the image locks); the
 * destination, which opened them inactive, activates them (takes the locks, reloads the
 * metadata) when the stream is loaded. Both are all or nothing, so that whichever side goes on
 * owns every disk.
 */
public final class DriveActivation {
    private DriveActivation() {}

    /** The drives' nodes, in slot order. */
    private static List<BlockDriver> nodes(VirtMachine m) {
        List<BlockDriver> out = new ArrayList<>();
        for (DriveBackend d : m.drives()) out.add(d.driver());
        return out;
    }

    /**
     * Flushes and inactivates every drive. When one fails, those already inactivated are
     * activated again and the error is thrown.
     */
    static void inactivateAll(VirtMachine m) throws IOException {
        List<BlockDriver> done = new ArrayList<>();
        for (DriveBackend d : m.drives()) {
            BlockDriver b = d.driver();
            if (!b.isActive()) continue;
            try {
                b.inactivate();
            } catch (IOException e) {
                IOException err = new IOException("Could not inactivate drive '" + d.name() + "': " + e.getMessage(), e);
                for (BlockDriver back : done) {
                    try {
                        back.activate();
                    } catch (IOException s) {
                        err.addSuppressed(s);
                    }
                }
                throw err;
            }
            done.add(b);
        }
    }

    /**
     * Activates every inactive drive (nothing to do when all are active). When one fails,
     * those it activated are inactivated again and the error is thrown with the image's own
     * message (QEMU's: {@code Failed to get "write" lock} ...).
     */
    public static void activateAll(VirtMachine m) throws IOException {
        List<BlockDriver> done = new ArrayList<>();
        for (BlockDriver b : nodes(m)) {
            if (b.isActive()) continue;
            try {
                b.activate();
            } catch (IOException e) {
                for (BlockDriver back : done) {
                    try {
                        back.inactivate();
                    } catch (IOException s) {
                        e.addSuppressed(s);
                    }
                }
                throw e;
            }
            done.add(b);
        }
    }
}
