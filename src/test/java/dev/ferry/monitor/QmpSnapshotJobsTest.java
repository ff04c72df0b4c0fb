package dev.ferry.monitor;

import static dev.ferry.asm.Reg.*;
import static dev.ferry.monitor.QmpNode.OK;
import static dev.ferry.monitor.QmpNode.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import dev.ferry.block.BlockDriver;
import dev.ferry.block.Images;
import dev.ferry.block.OpenOptions;
import dev.ferry.block.Qcow2Image;
import dev.ferry.block.Qemu;
import dev.ferry.chardev.NullBackend;
import dev.ferry.hw.virtio.VirtioBlk;
import dev.ferry.machine.DriveBackend;
import dev.ferry.machine.VirtMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * QMP's snapshot jobs (snapshot-save, snapshot-load, snapshot-delete, query-jobs, job-dismiss)
 * and query-block on a bare-metal guest that counts in memory, with a qcow2 disk (node disk0),
 * a raw disk (raw0) and a read-only qcow2 disk (ro0): the statuses, events, replies and job
 * errors as qemu-system-riscv64 7.2 gives them, the counter going back to the saved value, and
 * qemu-img finding the snapshots and a clean image.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QmpSnapshotJobsTest {
    static final long COUNTER = VirtMachine.RAM_BASE + 0x10000;

    @TempDir
    Path dir;

    /** The guest: adds one to a 64-bit counter in memory, forever. */
    static byte[] counterGuest() {
        Assembler a = new Assembler(VirtMachine.RAM_BASE);
        Label loop = a.newLabel();
        a.li(S0, COUNTER);
        a.bind(loop);
        a.ld(T0, 0, S0);
        a.addi(T0, T0, 1);
        a.sd(T0, 0, S0);
        a.j(loop);
        return a.assemble();
    }

    private static String job(String cmd, String id, String args) {
        return "{\"execute\": \"" + cmd + "\", \"arguments\": {\"job-id\": \"" + id + "\", " + args + "}}";
    }

    /** The events up to job {@code id}'s "concluded": its statuses and any STOP/RESUME between, in order. */
    private static List<String> untilConcluded(QmpClient c, String id) throws Exception {
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!out.contains("concluded")) {
            assertTrue(System.nanoTime() < deadline, "job " + id + " did not conclude: " + out);
            String e = c.nextEvent(100);
            if (e == null) continue;
            JsonNode j = QmpClient.parse(e);
            String name = j.path("event").asText();
            if (name.equals("JOB_STATUS_CHANGE")) {
                assertEquals(id, j.path("data").path("id").asText(), e);
                assertTrue(j.path("timestamp").has("seconds") && j.path("timestamp").has("microseconds"), e);
                out.add(j.path("data").path("status").asText());
            } else if (name.equals("STOP") || name.equals("RESUME")) {
                out.add(name);
            }
        }
        return out;
    }

    private static final List<String> FAILED = List.of("created", "running", "aborting", "concluded");

    /** Runs a job that must fail, dismisses it, and returns its error as query-jobs showed it. */
    private static String failedJob(QmpClient c, String cmd, String id, String args) throws Exception {
        assertEquals(OK, c.command(job(cmd, id, args)));
        assertEquals(FAILED, untilConcluded(c, id));
        JsonNode jobs = QmpClient.parse(c.command("{\"execute\": \"query-jobs\"}")).get("return");
        assertEquals(1, jobs.size(), jobs.toString());
        assertEquals(id, jobs.get(0).get("id").asText());
        assertEquals(cmd, jobs.get(0).get("type").asText());
        assertEquals("concluded", jobs.get(0).get("status").asText());
        assertEquals(OK, c.command("{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"" + id + "\"}}"));
        assertEquals(List.of("null"), statuses(c.drainEvents()));
        return jobs.get(0).get("error").asText();
    }

    private static List<String> statuses(List<String> events) throws Exception {
        List<String> out = new ArrayList<>();
        for (String e : events) out.add(QmpClient.parse(e).path("data").path("status").asText());
        return out;
    }

    private static String status(QmpClient c) throws Exception {
        return QmpClient.parse(c.command("{\"execute\": \"query-status\"}")).path("return").path("status").asText();
    }

    private static long waitForCount(VirtMachine m, long above) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long v;
        while ((v = m.bus.read(COUNTER, 8)) <= above) {
            assertTrue(System.nanoTime() < deadline, "the guest does not count");
            Thread.sleep(5);
        }
        return v;
    }

    @Test
    void saveLoadDeleteAsJobsWithQemusStatusesEventsAndErrors() throws Exception {
        Qemu.assume();
        Path img = dir.resolve("disk.qcow2"), raw = dir.resolve("raw.img"), ro = dir.resolve("ro.qcow2");
        Qemu.imgOk("create", "-q", "-f", "qcow2", img.toString(), "16M");
        Qemu.imgOk("create", "-q", "-f", "raw", raw.toString(), "1M");
        Qemu.imgOk("create", "-q", "-f", "qcow2", ro.toString(), "1M");
        Path kernel = dir.resolve("counter.bin");
        Files.write(kernel, counterGuest());
        Path sock = dir.resolve("qmp.sock");
        try (BlockDriver disk = Images.open(img, OpenOptions.defaults().withFormat("qcow2").withNodeName("disk0"));
             BlockDriver rawDisk = Images.open(raw, OpenOptions.defaults().withFormat("raw").withNodeName("raw0"));
             BlockDriver roDisk = Images.open(ro, OpenOptions.defaults().withFormat("qcow2").withNodeName("ro0").withReadOnly(true))) {
            List<dev.ferry.hw.virtio.VirtioDevice> devs = List.of(
                    new VirtioBlk(new DriveBackend(disk, "d0", new DriveBackend.Attachment("/machine/peripheral-anon/device[0]", true, false, false)),
                            VirtioBlk.Options.defaults()),
                    new VirtioBlk(new DriveBackend(rawDisk, "d1", new DriveBackend.Attachment("vd1", true, false, false)), VirtioBlk.Options.defaults()),
                    new VirtioBlk(new DriveBackend(roDisk, "d2", new DriveBackend.Attachment("/machine/peripheral-anon/device[1]", true, false, true)),
                            VirtioBlk.Options.defaults()));
            try (QmpNode<QmpClient> node = QmpNode.running(new VirtMachine.Options(32L << 20, 1, VirtMachine.BiosKind.NONE, null, kernel,
                    null, null, null, new NullBackend(), false, false, devs, true), sock)) {
                VirtMachine m = node.machine;
                QmpClient c = node.qmp;
                List<String> names = new ArrayList<>();
                for (JsonNode n : QmpClient.parse(c.command("{\"execute\": \"query-commands\"}")).get("return")) names.add(n.get("name").asText());
                assertTrue(names.containsAll(List.of("snapshot-save", "snapshot-load", "snapshot-delete", "query-jobs", "job-dismiss",
                        "query-block", "query-named-block-nodes")), names.toString());

                // query-block: QEMU's entries for the three drives
                JsonNode blocks = QmpClient.parse(c.command("{\"execute\": \"query-block\"}")).get("return");
                assertEquals(3, blocks.size());
                JsonNode d0 = blocks.get(0);
                assertEquals("d0", d0.get("device").asText());
                assertEquals("/machine/peripheral-anon/device[0]", d0.get("qdev").asText());
                assertEquals(false, d0.get("locked").asBoolean(true));
                assertEquals(false, d0.get("removable").asBoolean(true));
                assertEquals("unknown", d0.get("type").asText());
                assertEquals("disk0", d0.at("/inserted/node-name").asText());
                assertEquals("qcow2", d0.at("/inserted/drv").asText());
                assertEquals(img.toString(), d0.at("/inserted/file").asText());
                assertEquals(false, d0.at("/inserted/ro").asBoolean(true));
                assertEquals(16L << 20, d0.at("/inserted/image/virtual-size").asLong());
                assertEquals("qcow2", d0.at("/inserted/image/format").asText());
                assertEquals(img.toString(), d0.at("/inserted/image/filename").asText());
                assertEquals(65536, d0.at("/inserted/image/cluster-size").asInt());
                assertEquals("raw0", blocks.get(1).at("/inserted/node-name").asText());
                assertEquals("raw", blocks.get(1).at("/inserted/image/format").asText());
                assertEquals("vd1", blocks.get(1).get("qdev").asText());
                assertEquals(true, blocks.get(2).at("/inserted/ro").asBoolean(false));
                assertEquals(true, blocks.get(2).at("/inserted/cache/no-flush").asBoolean(false));
                JsonNode nodes = QmpClient.parse(c.command("{\"execute\": \"query-named-block-nodes\"}")).get("return");
                assertEquals(List.of("disk0", "raw0", "ro0"), List.of(nodes.get(0).get("node-name").asText(),
                        nodes.get(1).get("node-name").asText(), nodes.get(2).get("node-name").asText()));
                assertEquals("{\"return\": \"\\r\\nd1 (raw0): " + raw + " (raw)\\r\\n    Attached to:      vd1\\r\\n"
                                + "    Cache mode:       writeback\\r\\n\"}",
                        c.command("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info block d1\"}}"));

                // a save while the guest runs: the job's statuses, the guest stopped and resumed inside it
                waitForCount(m, 1000);
                assertEquals(OK, c.command(job("snapshot-save", "j1", "\"tag\": \"s1\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]")));
                assertEquals(List.of("created", "running", "STOP", "RESUME", "waiting", "pending", "concluded"), untilConcluded(c, "j1"));
                assertEquals("running", status(c));
                assertEquals("{\"return\": [{\"current-progress\": 1, \"status\": \"concluded\", \"total-progress\": 1, "
                        + "\"type\": \"snapshot-save\", \"id\": \"j1\"}]}", c.command("{\"execute\": \"query-jobs\"}"));
                assertEquals(error("Job ID 'j1' already in use"),
                        c.command(job("snapshot-save", "j1", "\"tag\": \"s9\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]")));
                assertEquals(OK, c.command("{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"j1\"}}"));
                assertEquals(List.of("null"), statuses(c.drainEvents()));
                assertEquals("{\"return\": []}", c.command("{\"execute\": \"query-jobs\"}"));
                assertEquals(error("Job not found"), c.command("{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"j1\"}}"));

                // the machine's state really goes back: save while paused at a known count, run on, load
                assertEquals(OK, c.command("{\"execute\": \"stop\"}"));
                long saved = m.bus.read(COUNTER, 8);
                assertEquals(OK, c.command(job("snapshot-save", "j2", "\"tag\": \"s2\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]")));
                assertEquals(List.of("STOP", "created", "running", "waiting", "pending", "concluded"), untilConcluded(c, "j2"));
                assertEquals("paused", status(c));
                assertEquals(saved, m.bus.read(COUNTER, 8), "a paused guest stays paused through a save");
                assertEquals(OK, c.command("{\"execute\": \"cont\"}"));
                waitForCount(m, saved + 100_000);
                assertEquals(OK, c.command("{\"execute\": \"stop\"}"));
                assertEquals(OK, c.command(job("snapshot-load", "j3", "\"tag\": \"s2\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]")));
                assertEquals(List.of("RESUME", "STOP", "created", "running", "waiting", "pending", "concluded"), untilConcluded(c, "j3"));
                assertEquals("paused", status(c));
                assertEquals(saved, m.bus.read(COUNTER, 8), "the counter is back at its saved value");
                assertEquals(OK, c.command("{\"execute\": \"cont\"}"));
                waitForCount(m, saved + 1000);
                // a load while running: stopped and resumed inside the job, running after
                assertEquals(OK, c.command(job("snapshot-load", "j4", "\"tag\": \"s1\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]")));
                assertEquals(List.of("RESUME", "created", "running", "STOP", "RESUME", "waiting", "pending", "concluded"), untilConcluded(c, "j4"));
                assertEquals("running", status(c));
                assertEquals(OK, c.command(job("snapshot-delete", "j5", "\"tag\": \"s1\", \"devices\": [\"disk0\"]")));
                assertEquals(List.of("created", "running", "waiting", "pending", "concluded"), untilConcluded(c, "j5"));
                JsonNode jobs = QmpClient.parse(c.command("{\"execute\": \"query-jobs\"}")).get("return");
                assertEquals(List.of("j5", "j4", "j3", "j2"), List.of(jobs.get(0).get("id").asText(), jobs.get(1).get("id").asText(),
                        jobs.get(2).get("id").asText(), jobs.get(3).get("id").asText()), "newest first");
                assertEquals("snapshot-load", jobs.get(1).get("type").asText());
                for (JsonNode j : jobs) assertNull(j.get("error"), j.toString());
                for (String id : List.of("j2", "j3", "j4", "j5"))
                    assertEquals(OK, c.command("{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"" + id + "\"}}"));
                c.drainEvents();

                // errors: in query-jobs' "error", QEMU's words; the guest runs on
                assertEquals("vmstate block device 'nosuch' does not exist",
                        failedJob(c, "snapshot-save", "e1", "\"tag\": \"s3\", \"vmstate\": \"nosuch\", \"devices\": [\"disk0\"]"));
                assertEquals("Device 'd1' is writable but does not support snapshots",
                        failedJob(c, "snapshot-save", "e2", "\"tag\": \"s3\", \"vmstate\": \"disk0\", \"devices\": [\"raw0\"]"));
                assertEquals("Device 'd2' is writable but does not support snapshots",
                        failedJob(c, "snapshot-save", "e3", "\"tag\": \"s3\", \"vmstate\": \"ro0\", \"devices\": [\"ro0\"]"));
                assertEquals("No block device node 'nosuch'",
                        failedJob(c, "snapshot-save", "e4", "\"tag\": \"s3\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\", \"nosuch\"]"));
                assertEquals("At least one device is required for snapshot",
                        failedJob(c, "snapshot-save", "e5", "\"tag\": \"s3\", \"vmstate\": \"disk0\", \"devices\": []"));
                assertEquals("Snapshot 's2' already exists in one or more devices",
                        failedJob(c, "snapshot-save", "e6", "\"tag\": \"s2\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]"));
                assertEquals("Snapshot 'nosuch' does not exist in one or more devices",
                        failedJob(c, "snapshot-load", "e7", "\"tag\": \"nosuch\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]"));
                assertEquals("No block device node 'nosuch'",
                        failedJob(c, "snapshot-delete", "e8", "\"tag\": \"s2\", \"devices\": [\"nosuch\"]"));
                ((Qcow2Image) disk).createSnapshot("diskonly");
                assertEquals("This is a disk-only snapshot. Revert to it  offline using qemu-img",
                        failedJob(c, "snapshot-load", "e9", "\"tag\": \"diskonly\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]"));
                assertEquals("running", status(c), "a job that failed its checks changed nothing");
                long now = m.bus.read(COUNTER, 8);
                waitForCount(m, now + 1000);
                // errors in the reply: the job never starts
                assertEquals(error("Invalid job ID '1x'"),
                        c.command(job("snapshot-save", "1x", "\"tag\": \"s3\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]")));
                assertEquals(error("Parameter 'vmstate' is missing"), c.command(job("snapshot-save", "e10", "\"tag\": \"s3\", \"devices\": [\"disk0\"]")));
                assertEquals(error("Parameter 'vmstate' is unexpected"),
                        c.command(job("snapshot-delete", "e11", "\"tag\": \"s2\", \"vmstate\": \"disk0\", \"devices\": [\"disk0\"]")));
                assertEquals(error("Invalid parameter type for 'id', expected: string"),
                        c.command("{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": 7}}"));
                assertEquals("{\"return\": []}", c.command("{\"execute\": \"query-jobs\"}"));
            }
        }
        String list = Qemu.imgOk("snapshot", "-l", img.toString());
        assertTrue(list.contains(" s2 ") && !list.contains(" s1 ") && list.contains(" diskonly "), list);
        Qemu.assertClean(img);
    }

    @Test
    void aRunningJobCannotBeDismissed() throws Exception {
        QmpEvents events = new QmpEvents();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        events.subscribe(e -> seen.add(e.path("data").path("status").asText()));
        CountDownLatch release = new CountDownLatch(1);
        try (Jobs jobs = new Jobs(events)) {
            Jobs.Job j = jobs.start("slow", "snapshot-save", release::await);
            QmpError e = org.junit.jupiter.api.Assertions.assertThrows(QmpError.class, () -> jobs.dismiss("slow"));
            assertEquals("Job 'slow' in state 'running' cannot accept command verb 'dismiss'", e.desc());
            assertEquals("running", jobs.query().get(0).get("status").asText());
            assertEquals(0, jobs.query().get(0).get("current-progress").asInt());
            release.countDown();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (j.status() != Jobs.Status.CONCLUDED) {
                assertTrue(System.nanoTime() < deadline);
                Thread.sleep(5);
            }
            jobs.dismiss("slow");
            assertEquals(List.of("created", "running", "waiting", "pending", "concluded", "null"), seen);
        }
    }
}
