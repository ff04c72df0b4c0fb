/**
 * Declarative per-device state descriptions, in the manner of QEMU's VMState.
 *
 * <p>Every device and the hart declares its migratable state once, as a
 * {@link dev.ferry.migration.vmstate.VMStateDescription}; that one description writes and reads
 * the device's section body for snapshots and migration (in QEMU's encoding, so the migration
 * stream embeds it unchanged) and writes the device's entry of the stream's JSON VM description
 * ({@link dev.ferry.migration.vmstate.JsonWriter}, QEMU's exact text).
 *
 * <p>The stream side plugs in through {@link dev.ferry.migration.vmstate.VMStateWriter} and
 * {@link dev.ferry.migration.vmstate.VMStateReader} (QEMUFile's put/get/peek primitives); the
 * byte-array implementations serve tests and in-memory snapshots. Section headers, footers,
 * instance ids and the JSON's outer object are the stream's business, not this package's.
 */
package dev.ferry.migration.vmstate;
