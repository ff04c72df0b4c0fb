package dev.ferry.machine;

import static dev.ferry.machine.LinuxMigrationTest.abPasses;
import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
 * Cold migration as a user does it with QEMU, between two Ferry processes: the Linux guest runs
 * {@code ab& 32}; at the source's monitor {@code stop}, {@code migrate "exec:cat > FILE"},
 * {@code quit}; a new process with {@code -incoming "exec:cat FILE"} and {@code cont} carries on.
 */
@Tag("linux")
class CliMigrationTest {
    private static Process ferry(Path dir, String name, List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.ferry.cli.Main",
                "-machine", "virt", "-m", "256M", "-display", "none", "-kernel", Guests.kernel().toString(),
                "-initrd", Guests.initrd().toString(), "-append", "console=ttyS0 quiet guest.run=ab&+32",
                "-serial", "file:" + dir.resolve(name + ".txt"),
                "-monitor", "unix:" + dir.resolve(name + ".mon") + ",server=on,wait=off"));
        cmd.addAll(extra);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    /** Sends HMP command lines and returns what came back until the last prompt. */
    private static String hmp(Path sock, String... lines) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(sock)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no monitor socket " + sock);
            Thread.sleep(50);
        }
        try (SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            sc.connect(UnixDomainSocketAddress.of(sock));
            InputStream in = Channels.newInputStream(sc);
            OutputStream out = Channels.newOutputStream(sc);
            StringBuilder all = new StringBuilder();
            readPrompt(in, all);
            for (String l : lines) {
                out.write((l + "\r").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (!l.equals("quit")) readPrompt(in, all);
                else while (in.read() >= 0) { } // the monitor goes away with the process
            }
            return all.toString();
        }
    }

    private static void readPrompt(InputStream in, StringBuilder all) throws Exception {
        int start = all.length();
        while (all.indexOf("(qemu) ", start) < 0) {
            int c = in.read();
            if (c < 0) return;
            all.append((char) c);
        }
    }

    private static void waitFor(Path console, int passes, Process p) throws Exception {
        long deadline = System.nanoTime() + 200_000_000_000L;
        while (!Files.exists(console) || abPasses(console).size() < passes) {
            if (!p.isAlive() || System.nanoTime() > deadline)
                throw new AssertionError("no a-b progress; console:\n" + (Files.exists(console) ? Files.readString(console) : "-"));
            Thread.sleep(200);
        }
    }

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void stopMigrateToExecQuitThenIncomingFromExec(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.bin");
        Process src = ferry(dir, "src", List.of());
        try {
            waitFor(dir.resolve("src.txt"), 2, src);
            String out = hmp(dir.resolve("src.mon"), "stop", "migrate \"exec:cat > " + state + "\"", "info status", "quit");
            assertTrue(out.contains("VM status: paused (postmigrate)"), out);
            assertTrue(src.waitFor(30, TimeUnit.SECONDS), "the source quits");
        } finally {
            src.destroyForcibly();
        }
        int last = abPasses(dir.resolve("src.txt")).getLast();
        Process dst = ferry(dir, "dst", List.of("-incoming", "exec:cat " + state));
        try {
            // the source was stopped, so the destination waits for cont
            long deadline = System.nanoTime() + 60_000_000_000L;
            String status;
            do {
                Thread.sleep(200);
                status = hmp(dir.resolve("dst.mon"), "info status");
            } while (!status.contains("VM status: paused") || status.contains("inmigrate") && System.nanoTime() < deadline);
            assertTrue(status.contains("VM status: paused"), status);
            hmp(dir.resolve("dst.mon"), "cont");
            waitFor(dir.resolve("dst.txt"), 2, dst);
            List<Integer> after = abPasses(dir.resolve("dst.txt"));
            assertTrue(after.getFirst() > last, last + " -> " + after);
            assertFalse(Files.readString(dir.resolve("dst.txt")).contains("FAIL"), Files.readString(dir.resolve("dst.txt")));
            hmp(dir.resolve("dst.mon"), "quit");
            assertTrue(dst.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, dst.exitValue(), Files.readString(dir.resolve("dst.log")));
        } finally {
            dst.destroyForcibly();
        }
    }
}
