package dev.ferry.machine;

import static dev.ferry.machine.LinuxMigrationTest.abPasses;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.os.Posix;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.HmpSocket;
import dev.ferry.testing.QmpSocket;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold migration as a user does it with QEMU, process to process through every channel in turn:
 * the Linux guest boots once and runs {@code ab& 32}; at each source's monitor {@code stop},
 * {@code migrate URI}, {@code quit}; a new process with {@code -incoming} loads it and
 * {@code cont} lets the guest carry on. The hops: {@code exec:} (cat to and from a file),
 * {@code file:}, {@code unix:}, {@code tcp:}, and {@code fd:} (the two ends of a socketpair made
 * here, handed to the source's and the destination's QMP with getfd).
 */
@Tag("linux")
class CliMigrationTest {
    private static Process ferry(Path dir, String name, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "-machine", "virt", "-m", "256M", "-display", "none", "-kernel", Guests.kernel().toString(),
                "-initrd", Guests.initrd().toString(), "-append", "console=ttyS0 quiet guest.run=ab&+32",
                "-serial", "file:" + dir.resolve(name + ".txt"),
                "-monitor", "unix:" + dir.resolve(name + ".mon") + ",server=on,wait=off",
                "-qmp", "unix:" + dir.resolve(name + ".qmp") + ",server=on,wait=off"));
        args.addAll(extra);
        return FerryProcess.start(dir.resolve(name + ".log"), args);
    }

    private static void waitFor(Path console, int passes, Process p) throws Exception {
        long deadline = System.nanoTime() + 200_000_000_000L;
        while (!Files.exists(console) || abPasses(console).size() < passes) {
            if (!p.isAlive() || System.nanoTime() > deadline)
                throw new AssertionError("no a-b progress; console:\n" + (Files.exists(console) ? Files.readString(console) : "-"));
            Thread.sleep(200);
        }
    }

    /** The destination has loaded the stream and waits for cont (the source was stopped). */
    private static void awaitLoaded(Path mon, Process p) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        String status;
        while (true) {
            status = HmpSocket.send(mon, "info status");
            if (status.contains("VM status: paused") && !status.contains("inmigrate")) return;
            if (!p.isAlive() || System.nanoTime() > deadline) throw new AssertionError("not loaded: " + status);
            Thread.sleep(200);
        }
    }

    /** The destination listens on its -incoming socket. */
    private static void awaitListening(Path mon) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!HmpSocket.send(mon, "info migrate").contains("socket address:")) {
            if (System.nanoTime() > deadline) throw new AssertionError("the destination does not listen");
            Thread.sleep(100);
        }
    }

    private static void quit(Path dir, String name, Process p) throws Exception {
        HmpSocket.send(dir.resolve(name + ".mon"), "quit");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), name + " quits");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve(name + ".log")));
    }

    private static String assertAbGoesOn(Path dir, String name, Process p, int last) throws Exception {
        Path console = dir.resolve(name + ".txt");
        waitFor(console, 2, p);
        List<Integer> after = abPasses(console);
        assertTrue(after.getFirst() > last && after.get(1) > after.getFirst(), name + ": " + last + " -> " + after);
        String text = Files.readString(console);
        assertFalse(text.contains("FAIL"), text);
        return name;
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void coldMigrationThroughExecFileUnixTcpAndFd(@TempDir Path dir) throws Exception {
        List<Process> all = new ArrayList<>();
        try {
            Process src = ferry(dir, "boot", List.of());
            all.add(src);
            waitFor(dir.resolve("boot.txt"), 2, src);
            String cur = "boot";

            // exec: and file: go through a file: the source first, then the destination
            String[][] viaFile = {
                    {"exec", "exec:cat > " + dir.resolve("state.exec"), "exec:cat " + dir.resolve("state.exec")},
                    {"file", "file:" + dir.resolve("state.file"), "file:" + dir.resolve("state.file")}};
            for (String[] hop : viaFile) {
                String out = HmpSocket.send(dir.resolve(cur + ".mon"), "stop", "migrate \"" + hop[1] + "\"", "info status");
                assertTrue(out.contains("VM status: paused (postmigrate)"), out);
                int last = abPasses(dir.resolve(cur + ".txt")).getLast();
                quit(dir, cur, src);
                Process dst = ferry(dir, hop[0], List.of("-incoming", hop[2]));
                all.add(dst);
                awaitLoaded(dir.resolve(hop[0] + ".mon"), dst);
                HmpSocket.send(dir.resolve(hop[0] + ".mon"), "cont");
                cur = assertAbGoesOn(dir, hop[0], dst, last);
                src = dst;
            }

            // unix: and tcp: are sockets: the destination listens first
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            String[][] viaSocket = {
                    {"unix", "unix:" + dir.resolve("mig.sock")},
                    {"tcp", "tcp:127.0.0.1:" + port}};
            for (String[] hop : viaSocket) {
                Process dst = ferry(dir, hop[0], List.of("-incoming", hop[1]));
                all.add(dst);
                awaitListening(dir.resolve(hop[0] + ".mon"));
                String out = HmpSocket.send(dir.resolve(cur + ".mon"), "stop", "migrate \"" + hop[1] + "\"", "info status");
                assertTrue(out.contains("VM status: paused (postmigrate)"), out);
                int last = abPasses(dir.resolve(cur + ".txt")).getLast();
                quit(dir, cur, src);
                awaitLoaded(dir.resolve(hop[0] + ".mon"), dst);
                HmpSocket.send(dir.resolve(hop[0] + ".mon"), "cont");
                cur = assertAbGoesOn(dir, hop[0], dst, last);
                src = dst;
            }

            // fd: a socketpair, one end to each side's QMP with getfd
            Process dst = ferry(dir, "fd", List.of("-incoming", "defer"));
            all.add(dst);
            int[] sp = Posix.socketpair();
            try (QmpSocket in = new QmpSocket(dir.resolve("fd.qmp")); QmpSocket out = new QmpSocket(dir.resolve(cur + ".qmp"))) {
                assertEquals("{\"return\": {}}", in.command("{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"mig\"}}", sp[1]));
                assertEquals("{\"return\": {}}", in.command("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"fd:mig\"}}"));
                assertEquals("{\"return\": {}}", out.command("{\"execute\": \"stop\"}"));
                assertEquals("{\"return\": {}}", out.command("{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"mig\"}}", sp[0]));
                Posix.close(sp[0]);
                Posix.close(sp[1]);
                assertEquals("{\"return\": {}}", out.command("{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"fd:mig\"}}"));
                long deadline = System.nanoTime() + 120_000_000_000L;
                String q;
                while (!(q = out.command("{\"execute\": \"query-migrate\"}")).contains("\"status\": \"completed\"")) {
                    if (q.contains("failed") || System.nanoTime() > deadline) throw new AssertionError(q);
                    Thread.sleep(200);
                }
            }
            int last = abPasses(dir.resolve(cur + ".txt")).getLast();
            quit(dir, cur, src);
            awaitLoaded(dir.resolve("fd.mon"), dst);
            HmpSocket.send(dir.resolve("fd.mon"), "cont");
            assertAbGoesOn(dir, "fd", dst, last);
            quit(dir, "fd", dst);
        } finally {
            for (Process p : all) p.destroyForcibly();
        }
    }
}
