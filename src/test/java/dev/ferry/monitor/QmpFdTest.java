package dev.ferry.monitor;

import static dev.ferry.monitor.QmpNode.OK;
import static dev.ferry.monitor.QmpNode.error;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.machine.RunState;
import dev.ferry.os.Descriptor;
import dev.ferry.os.Posix;
import dev.ferry.testing.QmpSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    @TempDir
    Path dir;

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
        try (QmpNode<QmpSocket> n = QmpNode.demoWithFds(dir, "n")) {
            QmpSocket c = n.qmp;
            assertEquals(error("No file descriptor supplied via SCM_RIGHTS"), c.command(getfd("x")));
            assertEquals(error("File descriptor named 'x' not found"), c.command(closefd("x")));
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'fdname' is missing\"}}",
                    c.command("{\"execute\": \"getfd\"}"));

            int[] p = Posix.pipe();
            assertEquals(OK, c.command(getfd("x"), p[1]));
            Posix.close(p[1]);
            // the monitor holds a write end: closing it through closefd is what ends the pipe
            int[] q = Posix.pipe();
            assertEquals(OK, c.command(getfd("y"), q[1]));
            Posix.close(q[1]);
            assertEquals(OK, c.command(closefd("y")));
            assertTrue(endOfFile(q[0]), "closefd closed the monitor's copy of the write end");
            assertEquals(error("File descriptor named 'y' not found"), c.command(closefd("y")));

            // a name starting with a digit is refused (and the descriptor not kept)
            int[] d = Posix.pipe();
            assertEquals(error("Parameter 'fdname' expects a name not starting with a digit"), c.command(getfd("3"), d[1]));
            Posix.close(d[1]);
            assertTrue(endOfFile(d[0]), "a refused descriptor is closed");

            // a descriptor that came with another command waits for the next getfd, as QEMU's
            int[] e = Posix.pipe();
            assertTrue(QmpClient.parse(c.command("{\"execute\": \"query-status\"}", e[1])).has("return"), "query-status answers as usual");
            Posix.close(e[1]);
            assertEquals(OK, c.command(getfd("late")));
            assertEquals(OK, c.command(getfd("x"), Posix.pipe()[1])); // replacing x closes the first one
            assertTrue(endOfFile(p[0]), "the replaced descriptor was closed");
            assertFalse(endOfFile(e[0], 1), "the late one is held");
            assertEquals(OK, c.command(closefd("late")));
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
        try (QmpNode<QmpSocket> src = QmpNode.demoWithFds(dir, "src"); QmpNode<QmpSocket> dst = QmpNode.demoWithFds(dir, "dst")) {
            src.runUntilPasses(2);
            dst.startDeferredIncoming();
            int[] sp = Posix.socketpair();
            assertEquals(error("File descriptor named 'mig' has not been found"), dst.qmp.command(incoming("fd:mig")));
            assertEquals(OK, dst.qmp.command(getfd("mig"), sp[1]));
            Posix.close(sp[1]);
            assertEquals(OK, dst.qmp.command(incoming("fd:mig")));
            assertEquals(error("File descriptor named 'mig' not found"), dst.qmp.command(closefd("mig")), "migrate-incoming took it");

            assertEquals(OK, src.qmp.command(getfd("mig"), sp[0]));
            Posix.close(sp[0]);
            assertEquals(OK, src.qmp.command(migrate("fd:mig")));
            src.awaitMigrationStatus("completed");
            // with the return path (a socket) the source completes only once the destination runs
            assertEquals(RunState.RUNNING, dst.machine.state());
            assertEquals("postmigrate", src.qmp.ret("{\"execute\": \"query-status\"}").path("status").asText());
            int last = src.passes().getLast();
            dst.waitForPasses(2);
            assertTrue(dst.passes().getFirst() > last, last + " -> " + dst.passes());
            assertEquals(error("Can't migrate the vm that was paused due to previous migration"), src.qmp.command(migrate("fd:mig")));
        }
    }

    @Test
    void migrationThroughAPipeHasNoReturnPathAndBothSidesTakeANumber() throws Exception {
        try (QmpNode<QmpSocket> src = QmpNode.demoWithFds(dir, "src"); QmpNode<QmpSocket> dst = QmpNode.demoWithFds(dir, "dst")) {
            src.runUntilPasses(2);
            dst.startDeferredIncoming();
            int[] p = Posix.pipe();
            // a number: a descriptor the process owns (here the pipe's read end, handed over)
            assertEquals(OK, dst.qmp.command(incoming("fd:" + p[0])));
            // and on the source too: a number is a descriptor it owns (the pipe's write end)
            assertEquals(OK, src.qmp.command(migrate("fd:" + p[1])));
            // a return path on a pipe could never answer: completing proves it stayed off
            src.awaitMigrationStatus("completed");
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
        try (QmpNode<QmpSocket> src = QmpNode.demoWithFds(dir, "src")) {
            src.runUntilPasses(1);
            int[] sp = Posix.socketpair();
            Posix.close(sp[1]); // nobody at the other end
            assertEquals(OK, src.qmp.command(getfd("dead"), sp[0]));
            Posix.close(sp[0]);
            assertEquals(OK, src.qmp.command(migrate("fd:dead")));
            src.awaitMigrationStatus("failed");
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
