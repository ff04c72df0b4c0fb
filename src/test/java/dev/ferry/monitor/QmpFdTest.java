package dev.ferry.monitor;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.chardev.FileBackend;
import dev.ferry.chardev.SocketServerBackend;
import dev.ferry.demo.DemoGuest;
import dev.ferry.machine.RunState;
import dev.ferry.machine.VirtMachine;
import dev.ferry.os.Descriptor;
import dev.ferry.os.Posix;
import dev.ferry.os.UnixSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * getfd and closefd with descriptors passed over the QMP Unix socket (SCM_RIGHTS, sent by a
 * client on Ferry's own FFM binding), and migrations through {@code fd:} channels between two
 * demo-guest machines in this JVM: a socketpair (with the return path) and a pipe (without).
 * Errors as qemu-system-riscv64 7.2 gives them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QmpFdTest {
    private static final Pattern PASS = Pattern.compile("demo: pass (\\d+) ok");
    private static final String OK = "{\"return\": {}}";

    @TempDir
    Path dir;

    /** A QMP client that can pass descriptors with a request. */
    private static final class Client implements AutoCloseable {
        final UnixSocket s;
        final StringBuilder pending = new StringBuilder();

        Client(Path sock) throws Exception {
            s = UnixSocket.connect(sock);
            assertTrue(line().startsWith("{\"QMP\""));
            assertEquals(OK, cmd("{\"execute\": \"qmp_capabilities\"}"));
        }

        String line() throws IOException {
            byte[] buf = new byte[4096];
            while (pending.indexOf("\r\n") < 0) {
                int n = s.read(buf, 0, buf.length);
                if (n < 0) throw new IOException("the monitor went away");
                pending.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            int nl = pending.indexOf("\r\n");
            String l = pending.substring(0, nl);
            pending.delete(0, nl + 2);
            return l;
        }

        /** Sends a request with {@code fds} and returns its reply (events skipped). */
        String cmd(String json, int... fds) throws IOException {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            s.send(b, 0, b.length, fds);
            String l;
            do {
                l = line();
            } while (l.startsWith("{\"timestamp\""));
            return l;
        }

        JsonNode ret(String json) throws IOException {
            JsonNode r = QmpClient.parse(cmd(json));
            assertTrue(r.has("return"), r.toString());
            return r.get("return");
        }

        @Override
        public void close() {
            s.close();
        }
    }

    private final class Node implements AutoCloseable {
        final String name;
        final VirtMachine machine;
        final Monitors monitors;
        final SocketServerBackend socket;
        final Client qmp;

        Node(String name) throws Exception {
            this.name = name;
            Path guest = dir.resolve("demo.bin");
            if (!Files.exists(guest)) Files.write(guest, DemoGuest.build(4, 300_000));
            machine = new VirtMachine(new VirtMachine.Options(32L << 20, 1, VirtMachine.BiosKind.NONE, null, guest, null, null,
                    null, new FileBackend(dir.resolve(name + ".txt"), false), false, false));
            monitors = new Monitors(machine, null, List::of);
            Path sock = dir.resolve(name + ".qmp");
            socket = SocketServerBackend.unix(sock, false);
            monitors.addQmp(socket);
            qmp = new Client(sock);
        }

        List<Integer> passes() throws Exception {
            Matcher m = PASS.matcher(Files.readString(dir.resolve(name + ".txt")));
            List<Integer> out = new ArrayList<>();
            while (m.find()) out.add(Integer.parseInt(m.group(1)));
            return out;
        }

        void waitForPasses(int n) throws Exception {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (passes().size() < n) {
                if (System.nanoTime() > deadline) throw new AssertionError(name + ": guest made no progress");
                Thread.sleep(20);
            }
        }

        String migrationStatus() throws IOException {
            return qmp.ret("{\"execute\": \"query-migrate\"}").path("status").asText();
        }

        void awaitStatus(String s) throws Exception {
            long deadline = System.nanoTime() + 60_000_000_000L;
            String now;
            while (!(now = migrationStatus()).equals(s)) {
                if (System.nanoTime() > deadline || now.equals("failed")) throw new AssertionError(name + ": query-migrate said " + now);
                Thread.sleep(20);
            }
        }

        @Override
        public void close() {
            qmp.close();
            monitors.close();
            socket.close();
            machine.close();
        }
    }

    private static String error(String desc) {
        return "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" + desc + "\"}}";
    }

    private static String getfd(String name) {
        return "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"" + name + "\"}}";
    }

    private static String closefd(String name) {
        return "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"" + name + "\"}}";
    }

    /** One reader per pipe read end, so that asking again waits on the same read. */
    private final java.util.Map<Integer, CompletableFuture<Integer>> readers = new java.util.HashMap<>();

    /** Whether reading the pipe {@code fd} sees end of file within {@code seconds} (every write end closed). */
    private boolean endOfFile(int fd, int seconds) throws Exception {
        CompletableFuture<Integer> read = readers.computeIfAbsent(fd, f -> CompletableFuture.supplyAsync(() -> {
            try {
                return Posix.read(f, new byte[1], 0, 1);
            } catch (IOException e) {
                return -2;
            }
        }));
        try {
            return read.get(seconds, TimeUnit.SECONDS) == 0;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    private boolean endOfFile(int fd) throws Exception {
        return endOfFile(fd, 5);
    }

    @Test
    void getfdKeepsThePassedDescriptorAndClosefdClosesIt() throws Exception {
        try (Node n = new Node("n")) {
            Client c = n.qmp;
            assertEquals(error("No file descriptor supplied via SCM_RIGHTS"), c.cmd(getfd("x")));
            assertEquals(error("File descriptor named 'x' not found"), c.cmd(closefd("x")));
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'fdname' is missing\"}}",
                    c.cmd("{\"execute\": \"getfd\"}"));

            int[] p = Posix.pipe();
            assertEquals(OK, c.cmd(getfd("x"), p[1]));
            Posix.close(p[1]);
            // the monitor holds a write end: closing it through closefd is what ends the pipe
            int[] q = Posix.pipe();
            assertEquals(OK, c.cmd(getfd("y"), q[1]));
            Posix.close(q[1]);
            assertEquals(OK, c.cmd(closefd("y")));
            assertTrue(endOfFile(q[0]), "closefd closed the monitor's copy of the write end");
            assertEquals(error("File descriptor named 'y' not found"), c.cmd(closefd("y")));

            // a name starting with a digit is refused (and the descriptor not kept)
            int[] d = Posix.pipe();
            assertEquals(error("Parameter 'fdname' expects a name not starting with a digit"), c.cmd(getfd("3"), d[1]));
            Posix.close(d[1]);
            assertTrue(endOfFile(d[0]), "a refused descriptor is closed");

            // a descriptor that came with another command waits for the next getfd, as QEMU's
            int[] e = Posix.pipe();
            assertTrue(QmpClient.parse(c.cmd("{\"execute\": \"query-status\"}", e[1])).has("return"), "query-status answers as usual");
            Posix.close(e[1]);
            assertEquals(OK, c.cmd(getfd("late")));
            assertEquals(OK, c.cmd(getfd("x"), Posix.pipe()[1])); // replacing x closes the first one
            assertTrue(endOfFile(p[0]), "the replaced descriptor was closed");
            assertFalse(endOfFile(e[0], 1), "the late one is held");
            assertEquals(OK, c.cmd(closefd("late")));
            assertTrue(endOfFile(e[0]));
        }
    }

    private static String migrate(String uri) {
        return "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"" + uri + "\"}}";
    }

    private static String incoming(String uri) {
        return "{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"" + uri + "\"}}";
    }

    @Test
    void liveMigrationThroughASocketpairHandedToBothMonitors() throws Exception {
        try (Node src = new Node("src"); Node dst = new Node("dst")) {
            src.machine.start();
            src.machine.resume();
            src.waitForPasses(2);
            dst.machine.start();
            dst.machine.migration().expectIncoming(true); // -incoming defer
            int[] sp = Posix.socketpair();
            assertEquals(error("File descriptor named 'mig' has not been found"), dst.qmp.cmd(incoming("fd:mig")));
            assertEquals(OK, dst.qmp.cmd(getfd("mig"), sp[1]));
            Posix.close(sp[1]);
            assertEquals(OK, dst.qmp.cmd(incoming("fd:mig")));
            assertEquals(error("File descriptor named 'mig' not found"), dst.qmp.cmd(closefd("mig")), "migrate-incoming took it");

            assertEquals(OK, src.qmp.cmd(getfd("mig"), sp[0]));
            Posix.close(sp[0]);
            assertEquals(OK, src.qmp.cmd(migrate("fd:mig")));
            src.awaitStatus("completed");
            // with the return path (a socket) the source completes only once the destination runs
            assertEquals(RunState.RUNNING, dst.machine.state());
            assertEquals("postmigrate", src.qmp.ret("{\"execute\": \"query-status\"}").path("status").asText());
            int last = src.passes().getLast();
            dst.waitForPasses(2);
            assertTrue(dst.passes().getFirst() > last, last + " -> " + dst.passes());
            assertEquals(error("Can't migrate the vm that was paused due to previous migration"), src.qmp.cmd(migrate("fd:mig")));
        }
    }

    @Test
    void migrationThroughAPipeHasNoReturnPathAndBothSidesTakeANumber() throws Exception {
        try (Node src = new Node("src"); Node dst = new Node("dst")) {
            src.machine.start();
            src.machine.resume();
            src.waitForPasses(2);
            dst.machine.start();
            dst.machine.migration().expectIncoming(true);
            int[] p = Posix.pipe();
            // a number: a descriptor the process owns (here the pipe's read end, handed over)
            assertEquals(OK, dst.qmp.cmd(incoming("fd:" + p[0])));
            // and on the source too: a number is a descriptor it owns (the pipe's write end)
            assertEquals(OK, src.qmp.cmd(migrate("fd:" + p[1])));
            // a return path on a pipe could never answer: completing proves it stayed off
            src.awaitStatus("completed");
            int last = src.passes().getLast();
            dst.waitForPasses(2);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (dst.passes().getFirst() <= last && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(dst.passes().getFirst() > last, last + " -> " + dst.passes());
            assertEquals("completed", dst.migrationStatus());
            assertEquals("Failed to listen on 'fd:99999': file descriptor 99999: Bad file descriptor",
                    failure(() -> dev.ferry.migration.Channels.listen("fd:99999")));
        }
    }

    @Test
    void aFailedFdMigrationLeavesTheSourceRunning() throws Exception {
        try (Node src = new Node("src")) {
            src.machine.start();
            src.machine.resume();
            src.waitForPasses(1);
            int[] sp = Posix.socketpair();
            Posix.close(sp[1]); // nobody at the other end
            assertEquals(OK, src.qmp.cmd(getfd("dead"), sp[0]));
            Posix.close(sp[0]);
            assertEquals(OK, src.qmp.cmd(migrate("fd:dead")));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!src.migrationStatus().equals("failed")) {
                if (System.nanoTime() > deadline) throw new AssertionError(src.migrationStatus());
                Thread.sleep(20);
            }
            assertEquals("running", src.qmp.ret("{\"execute\": \"query-status\"}").path("status").asText());
            int before = src.passes().size();
            src.waitForPasses(before + 1);
        }
    }

    private interface Failing {
        void run() throws Exception;
    }

    private static String failure(Failing f) {
        try {
            f.run();
        } catch (Exception e) {
            return e.getMessage();
        }
        throw new AssertionError("no failure");
    }
}
