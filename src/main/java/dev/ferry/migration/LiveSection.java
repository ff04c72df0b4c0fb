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

    /** Bytes still to send (an estimate the precopy loop compares with the downtime budget). */
    long pendingBytes();

    void saveComplete(MigrationOutput out) throws VMStateException;

    void load(MigrationInput in, int versionId) throws VMStateException;

    /** After success or failure, on either side. */
    default void cleanup() {}
}
