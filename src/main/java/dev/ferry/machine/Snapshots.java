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
 * the same name, so disks and memory are restored together. One operation at a time (HMP's
 * commands and QMP's jobs may ask at once; QEMU's main loop serialises them the same way).
 */
public final class Snapshots {
    private Snapshots() {}

    /**
     * The drives in the order their devices were given, as QEMU walks its block backends (the
     * first device sits in the highest virtio-mmio slot): the first writable one takes the VM state.
     */
    private static List<DriveBackend> drivesInOrder(VirtMachine m) {
        return m.drives().reversed();
    }

    private static List<DriveBackend> writable(VirtMachine m) throws MigrationException {
        List<DriveBackend> out = new ArrayList<>();
        for (DriveBackend d : drivesInOrder(m)) {
            if (d.driver().readOnly()) continue;
            if (!(d.driver() instanceof Qcow2Image))
                throw new MigrationException("Device '" + d.name() + "' is writable but does not support snapshots");
            out.add(d);
        }
        if (out.isEmpty()) throw new MigrationException("no block device can store vmstate for snapshot");
        return out;
    }

    /**
     * The nodes a QMP snapshot command names, checked as QEMU checks them: at least one, each an
     * existing node (a drive's image or a node of its backing chain), each a writable qcow2.
     * A node named twice counts once.
     */
    static List<DriveBackend> snapshotNodes(VirtMachine m, List<String> nodeNames) throws MigrationException {
        if (nodeNames.isEmpty()) throw new MigrationException("At least one device is required for snapshot");
        List<DriveBackend> out = new ArrayList<>();
        for (String n : nodeNames) {
            DriveBackend d = findNode(m, n);
            if (d == null) throw new MigrationException("No block device node '" + n + "'");
            if (!out.contains(d)) out.add(d);
        }
        for (DriveBackend d : out) {
            if (d.driver().readOnly() || !(d.driver() instanceof Qcow2Image))
                throw new MigrationException("Device '" + d.name() + "' is writable but does not support snapshots");
        }
        return out;
    }

    /**
     * The node named {@code nodeName} as a backend: a drive's own, or a backing node wrapped
     * under its node name (QEMU names a node without a device by its node name).
     */
    private static DriveBackend findNode(VirtMachine m, String nodeName) {
        for (DriveBackend d : drivesInOrder(m)) {
            if (d.driver().nodeName().equals(nodeName)) return d;
            for (BlockDriver b = d.driver().backing().orElse(null); b != null; b = b.backing().orElse(null))
                if (b.nodeName().equals(nodeName)) return new DriveBackend(b, b.nodeName());
        }
        return null;
    }

    private static DriveBackend vmstateNode(List<DriveBackend> disks, String vmstate) throws MigrationException {
        for (DriveBackend d : disks) if (d.driver().nodeName().equals(vmstate)) return d;
        throw new MigrationException("vmstate block device '" + vmstate + "' does not exist");
    }

    /** Whether every disk has a snapshot {@code name} (by name or id), as QEMU asks before save and load. */
    private static boolean allHave(List<DriveBackend> disks, String name) throws MigrationException {
        for (DriveBackend d : disks) if (find((Qcow2Image) d.driver(), name) == null) return false;
        return true;
    }

    private static Qcow2Snapshot find(Qcow2Image q, String name) throws MigrationException {
        try {
            Qcow2Snapshot found = null;
            for (Qcow2Snapshot s : q.snapshots()) if (s.name().equals(name) || s.id().equals(name)) found = s;
            return found;
        } catch (IOException e) {
            throw new MigrationException(e.getMessage(), e);
        }
    }

    /** savevm NAME: replaces a snapshot of the same name. */
    public static synchronized void save(VirtMachine m, String name) throws MigrationException {
        List<DriveBackend> disks = writable(m);
        if (!m.stateRegistry().blockers().isEmpty()) throw new MigrationException(m.stateRegistry().blockers().get(0));
        saveTo(m, name, disks, disks.get(0));
    }

    /**
     * QMP's snapshot-save: the machine's state into {@code vmstate}, a snapshot {@code name} on
     * every node of {@code devices}; QEMU's checks in QEMU's order, and an existing snapshot of
     * that name is an error rather than replaced.
     */
    public static synchronized void save(VirtMachine m, String name, List<String> devices, String vmstate) throws MigrationException {
        if (!m.stateRegistry().blockers().isEmpty()) throw new MigrationException(m.stateRegistry().blockers().get(0));
        List<DriveBackend> disks = snapshotNodes(m, devices);
        if (allHave(disks, name)) throw new MigrationException("Snapshot '" + name + "' already exists in one or more devices");
        saveTo(m, name, disks, vmstateNode(disks, vmstate));
    }

    private static void saveTo(VirtMachine m, String name, List<DriveBackend> disks, DriveBackend vmNode) throws MigrationException {
        Qcow2Image vmDisk = (Qcow2Image) vmNode.driver();
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
            throw new MigrationException("Error while creating snapshot on '" + vmNode.name() + "': " + e.getMessage(), e);
        } finally {
            for (var e : m.stateRegistry().entries()) if (e.isLive()) e.live().cleanup();
            if (wasRunning) m.resume();
            else m.setStateQuietly(before);
        }
    }

    /** loadvm NAME: disks and machine go back to the snapshot; a failed load leaves the machine stopped. */
    public static synchronized void load(VirtMachine m, String name) throws MigrationException {
        List<DriveBackend> disks = writable(m);
        if (!allHave(disks, name)) throw new MigrationException("Snapshot '" + name + "' does not exist in one or more devices");
        loadFrom(m, name, disks, disks.get(0));
    }

    /**
     * QMP's snapshot-load: every node of {@code devices} goes back to snapshot {@code name} and
     * the machine's state comes from {@code vmstate}. The checks come first: when one fails
     * nothing has changed and a running guest runs on.
     */
    public static synchronized void load(VirtMachine m, String name, List<String> devices, String vmstate) throws MigrationException {
        List<DriveBackend> disks = snapshotNodes(m, devices);
        if (!allHave(disks, name)) throw new MigrationException("Snapshot '" + name + "' does not exist in one or more devices");
        loadFrom(m, name, disks, vmstateNode(disks, vmstate));
    }

    private static void loadFrom(VirtMachine m, String name, List<DriveBackend> disks, DriveBackend vmNode) throws MigrationException {
        Qcow2Image vmDisk = (Qcow2Image) vmNode.driver();
        Qcow2Snapshot snap = find(vmDisk, name);
        if (snap.vmStateSize() == 0)
            throw new MigrationException("This is a disk-only snapshot. Revert to it  offline using qemu-img"); // QEMU's text, two spaces and all
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
    public static synchronized void delete(VirtMachine m, String name) throws MigrationException {
        deleteFrom(writable(m), name);
    }

    /** QMP's snapshot-delete: removes it from the nodes of {@code devices} that have it. */
    public static synchronized void delete(VirtMachine m, String name, List<String> devices) throws MigrationException {
        deleteFrom(snapshotNodes(m, devices), name);
    }

    private static void deleteFrom(List<DriveBackend> disks, String name) throws MigrationException {
        try {
            for (DriveBackend d : disks) {
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
