package dev.ferry.migration;

import dev.ferry.migration.vmstate.VMStateException;

/**
 * State that is sent while the guest runs (QEMU's live-iterative SaveVMHandlers): RAM now,
 * disks later. The stream calls setup once (a START section), iterate while the guest runs
 * (PART sections), complete with the vCPUs stopped (an END section); the destination's load
 * reads each of those sections' bodies.
 */
public interface LiveSection {
    int version();

    void saveSetup(MigrationOutput out) throws VMStateException;

    /**
     * Sends a round of data, at most about {@code maxBytes}; returns true when nothing more is
     * pending right now.
     */
    boolean saveIterate(MigrationOutput out, long maxBytes) throws VMStateException;

    /**
     * What is still to send, as QEMU's save_live_pending splits it: what only precopy can send
     * (before the destination runs), what either precopy or postcopy can, and what only
     * postcopy can. Ferry has no postcopy yet, so its precopy loop sends all three; the split
     * is for the day it has.
     */
    record Pending(long precopyOnly, long compatible, long postcopyOnly) {
        public static final Pending NONE = new Pending(0, 0, 0);

        public long total() {
            return precopyOnly + compatible + postcopyOnly;
        }

        public Pending plus(Pending o) {
            return new Pending(precopyOnly + o.precopyOnly, compatible + o.compatible, postcopyOnly + o.postcopyOnly);
        }
    }

    /** The estimate the precopy loop compares with the downtime budget. */
    Pending pending();

    void saveComplete(MigrationOutput out) throws VMStateException;

    void load(MigrationInput in, int versionId) throws VMStateException;

    /** After success or failure, on either side. */
    default void cleanup() {}
}
