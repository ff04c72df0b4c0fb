package dev.ferry.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.chardev.FileBackend;
import dev.ferry.chardev.SocketServerBackend;
import dev.ferry.demo.DemoGuest;
import dev.ferry.machine.VirtMachine;
import dev.ferry.testing.QmpSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A machine in this JVM with a QMP monitor on a Unix socket and a client past
 * qmp_capabilities: the fixture the QMP tests share. {@link #demo} and {@link #demoWithFds} run
 * the demo guest (its console in NAME.txt, for {@link #passes}), not yet started, with a
 * {@link QmpClient} or a {@link QmpSocket} that passes descriptors; {@link #running} runs any
 * machine, started before the client connects so that the client sees no event of the start.
 */
final class QmpNode<C extends AutoCloseable> implements AutoCloseable {
    static final String OK = "{\"return\": {}}";
    private static final Pattern PASS = Pattern.compile("demo: pass (\\d+) ok");

    private interface Connector<C> {
        C connect(Path socket) throws Exception;
    }

    /** How a request goes through the client (the two clients have no common type). */
    private interface Requester<C> {
        String command(C client, String json) throws Exception;
    }

    final String name;
    final VirtMachine machine;
    final Monitors monitors;
    final SocketServerBackend socket;
    final C qmp;
    private final Path console;
    private final Requester<C> requester;

    private QmpNode(String name, VirtMachine.Options options, Path sock, Path console, boolean run, Connector<C> connector,
                    Requester<C> requester) throws Exception {
        this.name = name;
        this.console = console;
        this.requester = requester;
        machine = new VirtMachine(options);
        monitors = new Monitors(machine, null, List::of);
        socket = SocketServerBackend.unix(sock, false);
        monitors.addQmp(socket);
        if (run) {
            machine.start();
            machine.resume();
        }
        qmp = connector.connect(sock);
    }

    /** The demo guest on 32 MiB, its console in {@code dir/NAME.txt} and QMP on {@code dir/NAME.qmp}; not started. */
    static QmpNode<QmpClient> demo(Path dir, String name) throws Exception {
        return demo(dir, name, QmpNode::negotiated, QmpClient::command);
    }

    /** As {@link #demo(Path, String)}, with a client whose requests can carry descriptors. */
    static QmpNode<QmpSocket> demoWithFds(Path dir, String name) throws Exception {
        return demo(dir, name, QmpSocket::new, QmpSocket::command);
    }

    private static <C extends AutoCloseable> QmpNode<C> demo(Path dir, String name, Connector<C> connector, Requester<C> requester)
            throws Exception {
        Path guest = dir.resolve("demo.bin");
        if (!Files.exists(guest)) Files.write(guest, DemoGuest.build(4, 300_000));
        Path console = dir.resolve(name + ".txt");
        VirtMachine.Options o = new VirtMachine.Options(32L << 20, 1, VirtMachine.BiosKind.NONE, null, guest, null, null,
                null, new FileBackend(console, false), false, false);
        return new QmpNode<>(name, o, dir.resolve(name + ".qmp"), console, false, connector, requester);
    }

    /** A machine of {@code options}, started and running, with QMP on {@code sock}. */
    static QmpNode<QmpClient> running(VirtMachine.Options options, Path sock) throws Exception {
        return new QmpNode<>("machine", options, sock, null, true, QmpNode::negotiated, QmpClient::command);
    }

    private static QmpClient negotiated(Path sock) throws Exception {
        QmpClient c = new QmpClient(sock);
        assertNotNull(c.readLine(5000));
        assertEquals(OK, c.command("{\"execute\": \"qmp_capabilities\"}"));
        return c;
    }

    /** QEMU's reply for a GenericError. */
    static String error(String desc) {
        return "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" + desc + "\"}}";
    }

    /** The reply line to a request. */
    String cmd(String json) throws Exception {
        return requester.command(qmp, json);
    }

    /** The reply's {@code return} member, asserting there is one. */
    JsonNode ret(String json) throws Exception {
        JsonNode r = QmpClient.parse(cmd(json));
        assertTrue(r.has("return"), r.toString());
        return r.get("return");
    }

    /** The numbers of the demo guest's passes so far. */
    List<Integer> passes() throws Exception {
        if (console == null) throw new IllegalStateException(name + " does not run the demo guest");
        Matcher m = PASS.matcher(Files.readString(console));
        List<Integer> out = new ArrayList<>();
        while (m.find()) out.add(Integer.parseInt(m.group(1)));
        return out;
    }

    /** Starts the demo guest and waits for its first {@code n} passes. */
    void runUntilPasses(int n) throws Exception {
        machine.start();
        machine.resume();
        waitForPasses(n);
    }

    /** Starts the machine as {@code -incoming defer} does: in inmigrate, waiting for migrate-incoming. */
    void startDeferredIncoming() {
        machine.start();
        machine.migration().expectIncoming(true);
    }

    void waitForPasses(int n) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (passes().size() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError(name + ": guest made no progress");
            Thread.sleep(20);
        }
    }

    /** query-migrate's status. */
    String migrationStatus() throws Exception {
        return ret("{\"execute\": \"query-migrate\"}").path("status").asText();
    }

    /** Waits for query-migrate to say {@code status}; a migration that failed instead fails at once. */
    void awaitMigrationStatus(String status) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        String now;
        while (!(now = migrationStatus()).equals(status)) {
            if (System.nanoTime() > deadline || now.equals("failed")) throw new AssertionError(name + ": query-migrate said " + now);
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        qmp.close();
        monitors.close();
        socket.close();
        machine.close();
    }
}
