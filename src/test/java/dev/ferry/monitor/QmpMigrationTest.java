package dev.ferry.monitor;

import static dev.ferry.monitor.QmpNode.OK;
import static dev.ferry.monitor.QmpNode.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.chardev.SocketServerBackend;
import dev.ferry.machine.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration commands over QMP sockets: live migrations between two machines running the
 * demo guest in this JVM (the destination started as with -incoming defer), and the replies
 * and errors as qemu-system-riscv64 7.2 gives them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QmpMigrationTest {
    @TempDir
    Path dir;

    /** Per node, the migration events taken off its client and not yet returned by {@link #migrationEvents}. */
    private final Map<QmpNode<QmpClient>, List<String>> logs = new HashMap<>();

    /** Takes one event into n's log ("STATUS" for MIGRATION, "pass N" for MIGRATION_PASS); false when none came. */
    private boolean pump(QmpNode<QmpClient> n, long timeoutMillis) throws Exception {
        String e = n.qmp.nextEvent(timeoutMillis);
        if (e == null) return false;
        JsonNode j = QmpClient.parse(e);
        List<String> log = logs.computeIfAbsent(n, k -> new ArrayList<>());
        switch (j.path("event").asText()) {
            case "MIGRATION" -> log.add(j.path("data").path("status").asText());
            case "MIGRATION_PASS" -> log.add("pass " + j.path("data").path("pass").asLong());
            default -> { }
        }
        return true;
    }

    /** The MIGRATION statuses and MIGRATION_PASS numbers n received so far, in order. */
    private List<String> migrationEvents(QmpNode<QmpClient> n) throws Exception {
        while (pump(n, 100)) {
            // take what came
        }
        List<String> log = logs.computeIfAbsent(n, k -> new ArrayList<>());
        List<String> out = new ArrayList<>(log);
        log.clear();
        return out;
    }

    private void awaitMigrationEvent(QmpNode<QmpClient> n, String status) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!logs.computeIfAbsent(n, k -> new ArrayList<>()).contains(status)) {
            if (System.nanoTime() > deadline) throw new AssertionError(n.name + ": no MIGRATION " + status + " in " + logs.get(n));
            pump(n, 50);
        }
    }

    private String migrateArgs(String uri) {
        return "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"" + uri + "\"}}";
    }

    private static long ram(QmpNode<QmpClient> n, String member) throws Exception {
        return n.ret("{\"execute\": \"query-migrate\"}").path("ram").path(member).asLong();
    }

    @Test
    void xbzrleAndAutoConvergeWithParametersChangedWhileItRuns() throws Exception {
        try (QmpNode<QmpClient> src = QmpNode.demo(dir, "src"); QmpNode<QmpClient> dst = QmpNode.demo(dir, "dst")) {
            src.runUntilPasses(2);
            dst.startDeferredIncoming();
            String uri = "unix:" + dir.resolve("xb.sock");
            assertEquals(OK, dst.cmd("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"" + uri + "\"}}"));
            assertEquals(OK, src.cmd("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                    + "[{\"capability\": \"xbzrle\", \"state\": true}, {\"capability\": \"auto-converge\", \"state\": true}]}}"));
            assertEquals(OK, src.cmd("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"max-bandwidth\": 1048576}}"));
            assertEquals(OK, src.cmd(migrateArgs(uri)));

            // too slow to converge: it iterates, with deltas, until the throttle starts
            long deadline = System.nanoTime() + 60_000_000_000L;
            JsonNode q;
            while (!(q = src.ret("{\"execute\": \"query-migrate\"}")).has("cpu-throttle-percentage")
                    || q.path("xbzrle-cache").path("pages").asLong() == 0) {
                assertTrue(List.of("setup", "active").contains(q.path("status").asText()), q.toString());
                if (System.nanoTime() > deadline) throw new AssertionError("no throttle, no deltas: " + q);
                Thread.sleep(50);
            }
            assertEquals(List.of("expected-downtime", "cpu-throttle-percentage", "xbzrle-cache", "status", "setup-time",
                    "total-time", "ram"), names(q));
            assertEquals(20, q.path("cpu-throttle-percentage").asLong(), "cpu-throttle-initial");
            JsonNode x = q.get("xbzrle-cache");
            assertEquals(List.of("encoding-rate", "bytes", "cache-size", "cache-miss-rate", "pages", "overflow", "cache-miss"), names(x));
            assertEquals(64L << 20, x.path("cache-size").asLong());
            assertTrue(x.path("cache-miss").asLong() > 0, x.toString());
            assertTrue(x.path("bytes").asLong() < x.path("pages").asLong() * 1024, "deltas are small: " + x);
            assertEquals(error("There's a migration process in progress"),
                    src.cmd("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                            + "[{\"capability\": \"xbzrle\", \"state\": false}]}}"));

            // the cache size changes at once
            assertEquals("", hmp(src.qmp, "migrate_set_parameter xbzrle-cache-size 1M"));
            String info = hmp(src.qmp, "info migrate");
            assertTrue(info.contains("\\r\\ncache size: 1048576 bytes\\r\\nxbzrle transferred: "), info);
            assertTrue(info.matches(".*\\\\r\\\\nxbzrle pages: [1-9][0-9]* pages\\\\r\\\\nxbzrle cache miss: [0-9]+ pages\\\\r\\\\n"
                    + "xbzrle cache miss rate: [0-9.]+\\\\r\\\\nxbzrle encoding rate: [0-9.]+\\\\r\\\\nxbzrle overflow: [0-9]+\\\\r\\\\n"
                    + "cpu throttle percentage: [0-9]+\\\\r\\\\n$"), info);
            assertEquals(1L << 20, src.ret("{\"execute\": \"query-migrate\"}").path("xbzrle-cache").path("cache-size").asLong());

            // a link raised while it runs lets it finish; the throttle ends with it
            long syncs = ram(src, "dirty-sync-count");
            assertEquals(OK, src.cmd("{\"execute\": \"migrate-set-parameters\", \"arguments\": "
                    + "{\"max-bandwidth\": 1073741824, \"downtime-limit\": 20000}}"));
            src.awaitMigrationStatus("completed");
            JsonNode done = src.ret("{\"execute\": \"query-migrate\"}");
            assertEquals(List.of("xbzrle-cache", "status", "setup-time", "downtime", "total-time", "ram"), names(done));
            assertTrue(done.path("ram").path("dirty-sync-count").asLong() <= syncs + 3, "finished at once: " + done);
            dst.waitForPasses(3);
            assertFalse(Files.readString(dir.resolve("dst.txt")).contains("FAIL"));
            assertFalse(hmp(src.qmp, "info migrate").contains("cpu throttle"));
        }
    }

    @Test
    void liveMigrationWithPauseBeforeSwitchoverAndDeferredIncoming() throws Exception {
        try (QmpNode<QmpClient> src = QmpNode.demo(dir, "src"); QmpNode<QmpClient> dst = QmpNode.demo(dir, "dst")) {
            src.runUntilPasses(2);
            dst.startDeferredIncoming();
            String uri = "unix:" + dir.resolve("mig.sock");

            // the destination waits in inmigrate until migrate-incoming
            assertEquals("inmigrate", dst.ret("{\"execute\": \"query-status\"}").path("status").asText());
            assertEquals(OK, dst.cmd("{\"execute\": \"query-migrate\"}"));
            assertEquals(error("Guest is waiting for an incoming migration"), dst.cmd(migrateArgs("unix:/nonexistent")));
            assertEquals(OK, dst.cmd("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                    + "[{\"capability\": \"events\", \"state\": true}]}}"));
            assertEquals(error("unknown migration protocol: foo:1"),
                    dst.cmd("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"foo:1\"}}"));
            assertEquals(OK, dst.cmd("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"" + uri + "\"}}"));
            assertEquals("{\"return\": {\"socket-address\": [{\"path\": \"" + dir.resolve("mig.sock") + "\", \"type\": \"unix\"}]}}",
                    dst.cmd("{\"execute\": \"query-migrate\"}"));
            assertEquals(error("The incoming migration has already been started"),
                    dst.cmd("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"" + uri + "\"}}"));

            // the source: events, a bad URI, block migration refused, then pause-before-switchover
            assertEquals(error("Parameter 'uri' expects a valid migration protocol"), src.cmd(migrateArgs("foo:bar")));
            assertEquals(error("QEMU compiled without old-style (blk/-b, inc/-i) block migration"),
                    src.cmd("{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"" + uri + "\", \"blk\": true}}"));
            assertEquals(OK, src.cmd("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                    + "[{\"capability\": \"events\", \"state\": true}, {\"capability\": \"pause-before-switchover\", \"state\": true}]}}"));
            assertEquals(error("Migration not in expected state: none"),
                    src.cmd("{\"execute\": \"migrate-continue\", \"arguments\": {\"state\": \"pre-switchover\"}}"));
            assertEquals(OK, src.cmd("{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"" + uri + "\", \"detach\": true}}"));
            awaitMigrationEvent(src, "pre-switchover");

            // during: the vCPUs are stopped, the migration waits for migrate-continue
            assertEquals("finish-migrate", src.ret("{\"execute\": \"query-status\"}").path("status").asText());
            JsonNode during = src.ret("{\"execute\": \"query-migrate\"}");
            assertEquals(List.of("expected-downtime", "status", "setup-time", "total-time", "ram"), names(during));
            assertEquals("pre-switchover", during.path("status").asText());
            JsonNode ram = during.get("ram");
            assertEquals(List.of("total", "postcopy-requests", "dirty-sync-count", "multifd-bytes", "pages-per-second",
                    "downtime-bytes", "page-size", "remaining", "postcopy-bytes", "mbps", "transferred",
                    "dirty-sync-missed-zero-copy", "precopy-bytes", "duplicate", "dirty-pages-rate", "skipped", "normal-bytes",
                    "normal"), names(ram));
            assertTrue(ram.path("total").asLong() >= 32L << 20, "RAM and the boot ROM");
            assertEquals(4096, ram.path("page-size").asLong());
            assertTrue(ram.path("transferred").asLong() > 0);
            assertTrue(ram.path("dirty-sync-count").asLong() >= 1);
            assertEquals(ram.path("normal").asLong() * 4096, ram.path("normal-bytes").asLong());
            String info = src.ret("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info migrate\"}}").asText();
            assertTrue(info.contains("\r\nMigration status: pre-switchover\r\ntotal time: "), info);
            assertTrue(info.contains(" ms\r\nexpected downtime: "), info);
            assertTrue(info.contains("\r\npage size: 4 kbytes\r\nmultifd bytes: 0 kbytes\r\npages-per-second: "), info);

            // another migration, or changing capabilities, is refused meanwhile
            assertEquals(error("There's a migration process in progress"), src.cmd(migrateArgs(uri)));
            assertEquals(error("There's a migration process in progress"),
                    src.cmd("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": []}}"));
            assertEquals(error("Migration not in expected state: pre-switchover"),
                    src.cmd("{\"execute\": \"migrate-continue\", \"arguments\": {\"state\": \"active\"}}"));
            assertEquals(OK, src.cmd("{\"execute\": \"migrate-continue\", \"arguments\": {\"state\": \"pre-switchover\"}}"));
            awaitMigrationEvent(src, "completed");
            awaitMigrationEvent(dst, "completed");

            // after
            assertEquals("postmigrate", src.ret("{\"execute\": \"query-status\"}").path("status").asText());
            JsonNode after = src.ret("{\"execute\": \"query-migrate\"}");
            assertEquals(List.of("status", "setup-time", "downtime", "total-time", "ram"), names(after));
            assertEquals("completed", after.path("status").asText());
            assertEquals(0, after.path("ram").path("remaining").asLong());
            long syncs = after.path("ram").path("dirty-sync-count").asLong();
            assertTrue(syncs >= 2, "the setup's sync and the final one");
            info = src.ret("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info migrate\"}}").asText();
            assertTrue(info.contains("\r\nMigration status: completed\r\ntotal time: "), info);
            assertTrue(info.contains(" ms\r\ndowntime: "), info);
            assertFalse(info.contains("expected downtime"), info);

            // QEMU's event sequence with pause-before-switchover; one MIGRATION_PASS per sync
            List<String> ev = migrationEvents(src);
            List<String> statuses = ev.stream().filter(e -> !e.startsWith("pass ")).toList();
            assertEquals(List.of("setup", "active", "pre-switchover", "device", "completed"), statuses);
            List<String> passes = ev.stream().filter(e -> e.startsWith("pass ")).toList();
            assertEquals(syncs, passes.size(), ev.toString());
            for (int i = 0; i < passes.size(); i++) assertEquals("pass " + (i + 1), passes.get(i));
            assertEquals("pass 1", ev.get(1), "the setup's sync comes before active, as in QEMU");
            // the refused foo:1 sent its setup too, as QEMU does
            assertEquals(List.of("setup", "setup", "active", "completed"), migrationEvents(dst));
            assertEquals("{\"return\": {\"status\": \"completed\"}}", dst.cmd("{\"execute\": \"query-migrate\"}"));

            // the destination runs on from where the source stopped
            assertEquals("running", dst.ret("{\"execute\": \"query-status\"}").path("status").asText());
            int last = src.passes().getLast();
            dst.waitForPasses(2);
            assertEquals(last + 1, dst.passes().getFirst());
            assertFalse(Files.readString(dir.resolve("dst.txt")).contains("FAIL"));
            assertEquals(error("Can't migrate the vm that was paused due to previous migration"), src.cmd(migrateArgs(uri)));
        }
    }

    @Test
    void liveMigrationWithoutReturnPathAndQemusDefaultEvents() throws Exception {
        try (QmpNode<QmpClient> src = QmpNode.demo(dir, "src"); QmpNode<QmpClient> dst = QmpNode.demo(dir, "dst")) {
            src.runUntilPasses(1);
            dst.startDeferredIncoming();
            String uri = "unix:" + dir.resolve("mig2.sock");
            assertEquals(OK, dst.cmd("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                    + "[{\"capability\": \"events\", \"state\": true}]}}"));
            assertEquals(OK, dst.cmd("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"" + uri + "\"}}"));
            // Ferry's default return-path is on; off, the source sends no OPEN_RETURN_PATH
            assertTrue(src.ret("{\"execute\": \"query-migrate-capabilities\"}").toString()
                    .contains("{\"state\":true,\"capability\":\"return-path\"}"));
            assertEquals(OK, src.cmd("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                    + "[{\"capability\": \"events\", \"state\": true}, {\"capability\": \"return-path\", \"state\": false}]}}"));
            assertFalse(src.machine.migration().parameters.returnPath);
            // over human-monitor-command, HMP's migrate cannot wait (QEMU's message)
            assertEquals("{\"return\": \"terminal does not allow synchronous migration, continuing detached\\r\\n\"}",
                    src.cmd("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"migrate " + uri + "\"}}"));
            awaitMigrationEvent(src, "completed");
            awaitMigrationEvent(dst, "completed");
            List<String> statuses = migrationEvents(src).stream().filter(e -> !e.startsWith("pass ")).toList();
            assertEquals(List.of("setup", "active", "completed"), statuses, "QEMU 7.2 has no device status without pause-before-switchover");
            src.awaitMigrationStatus("completed");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (dst.machine.state() != RunState.RUNNING && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(RunState.RUNNING, dst.machine.state());
            int last = src.passes().getLast();
            dst.waitForPasses(1);
            assertEquals(last + 1, dst.passes().getFirst());
        }
    }

    @Test
    void cancelAndFailureReplies() throws Exception {
        try (QmpNode<QmpClient> src = QmpNode.demo(dir, "src")) {
            src.machine.start();
            src.machine.resume();
            // no events unless asked for (QEMU's default)
            assertEquals(OK, src.cmd(migrateArgs("unix:" + dir.resolve("nobody.sock"))));
            src.awaitMigrationStatus("failed");
            JsonNode failed = src.ret("{\"execute\": \"query-migrate\"}");
            assertEquals(List.of("status", "error-desc"), names(failed));
            String info = src.ret("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info migrate\"}}").asText();
            assertTrue(info.endsWith("\r\nMigration status: failed (" + failed.path("error-desc").asText() + ")\r\ntotal time: 0 ms\r\n"), info);
            assertEquals(List.of(), migrationEvents(src));
            assertEquals("running", src.ret("{\"execute\": \"query-status\"}").path("status").asText());

            // a destination that never reads: the migration stays active until cancelled
            assertEquals(OK, src.cmd("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"max-bandwidth\": 1048576}}"));
            assertEquals(OK, src.cmd("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                    + "[{\"capability\": \"events\", \"state\": true}]}}"));
            String uri = "unix:" + dir.resolve("slow.sock");
            try (var unused = dev.ferry.migration.Channels.listen(uri)) {
                assertEquals(OK, src.cmd(migrateArgs(uri)));
                src.awaitMigrationStatus("active");
                assertEquals(error("There's a migration process in progress"), src.cmd(migrateArgs(uri)));
                assertEquals(OK, src.cmd("{\"execute\": \"migrate_cancel\"}"));
                src.awaitMigrationStatus("cancelled");
            }
            assertEquals("{\"return\": {\"status\": \"cancelled\"}}", src.cmd("{\"execute\": \"query-migrate\"}"));
            List<String> statuses = migrationEvents(src).stream().filter(e -> !e.startsWith("pass ")).toList();
            assertEquals(List.of("setup", "active", "cancelling", "cancelled"), statuses);
            assertEquals("running", src.ret("{\"execute\": \"query-status\"}").path("status").asText());
        }
    }

    @Test
    void parametersAndCapabilitiesAsQemu() throws Exception {
        Path p = dir.resolve("qmp.sock");
        try (TestMachine m = new TestMachine(dir); SocketServerBackend s = SocketServerBackend.unix(p, false)) {
            m.monitors.addQmp(s);
            m.start(true);
            try (QmpClient c = new QmpClient(p)) {
                c.readLine(5000);
                c.command("{\"execute\": \"qmp_capabilities\"}");
                // QEMU 7.2's reply, member for member
                String defaults = "{\"return\": {\"cpu-throttle-tailslow\": false, \"xbzrle-cache-size\": 67108864, \"cpu-throttle-initial\": 20, "
                        + "\"announce-max\": 550, \"decompress-threads\": 2, \"compress-threads\": 8, \"compress-level\": 1, "
                        + "\"multifd-channels\": 2, \"multifd-zstd-level\": 1, \"announce-initial\": 50, \"block-incremental\": false, "
                        + "\"compress-wait-thread\": true, \"downtime-limit\": 300, \"tls-authz\": \"\", \"multifd-compression\": \"none\", "
                        + "\"announce-rounds\": 5, \"announce-step\": 100, \"tls-creds\": \"\", \"multifd-zlib-level\": 1, "
                        + "\"max-cpu-throttle\": 99, \"max-postcopy-bandwidth\": 0, \"tls-hostname\": \"\", "
                        + "\"throttle-trigger-threshold\": 50, \"max-bandwidth\": 134217728, \"x-checkpoint-delay\": 20000, "
                        + "\"cpu-throttle-increment\": 10}}";
                assertEquals(defaults, c.command("{\"execute\": \"query-migrate-parameters\"}"));
                assertEquals(OK, c.command("{\"execute\": \"query-migrate\"}"));
                assertEquals(OK, c.command("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"max-bandwidth\": 33554432, "
                        + "\"downtime-limit\": 500, \"xbzrle-cache-size\": 1048576, \"cpu-throttle-initial\": 30, "
                        + "\"cpu-throttle-increment\": 5, \"max-cpu-throttle\": 80, \"tls-creds\": \"x\", \"multifd-compression\": \"zstd\"}}"));
                JsonNode q = QmpClient.parse(c.command("{\"execute\": \"query-migrate-parameters\"}")).get("return");
                assertEquals(33554432, q.path("max-bandwidth").asLong());
                assertEquals(500, q.path("downtime-limit").asLong());
                assertEquals(1048576, q.path("xbzrle-cache-size").asLong());
                assertEquals(30, q.path("cpu-throttle-initial").asLong());
                assertEquals(5, q.path("cpu-throttle-increment").asLong());
                assertEquals(80, q.path("max-cpu-throttle").asLong());
                assertEquals("x", q.path("tls-creds").asText());
                assertEquals("zstd", q.path("multifd-compression").asText());
                assertEquals(33554432, m.machine.migration().parameters.maxBandwidth, "the migration uses it");
                assertEquals(500, m.machine.migration().parameters.downtimeLimitMs);
                assertEquals(OK, c.command("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"tls-creds\": null}}"));
                assertEquals("", QmpClient.parse(c.command("{\"execute\": \"query-migrate-parameters\"}")).get("return").path("tls-creds").asText());
                // QEMU's errors
                assertEquals(error("Parameter 'downtime_limit' expects an integer in the range of 0 to (2000 * 1000) ms"),
                        c.command("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"downtime-limit\": 2000001}}"));
                assertEquals(error("Parameter 'cpu_throttle_initial' expects an integer in the range of 1 to 99"),
                        c.command("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"cpu-throttle-initial\": 0}}"));
                assertEquals(error("Parameter 'max_cpu_throttle' expects an integer in the range of cpu_throttle_initial to 99"),
                        c.command("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"max-cpu-throttle\": 10}}"));
                assertEquals(error("Parameter 'xbzrle_cache_size' expects a power of two no less than the target page size"),
                        c.command("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"xbzrle-cache-size\": 1000}}"));
                assertEquals(error("Parameter 'avail-switchover-bandwidth' is unexpected"),
                        c.command("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"avail-switchover-bandwidth\": 1}}"));
                assertEquals(error("Parameter 'max-bandwidth' expects uint64"),
                        c.command("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"max-bandwidth\": \"x\"}}"));
                assertEquals(30, QmpClient.parse(c.command("{\"execute\": \"query-migrate-parameters\"}")).get("return")
                        .path("cpu-throttle-initial").asLong(), "a refused request changes nothing");

                // capabilities: QEMU's list; events and the rest that Ferry implements can be set
                JsonNode caps = QmpClient.parse(c.command("{\"execute\": \"query-migrate-capabilities\"}")).get("return");
                assertEquals(21, caps.size());
                assertEquals("xbzrle", caps.get(0).path("capability").asText());
                assertEquals(error("Parameter 'capability' does not accept value 'nosuch'"),
                        c.command("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                                + "[{\"capability\": \"nosuch\", \"state\": true}]}}"));
                assertEquals(error("Parameter 'capabilities[0].state' is missing"),
                        c.command("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                                + "[{\"capability\": \"events\"}]}}"));
                for (String cap : List.of("postcopy-ram", "multifd", "compress")) {
                    assertEquals(error("Migration capability '" + cap + "' is not supported yet"),
                            c.command("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                                    + "[{\"capability\": \"events\", \"state\": true}, {\"capability\": \"" + cap + "\", \"state\": true}]}}"));
                }
                assertEquals(OK, c.command("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                        + "[{\"capability\": \"xbzrle\", \"state\": false}, {\"capability\": \"events\", \"state\": true}]}}"));
                String text = hmp(c, "info migrate_capabilities");
                assertTrue(text.startsWith("xbzrle: off\\r\\nrdma-pin-all: off\\r\\nauto-converge: off\\r\\nzero-blocks: off\\r\\n"
                        + "compress: off\\r\\nevents: on\\r\\n"), text);
                assertTrue(text.contains("\\r\\nreturn-path: on\\r\\n"), "Ferry's default: " + text);

                // HMP, QEMU's lines and errors
                assertEquals("", hmp(c, "migrate_set_parameter max-bandwidth 100M"));
                assertEquals("", hmp(c, "migrate_set_parameter downtime-limit 1k"));
                assertEquals("", hmp(c, "migrate_set_parameter block-incremental on"));
                assertEquals("Error: invalid parameter value: nosuch\\r\\n", hmp(c, "migrate_set_parameter nosuch 1"));
                assertEquals("Error: Parameter 'cpu-throttle-initial' expects uint8_t\\r\\n", hmp(c, "migrate_set_parameter cpu-throttle-initial 300"));
                assertEquals("Error: Invalid size abc\\r\\n", hmp(c, "migrate_set_parameter max-bandwidth abc"));
                assertEquals("Error: The block-bitmap-mapping parameter can only be set through QMP\\r\\n",
                        hmp(c, "migrate_set_parameter block-bitmap-mapping x"));
                assertEquals("announce-initial: 50 ms\\r\\nannounce-max: 550 ms\\r\\nannounce-rounds: 5\\r\\nannounce-step: 100 ms\\r\\n"
                        + "compress-level: 1\\r\\ncompress-threads: 8\\r\\ncompress-wait-thread: on\\r\\ndecompress-threads: 2\\r\\n"
                        + "throttle-trigger-threshold: 50\\r\\ncpu-throttle-initial: 30\\r\\ncpu-throttle-increment: 5\\r\\n"
                        + "cpu-throttle-tailslow: off\\r\\nmax-cpu-throttle: 80\\r\\ntls-creds: ''\\r\\ntls-hostname: ''\\r\\n"
                        + "max-bandwidth: 104857600 bytes/second\\r\\ndowntime-limit: 1024 ms\\r\\nx-checkpoint-delay: 20000 ms\\r\\n"
                        + "block-incremental: on\\r\\nmultifd-channels: 2\\r\\nmultifd-compression: zstd\\r\\n"
                        + "xbzrle-cache-size: 1048576 bytes\\r\\nmax-postcopy-bandwidth: 0\\r\\ntls-authz: ''\\r\\n",
                        hmp(c, "info migrate_parameters"));
                assertEquals("Error: invalid parameter value: nosuch\\r\\n", hmp(c, "migrate_set_capability nosuch on"));
                assertEquals("Error: Migration capability 'postcopy-ram' is not supported yet\\r\\n", hmp(c, "migrate_set_capability postcopy-ram on"));
                assertEquals("", hmp(c, "migrate_set_capability events off"));
                assertEquals("Error: '-incoming' was not specified on the command line\\r\\n", hmp(c, "migrate_incoming tcp:0:4444"));
                assertEquals(error("'-incoming' was not specified on the command line"),
                        c.command("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"tcp:127.0.0.1:4444\"}}"));
                assertEquals("Error: Parameter 'uri' expects a valid migration protocol\\r\\n", hmp(c, "migrate -d foo:bar"));
                assertEquals("globals:\\r\\nstore-global-state: on\\r\\nonly-migratable: off\\r\\nsend-configuration: on\\r\\n"
                        + "send-section-footer: on\\r\\ndecompress-error-check: on\\r\\nclear-bitmap-shift: 18\\r\\n", hmp(c, "info migrate"));
            }
        }
    }

    /** An HMP command's output through human-monitor-command, as it appears (escaped) in the JSON reply. */
    private static String hmp(QmpClient c, String line) throws Exception {
        String r = c.command("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"" + line + "\"}}");
        assertTrue(r.startsWith("{\"return\": \"") && r.endsWith("\"}"), r);
        return r.substring(12, r.length() - 2);
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
