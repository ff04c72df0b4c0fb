package dev.ferry.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.chardev.SocketServerBackend;
import dev.ferry.machine.RunState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QMP over a Unix socket against a real machine, byte for byte as qemu-system-riscv64 7.2
 * answers (the expected lines were taken from it; only the version, package and thread ids
 * differ).
 */
class QmpMonitorTest {
    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \""
            + Monitors.PACKAGE + "\"}, \"capabilities\": [\"oob\"]}}";
    static final Pattern EVENT = Pattern.compile("\\{\"timestamp\": \\{\"seconds\": \\d+, \"microseconds\": \\d+}, \"event\": \"([A-Z_]+)\"(, \"data\": (.*))?}");

    @TempDir
    Path dir;

    private record Setup(TestMachine m, SocketServerBackend socket, QmpMonitor qmp, Path path) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            m.close();
            socket.close();
        }
    }

    private Setup setup(TestMachine m, boolean paused) {
        Path p = dir.resolve("qmp.sock");
        SocketServerBackend s = SocketServerBackend.unix(p, false);
        QmpMonitor q = m.monitors.addQmp(s);
        m.start(paused);
        return new Setup(m, s, q, p);
    }

    private static QmpClient negotiated(Path p) throws Exception {
        QmpClient c = new QmpClient(p);
        assertEquals(GREETING, c.readLine(5000));
        assertEquals("{\"return\": {}}", c.command("{\"execute\": \"qmp_capabilities\"}"));
        return c;
    }

    private static String data(String event) {
        var m = EVENT.matcher(event);
        assertTrue(m.matches(), event);
        return m.group(3);
    }

    @Test
    void greetingNegotiationAndItsErrors() throws Exception {
        try (Setup s = setup(new TestMachine(dir), false); QmpClient c = new QmpClient(s.path())) {
            assertEquals(GREETING, c.readLine(5000));
            assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}",
                    c.command("{\"execute\":\"query-status\"}"));
            assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}",
                    c.command("{\"execute\":\"nonexistent\"}"));
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'execute' must be a string\"}}",
                    c.command("{\"execute\":1}"));
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'null' does not accept value 'nosuch'\"}}",
                    c.command("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"nosuch\"]}}"));
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for 'enable', expected: array\"}}",
                    c.command("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":\"oob\"}}"));
            s.m().monitors.stop(); // no event before negotiation
            s.m().monitors.cont();
            assertEquals("{\"return\": {}, \"id\": 1}", c.command("{\"execute\":\"qmp_capabilities\",\"id\":1}"));
            assertTrue(s.qmp().isNegotiated());
            assertEquals("{\"id\": 2, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities negotiation is already complete, command ignored\"}}",
                    c.command("{\"execute\":\"qmp_capabilities\",\"id\":2}"));
            assertEquals(List.of(), c.drainEvents());
        }
    }

    @Test
    void queries() throws Exception {
        try (Setup s = setup(new TestMachine(dir, 2, false, false, "myvm"), false); QmpClient c = negotiated(s.path())) {
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": \"x\"}",
                    c.command("{\"execute\":\"query-status\",\"id\":\"x\"}"));
            assertEquals("{\"return\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"" + Monitors.PACKAGE + "\"}}",
                    c.command("{\"execute\":\"query-version\"}"));
            assertEquals("{\"return\": {\"name\": \"myvm\"}}", c.command("{\"execute\":\"query-name\"}"));
            assertEquals("{\"return\": {\"enabled\": false, \"present\": false}}", c.command("{\"execute\":\"query-kvm\"}"));
            JsonNode cpus = QmpClient.parse(c.command("{\"execute\":\"query-cpus-fast\"}")).get("return");
            assertEquals(2, cpus.size());
            for (int i = 0; i < 2; i++) {
                JsonNode cpu = cpus.get(i);
                assertEquals(List.of("thread-id", "props", "qom-path", "cpu-index", "target"), iterable(cpu.fieldNames()));
                assertTrue(cpu.get("thread-id").isIntegralNumber());
                assertEquals("{\"core-id\": " + i + "}", QmpJson.write(cpu.get("props")));
                assertEquals("/machine/soc0/harts[" + i + "]", cpu.get("qom-path").asText());
                assertEquals(i, cpu.get("cpu-index").asInt());
                assertEquals("riscv64", cpu.get("target").asText());
            }
            assertTrue(cpus.get(0).get("thread-id").asLong() != cpus.get(1).get("thread-id").asLong(), "each vCPU its own thread");
            JsonNode cmds = QmpClient.parse(c.command("{\"execute\":\"query-commands\"}")).get("return");
            List<String> names = new java.util.ArrayList<>();
            for (JsonNode n : cmds) names.add(n.get("name").asText());
            assertTrue(names.containsAll(List.of("qmp_capabilities", "query-status", "stop", "cont", "quit", "system_reset",
                    "system_powerdown", "query-version", "query-commands", "query-name", "human-monitor-command", "query-kvm",
                    "query-cpus-fast")), names.toString());
            assertEquals("{\"return\": \"VM status: running\\r\\n\"}",
                    c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info status\"}}"));
            assertEquals("{\"return\": \"myvm\\r\\n\", \"id\": {\"a\": 1}}",
                    c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info name\"},\"id\":{\"a\":1}}"));
            String tid1 = cpus.get(1).get("thread-id").asText();
            assertEquals("{\"return\": \"  CPU #0: thread_id=" + cpus.get(0).get("thread-id").asText() + "\\r\\n* CPU #1: thread_id=" + tid1 + "\\r\\n\"}",
                    c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info cpus\",\"cpu-index\":1}}"));
            assertEquals("{\"return\": \"stop|s  -- stop emulation\\r\\n\"}",
                    c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"help stop\"}}"));
            assertEquals("{\"return\": \"\"}", c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"\"}}"));
            assertEquals("{\"return\": \"unknown command: 'nosuch'\\r\\n\"}",
                    c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"nosuch\"}}"));
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'cpu-index' expects a CPU number\"}}",
                    c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info status\",\"cpu-index\":5}}"));
        }
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    @Test
    void stopAndContSendStopAndResume() throws Exception {
        try (Setup s = setup(new TestMachine(dir), true); QmpClient c = negotiated(s.path())) {
            assertEquals("{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}}",
                    c.command("{\"execute\":\"query-status\"}"));
            assertEquals("{\"return\": {}}", c.command("{\"execute\":\"stop\"}")); // prelaunch stays, no event
            assertEquals("{\"return\": {}}", c.command("{\"execute\":\"cont\"}"));
            assertNull(data(c.event("RESUME", 5000)));
            assertEquals("{\"return\": {}}", c.command("{\"execute\":\"cont\"}")); // running: nothing
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}",
                    c.command("{\"execute\":\"query-status\"}"));
            assertEquals("{\"return\": {}, \"id\": 7}", c.command("{\"execute\":\"stop\",\"id\":7}"));
            String stop = c.event("STOP", 5000);
            assertNotNull(stop);
            assertNull(data(stop));
            assertEquals(RunState.PAUSED, s.m().machine.state());
            assertEquals("{\"return\": {}}", c.command("{\"execute\":\"stop\"}")); // paused: nothing
            assertEquals("{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false}}",
                    c.command("{\"execute\":\"query-status\"}"));
            assertEquals("{\"return\": \"\"}", c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"c\"}}"));
            assertNotNull(c.event("RESUME", 5000));
            assertEquals(List.of(), c.drainEvents());
        }
    }

    @Test
    void resetPowerdownAndGuestEvents() throws Exception {
        try (Setup s = setup(new TestMachine(dir), false); QmpClient c = negotiated(s.path())) {
            assertEquals("{\"return\": {}}", c.command("{\"execute\":\"system_powerdown\"}"));
            assertNull(data(c.event("POWERDOWN", 5000)));
            c.sendRaw("{\"execute\":\"system_reset\"}\n");
            assertEquals("{\"guest\": false, \"reason\": \"host-qmp-system-reset\"}", data(c.readLine(5000)), "the event first, as QEMU");
            assertEquals("{\"return\": {}}", c.readLine(5000));
            s.m().serial.type('r');
            assertEquals("{\"guest\": true, \"reason\": \"guest-reset\"}", data(c.event("RESET", 5000)));
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}",
                    c.command("{\"execute\":\"query-status\"}"));
            assertEquals(List.of(), c.drainEvents(), "a reset neither stops nor resumes");
        }
    }

    @Test
    void guestShutdownUnderNoShutdownThenResetAndQuit() throws Exception {
        try (Setup s = setup(new TestMachine(dir, 1, false, true, null), false); QmpClient c = negotiated(s.path())) {
            s.m().serial.type('q');
            assertEquals("{\"guest\": true, \"reason\": \"guest-shutdown\"}", data(c.event("SHUTDOWN", 5000)));
            assertNotNull(c.event("STOP", 5000));
            assertEquals("{\"return\": {\"status\": \"shutdown\", \"singlestep\": false, \"running\": false}}",
                    c.command("{\"execute\":\"query-status\"}"));
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Resetting the Virtual Machine is required\"}}",
                    c.command("{\"execute\":\"cont\"}"));
            assertEquals("{\"return\": \"Error: Resetting the Virtual Machine is required\\r\\n\"}",
                    c.command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"cont\"}}"));
            assertEquals("{\"return\": {}}", c.command("{\"execute\":\"system_reset\"}"));
            assertNotNull(c.event("RESET", 5000));
            assertEquals("{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}}",
                    c.command("{\"execute\":\"query-status\"}"));
            assertEquals("{\"return\": {}}", c.command("{\"execute\":\"cont\"}"));
            assertNotNull(c.event("RESUME", 5000));
            assertEquals("{\"return\": {}, \"id\": \"bye\"}", c.command("{\"execute\":\"quit\",\"id\":\"bye\"}"));
            assertEquals("{\"guest\": false, \"reason\": \"host-qmp-quit\"}", data(c.event("SHUTDOWN", 5000)));
            assertTrue(s.m().awaitExit(5000), "quit ends the machine even under -no-shutdown");
            assertEquals(0, s.m().exitStatus);
            assertEquals(List.of(), c.drainEvents(), "no STOP when the machine ends");
        }
    }

    @Test
    void resetUnderNoRebootIsAShutdown() throws Exception {
        try (Setup s = setup(new TestMachine(dir, 1, true, false, null), false); QmpClient c = negotiated(s.path())) {
            s.m().serial.type('r');
            assertEquals("{\"guest\": true, \"reason\": \"guest-reset\"}", data(c.event("SHUTDOWN", 5000)));
            assertTrue(s.m().awaitExit(5000));
        }
    }

    @Test
    void badInputGetsQemusErrorsAndTheConnectionCarriesOn() throws Exception {
        String[][] cases = {
            {"{\"execute\":\n", ""},
            {"\"query-status\", \"id\": 1}\n", "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 1}"},
            {"{\"execute\": \"query-name\"}{\"execute\": \"query-name\", \"id\": 2}\n", "{\"return\": {}}", "{\"return\": {}, \"id\": 2}"},
            {"foo\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'foo'\"}}"},
            {"{\"execute\": }\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}"},
            {"[1,2]\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}"},
            {"42\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}"},
            {"{}\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}"},
            {"{\"id\": 5}\n", "{\"id\": 5, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}"},
            {"{\"execute\": \"query-status\", \"arguments\": [1], \"id\": 6}\n",
                "{\"id\": 6, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'arguments' must be an object\"}}"},
            {"{\"execute\": \"query-status\", \"foo\": 1, \"id\": 7}\n",
                "{\"id\": 7, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'foo' is unexpected\"}}"},
            {"{\"exec-oob\": \"query-status\", \"id\": 8}\n",
                "{\"id\": 8, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'exec-oob' is unexpected\"}}"},
            {"{\"execute\": \"query-status\", \"arguments\": null, \"id\": 11}\n",
                "{\"id\": 11, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'arguments' must be an object\"}}"},
            {"{\"execute\":\"nonexistent\",\"id\":[1,2]}\n",
                "{\"id\": [1, 2], \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nonexistent has not been found\"}}"},
            {"{\"execute\":\"stop\",\"arguments\":{\"x\":1}}\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'x' is unexpected\"}}"},
            {"{\"execute\":\"human-monitor-command\"}\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'command-line' is missing\"}}"},
            {"{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":5}}\n",
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for 'command-line', expected: string\"}}"},
            {"{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info status\", \"cpu-index\": 1.5}}\n",
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for 'cpu-index', expected: integer\"}}"},
            {"{\"a\" 1}\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, missing : in object pair\"}}"},
            {"[1 2]\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expected separator in list\"}}"},
            {"{\"execute\":\"query-name\"}}\n", "{\"return\": {}}", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}"},
            {"{\"a\":\"\u0001\"}\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\\"\\u0001'\"}}",
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}"},
            {"@@{\"execute\":\"query-name\", \"id\": 3}\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '@'\"}}",
                "{\"return\": {}, \"id\": 3}"},
            {"{\"execute\":\"query-name\", \"id\": 6, \"id\": 7}\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, duplicate key\"}}"},
            {"{'execute': 'query-name', 'id': 'é☃'}\n", "{\"return\": {}, \"id\": \"\\u00E9\\u2603\"}"},
            {"{\"execute\": \"query-name\", \"id\": [0.1, 1e400, 18446744073709551615, -0.0, 100.0]}\n",
                "{\"return\": {}, \"id\": [0.10000000000000001, inf, 18446744073709551615, -0, 100]}"},
        };
        try (Setup s = setup(new TestMachine(dir), false); QmpClient c = negotiated(s.path())) {
            for (String[] k : cases) {
                c.sendRaw(k[0]);
                for (int i = 1; i < k.length; i++) {
                    if (k[i].isEmpty()) continue;
                    assertEquals(k[i], c.reply(), "reply " + i + " to " + k[0]);
                }
            }
            c.sendBytes(new byte[] {(byte) 0xff, '{', '}', '\n'});
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}", c.reply());
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}", c.reply());
            assertNull(c.readLine(100), "nothing more");
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}",
                    c.command("{\"execute\":\"query-status\"}"));
            assertTrue(s.m().machine.isRunning(), "the guest carries on");
        }
    }

    @Test
    void eachClientIsGreetedAndNegotiatesAgain() throws Exception {
        try (Setup s = setup(new TestMachine(dir), false)) {
            try (QmpClient c = negotiated(s.path())) {
                assertEquals("{\"return\": {}}", c.command("{\"execute\":\"query-name\"}"));
            }
            Thread.sleep(4 * ConnectionWatch.POLL_MILLIS + 50);
            try (QmpClient c = new QmpClient(s.path())) {
                assertEquals(GREETING, c.readLine(5000));
                assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}",
                        c.command("{\"execute\":\"query-name\"}"));
            }
        }
    }

    @Test
    void oobCapability() throws Exception {
        try (Setup s = setup(new TestMachine(dir), false); QmpClient c = new QmpClient(s.path())) {
            s.m().monitors.qmpCommands().register(QmpCommand.builder("x-oob-test").allowOob()
                    .handler(call -> QmpJson.NODES.textNode("oob")).build());
            assertEquals(GREETING, c.readLine(5000));
            assertEquals("{\"return\": {}, \"id\": \"neg\"}",
                    c.command("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}, \"id\": \"neg\"}"));
            assertEquals("{\"id\": 1, \"error\": {\"class\": \"GenericError\", \"desc\": \"The command query-status does not support OOB\"}}",
                    c.command("{\"exec-oob\":\"query-status\",\"id\":1}"));
            assertEquals("{\"return\": \"oob\", \"id\": 2}", c.command("{\"exec-oob\":\"x-oob-test\",\"id\":2}"));
            assertEquals("{\"id\": 3, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'execute' clashes with 'exec-oob'\"}}",
                    c.command("{\"exec-oob\":\"x-oob-test\",\"execute\":\"query-status\",\"id\":3}"));
            assertEquals("{\"id\": 4, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nosuch has not been found\"}}",
                    c.command("{\"exec-oob\":\"nosuch\",\"id\":4}"));
        }
    }

    @Test
    void genericEventsReachNegotiatedClients() throws Exception {
        try (Setup s = setup(new TestMachine(dir), false); QmpClient c = negotiated(s.path())) {
            var d = QmpJson.NODES.objectNode();
            d.put("status", "active");
            s.m().monitors.events().emit("MIGRATION", d);
            String e = c.event("MIGRATION", 5000);
            assertEquals("{\"status\": \"active\"}", data(e));
            assertTrue(new String(e.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).endsWith("\"event\": \"MIGRATION\", \"data\": {\"status\": \"active\"}}"));
        }
    }
}
