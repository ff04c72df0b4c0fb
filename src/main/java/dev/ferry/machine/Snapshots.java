package dev.ferry.machine;

import dev.ferry.block.BlockDriver;
import dev.ferry.block.Qcow2Image;
import dev.ferry.block.Qcow2Snapshot;
import dev.ferry.migration.MigrationException;
import dev.ferry.migration.MigrationInput;
import dev.ferry.migration.MigrationOutput;
import dev.ferry.migration.MigrationStream;
import dev.ferry.migration.vmstate.VMStateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Internal snapshots, as QEMU's savevm/loadvm/delvm: the machine's state stream goes into the
 * VM-state area of the first writable qcow2 disk, and every writable disk takes a snapshot of
 * the same name, so disks and memory are restored together.
 */
public final class Snapshots {
    private Snapshots() {}

    private static List<DriveBackend> writable(VirtMachine m) throws MigrationException {
        List<DriveBackend> out = new ArrayList<>();
        for (DriveBackend d : m.drives()) {
            if (d.driver().readOnly()) continue;
            if (!(d.driver() instanceof Qcow2Image))
                throw new MigrationException("Device '" + d.name() + "' is writable but does not support snapshots");
            out.add(d);
        }
        if (out.isEmpty()) throw new MigrationException("no block device can store vmstate for snapshot");
        return out;
    }

    /** savevm NAME: replaces a snapshot of the same name. */
    public static void save(VirtMachine m, String name) throws MigrationException {
        List<DriveBackend> disks = writable(m);
        if (!m.stateRegistry().blockers().isEmpty()) throw new MigrationException(m.stateRegistry().blockers().get(0));
        Qcow2Image vmDisk = (Qcow2Image) disks.get(0).driver();
        boolean wasRunning = m.isRunning();
        RunState before = m.state();
        m.pause(RunState.SAVE_VM);
        try {
            m.quiesceDevices();
            for (DriveBackend d : disks) {
                d.driver().flush();
                Qcow2Image q = (Qcow2Image) d.driver();
                for (Qcow2Snapshot s : q.snapshots()) if (s.name().equals(name)) q.deleteSnapshot(s.id());
            }
            m.recordGlobalState(wasRunning ? RunState.RUNNING : before);
            long[] pos = {0};
            MigrationOutput out = new MigrationOutput(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    vmDisk.writeVmState(pos[0], ByteBuffer.wrap(b, off, len));
                    pos[0] += len;
                }
            });
            MigrationStream.saveAll(out, m.stateRegistry(), MachineMigration.MACHINE_TYPE);
            out.close();
            Instant now = Instant.now();
            long vmClockNanos = m.clock.now() * 100; // 10 MHz ticks
            for (DriveBackend d : disks) {
                Qcow2Image q = (Qcow2Image) d.driver();
                q.createSnapshot(name, q == vmDisk ? pos[0] : 0, vmClockNanos, now.getEpochSecond(), now.getNano(), 0);
            }
        } catch (IOException | VMStateException e) {
            throw new MigrationException("Error while creating snapshot on '" + disks.get(0).name() + "': " + e.getMessage(), e);
        } finally {
            for (var e : m.stateRegistry().entries()) if (e.isLive()) e.live().cleanup();
            if (wasRunning) m.resume();
            else m.setStateQuietly(before);
        }
    }

    /** loadvm NAME: disks and machine go back to the snapshot; a failed load leaves the machine stopped. */
    public static void load(VirtMachine m, String name) throws MigrationException {
        List<DriveBackend> disks = writable(m);
        Qcow2Image vmDisk = (Qcow2Image) disks.get(0).driver();
        Qcow2Snapshot snap = null;
        try {
            for (DriveBackend d : disks) {
                Qcow2Snapshot found = null;
                for (Qcow2Snapshot s : ((Qcow2Image) d.driver()).snapshots()) if (s.name().equals(name) || s.id().equals(name)) found = s;
                if (found == null) throw new MigrationException("Snapshot '" + name + "' does not exist in one or more devices");
                if (d.driver() == vmDisk) snap = found;
            }
        } catch (IOException e) {
            throw new MigrationException(e.getMessage(), e);
        }
        if (snap.vmStateSize() == 0)
            throw new MigrationException("Snapshot '" + name + "' has no VM state (it was taken of the disks only)");
        boolean wasRunning = m.isRunning();
        m.pause(RunState.RESTORE_VM);
        m.quiesceDevices();
        long size = snap.vmStateSize();
        try {
            for (DriveBackend d : disks) ((Qcow2Image) d.driver()).applySnapshot(name);
            long[] pos = {0};
            InputStream in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] b = new byte[1];
                    return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (pos[0] >= size) return -1;
                    int n = (int) Math.min(len, size - pos[0]);
                    vmDisk.readVmState(pos[0], ByteBuffer.wrap(b, off, n));
                    pos[0] += n;
                    return n;
                }
            };
            MigrationStream.load(new MigrationInput(in), m.stateRegistry(), MachineMigration.MACHINE_TYPE);
        } catch (IOException e) {
            m.setStateQuietly(RunState.PAUSED);
            throw new MigrationException("Error while loading snapshot '" + name + "': " + e.getMessage(), e);
        } catch (MigrationException e) {
            m.setStateQuietly(RunState.PAUSED);
            throw new MigrationException("Error while loading VM state: " + e.getMessage(), e);
        }
        if (wasRunning) m.resume();
        else m.setStateQuietly(RunState.PAUSED);
    }

    /** delvm NAME: removes it from every disk that has it (nothing if none has). */
    public static void delete(VirtMachine m, String name) throws MigrationException {
        try {
            for (DriveBackend d : writable(m)) {
                Qcow2Image q = (Qcow2Image) d.driver();
                for (Qcow2Snapshot s : q.snapshots()) if (s.name().equals(name) || s.id().equals(name)) q.deleteSnapshot(s.id());
            }
        } catch (IOException e) {
            throw new MigrationException(e.getMessage(), e);
        }
    }

    /** QEMU's {@code info snapshots} text. */
    public static String info(VirtMachine m) throws MigrationException {
        List<DriveBackend> disks = writable(m);
        StringBuilder sb = new StringBuilder("List of snapshots present on all disks:\n");
        sb.append(String.format(Locale.ROOT, "%-9s %-17s %8s%20s%13s%11s%n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT"));
        DateTimeFormatter date = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
        try {
            outer:
            for (Qcow2Snapshot s : ((Qcow2Image) disks.get(0).driver()).snapshots()) {
                for (DriveBackend d : disks) {
                    boolean has = false;
                    for (Qcow2Snapshot t : ((Qcow2Image) d.driver()).snapshots()) has |= t.name().equals(s.name());
                    if (!has) continue outer;
                }
                long ms = s.vmClockNanos() / 1_000_000;
                String clock = String.format(Locale.ROOT, "%02d:%02d:%02d.%03d", ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60, ms % 1000);
                sb.append(String.format(Locale.ROOT, "%-9s %-17s %8s%20s%13s%11s%n", "--", s.name(), sizeToStr(s.vmStateSize()),
                        date.format(Instant.ofEpochSecond(s.dateSeconds())), clock, ""));
            }
        } catch (IOException e) {
            throw new MigrationException(e.getMessage(), e);
        }
        return sb.toString();
    }

    /** QEMU's size_to_str: three significant digits and a binary unit ("315 KiB", "1.23 MiB"). */
    static String sizeToStr(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        // the next unit from 1000 of the current one on, as QEMU's (1000 KiB shows as 0.977 MiB)
        int i = bytes == 0 ? 0 : Math.max(0, Math.getExponent(bytes / (1000.0 / 1024.0)) / 10);
        double v = bytes / Math.pow(1024, i);
        String num = new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
        return num + " " + units[i];
    }
}
