package dev.ferry.block;

/**
 * One entry of a qcow2 image's snapshot table (docs/interop/qcow2.txt, "Snapshots").
 *
 * @param id            the unique ID string (QEMU numbers them 1, 2, ...)
 * @param name          the name (tag); names need not be unique
 * @param dateSeconds   when it was taken, seconds since the Epoch
 * @param dateNanos     the sub-second part of the date
 * @param vmClockNanos  guest time the VM had run when it was taken
 * @param vmStateSize   bytes of VM state saved with it (0: a disk-only snapshot)
 * @param diskSize      the virtual disk size when it was taken
 * @param icount        instruction count (QEMU's record/replay), 0 when unused, -1 when absent
 * @param l1TableOffset where its L1 table is in the file
 * @param l1Size        entries in its L1 table
 */
public record Qcow2Snapshot(String id, String name, long dateSeconds, int dateNanos, long vmClockNanos,
                            long vmStateSize, long diskSize, long icount, long l1TableOffset, int l1Size) {
}
