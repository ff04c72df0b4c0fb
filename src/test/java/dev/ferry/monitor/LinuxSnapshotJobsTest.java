package dev.ferry.monitor;

import static dev.ferry.monitor.QmpNode.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.block.BlockDriver;
import dev.ferry.block.Images;
import dev.ferry.block.OpenOptions;
import dev.ferry.block.Qemu;
import dev.ferry.chardev.FileBackend;
import dev.ferry.hw.virtio.VirtioBlk;
import dev.ferry.machine.DriveBackend;
import dev.ferry.machine.Guests;
import dev.ferry.machine.VirtMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared Linux guest writes its qcow2 disk, then rewrites 32 MiB on every a-b pass
 * ({@code ab& 32}); a QMP snapshot-save job takes it, the guest runs on, a snapshot-load job
 * takes it back: the a-b loop carries on from the saved pass with no FAIL, and qemu-img finds the
 * snapshot and a clean image.
 */
@Tag("linux")
class LinuxSnapshotJobsTest {
    private static final Pattern AB = Pattern.compile("ab: pass (\\d+) ok");

    private static List<Integer> passes(Path console) throws Exception {
        Matcher m = AB.matcher(Files.readString(console));
        List<Integer> out = new ArrayList<>();
        while (m.find()) out.add(Integer.parseInt(m.group(1)));
        return out;
    }

    private static void waitForPasses(Path console, int n) throws Exception {
        long deadline = System.nanoTime() + 240_000_000_000L;
        while (passes(console).size() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("no a-b progress:\n" + Files.readString(console));
            Thread.sleep(100);
        }
    }

    /** Waits for job {@code id} to conclude; returns query-jobs' entry for it. */
    private static JsonNode conclude(QmpClient c, String id) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (true) {
            String e = c.nextEvent(200);
            if (e != null) {
                JsonNode j = QmpClient.parse(e);
                if (j.path("event").asText().equals("JOB_STATUS_CHANGE") && j.at("/data/id").asText().equals(id)
                        && j.at("/data/status").asText().equals("concluded")) break;
            }
            assertTrue(System.nanoTime() < deadline, "job " + id + " did not conclude");
        }
        for (JsonNode j : QmpClient.parse(c.command("{\"execute\": \"query-jobs\"}")).get("return"))
            if (j.get("id").asText().equals(id)) return j;
        throw new AssertionError("query-jobs lost " + id);
    }

    @Test
    @Timeout(value = 500, unit = TimeUnit.SECONDS)
    void loadTakesTheRunningGuestBackToTheSavedPass(@TempDir Path dir) throws Exception {
        Qemu.assume();
        Path img = dir.resolve("disk.qcow2"), console = dir.resolve("console.txt"), sock = dir.resolve("qmp.sock");
        Qemu.imgOk("create", "-q", "-f", "qcow2", img.toString(), "64M");
        try (BlockDriver disk = Images.open(img, OpenOptions.defaults().withFormat("qcow2").withNodeName("disk0"))) {
            VirtioBlk blk = new VirtioBlk(new DriveBackend(disk, "d0"), VirtioBlk.Options.defaults());
            VirtMachine.Options o = new VirtMachine.Options(256L << 20, 1, VirtMachine.BiosKind.DEFAULT, null, Guests.kernel(),
                    Guests.initrd(), "console=ttyS0 quiet guest.run=blkwrite+/dev/vda+8+7;ab&+32", null,
                    new FileBackend(console, false), false, false, List.of(blk), true);
            try (QmpNode<QmpClient> node = QmpNode.running(o, sock)) {
                QmpClient c = node.qmp;
                waitForPasses(console, 2);
                assertTrue(Files.readString(console).contains("blk: write ok"), Files.readString(console));

                // stopped for the save, so that the saved pass is known
                assertEquals(OK, c.command("{\"execute\": \"stop\"}"));
                int saved = passes(console).getLast();
                assertEquals(OK, c.command("{\"execute\": \"snapshot-save\", \"arguments\": {\"job-id\": \"save\", \"tag\": \"ab\", "
                        + "\"vmstate\": \"disk0\", \"devices\": [\"disk0\"]}}"));
                JsonNode save = conclude(c, "save");
                assertFalse(save.has("error"), save.toString());
                assertEquals(OK, c.command("{\"execute\": \"cont\"}"));
                waitForPasses(console, passes(console).size() + 3);
                int ranOnTo = passes(console).getLast();
                assertTrue(ranOnTo >= saved + 3, "the guest ran on after the save");

                // load while the guest runs
                int before = passes(console).size();
                assertEquals(OK, c.command("{\"execute\": \"snapshot-load\", \"arguments\": {\"job-id\": \"load\", \"tag\": \"ab\", "
                        + "\"vmstate\": \"disk0\", \"devices\": [\"disk0\"]}}"));
                JsonNode load = conclude(c, "load");
                assertFalse(load.has("error"), load.toString());
                assertEquals("running", QmpClient.parse(c.command("{\"execute\": \"query-status\"}")).at("/return/status").asText());
                waitForPasses(console, passes(console).size() + 3);
                List<Integer> all = passes(console);
                // passes printed between the load command and the load itself still count on; then the count starts over
                int restart = -1;
                for (int i = before; i < all.size(); i++) if (all.get(i) <= saved + 2) { restart = i; break; }
                assertTrue(restart >= 0, "the pass numbers never went back to the saved " + saved + ": " + all.subList(before, all.size()));
                // saved + 2 when the line of a pass the guest had finished was still on its way out at the save
                assertTrue(all.get(restart) == saved + 1 || all.get(restart) == saved + 2,
                        "the first pass after the load follows the saved " + saved + ": " + all.subList(before, all.size()));
                for (int i = restart + 1; i < all.size(); i++) assertEquals(all.get(i - 1) + 1, all.get(i), all.toString());
                assertFalse(Files.readString(console).contains("FAIL"), Files.readString(console));
            }
        }
        String list = Qemu.imgOk("snapshot", "-l", img.toString());
        assertTrue(list.contains(" ab "), list);
        Qemu.assertClean(img);
    }
}
