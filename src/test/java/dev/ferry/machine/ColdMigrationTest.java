package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.FileBackend;
import dev.ferry.demo.DemoGuest;
import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Stop, save the whole machine into a channel, load it into a fresh machine, continue. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ColdMigrationTest {
    private static final Pattern PASS = Pattern.compile("demo: pass (\\d+) ok");

    static VirtMachine demoMachine(Path dir, String name) throws Exception {
        Path guest = dir.resolve("demo.bin");
        if (!Files.exists(guest)) Files.write(guest, DemoGuest.build(4, 300_000));
        return new VirtMachine(new VirtMachine.Options(32L << 20, 1, VirtMachine.BiosKind.NONE, null, guest, null, null,
                null, new FileBackend(dir.resolve(name + ".txt"), false), false, false));
    }

    static List<Integer> passes(Path console) throws Exception {
        Matcher m = PASS.matcher(Files.readString(console));
        List<Integer> out = new java.util.ArrayList<>();
        while (m.find()) out.add(Integer.parseInt(m.group(1)));
        return out;
    }

    static void waitForPasses(Path console, int n) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (passes(console).size() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("guest made no progress: " + Files.readString(console));
            Thread.sleep(20);
        }
    }

    /** Starts the demo guest of {@code m} and waits for its first {@code n} passes on {@code console}. */
    static void runUntilPasses(VirtMachine m, Path console, int n) throws Exception {
        m.start();
        m.resume();
        waitForPasses(console, n);
    }

    private static void migrateThrough(Path dir, String outUri, String inUri) throws Exception {
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            src.start();
            src.resume();
            waitForPasses(dir.resolve("src.txt"), 3);
            dst.start();
            Channels.Listener listener = Channels.listen(inUri);
            Thread incoming = Thread.ofPlatform().start(() -> {
                try {
                    MachineMigration.incoming(dst, listener, true);
                } catch (MigrationException e) {
                    throw new RuntimeException(e);
                }
            });
            MachineMigration.Result r = MachineMigration.migrate(src, outUri);
            assertEquals(RunState.POSTMIGRATE, src.state());
            assertTrue(r.bytes() > 0);
            incoming.join(30_000);
            assertEquals(RunState.RUNNING, dst.state(), "the source was running, so the destination runs");
            int lastOnSource = passes(dir.resolve("src.txt")).getLast();
            waitForPasses(dir.resolve("dst.txt"), 3);
            List<Integer> after = passes(dir.resolve("dst.txt"));
            assertEquals(lastOnSource + 1, after.getFirst(), "the destination continues the source's count");
            for (int i = 1; i < after.size(); i++) assertEquals(after.get(i - 1) + 1, after.get(i));
            assertFalse(Files.readString(dir.resolve("dst.txt")).contains("FAIL"), "no lost write");
        }
    }

    @Test
    void throughAFile(@TempDir Path dir) throws Exception {
        // the file is written completely before the destination reads it
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            src.start();
            src.resume();
            waitForPasses(dir.resolve("src.txt"), 2);
            src.pause(RunState.PAUSED);
            MachineMigration.migrate(src, "file:" + dir.resolve("state"));
            dst.start();
            MachineMigration.incoming(dst, Channels.listen("file:" + dir.resolve("state")), true);
            assertEquals(RunState.PAUSED, dst.state(), "the source was paused, so the destination stays paused");
            dst.resume();
            int lastOnSource = passes(dir.resolve("src.txt")).getLast();
            waitForPasses(dir.resolve("dst.txt"), 2);
            assertEquals(lastOnSource + 1, passes(dir.resolve("dst.txt")).getFirst());
        }
    }

    @Test
    void throughUnixSocket(@TempDir Path dir) throws Exception {
        String uri = "unix:" + dir.resolve("mig.sock");
        migrateThrough(dir, uri, uri);
    }

    @Test
    void throughTcp(@TempDir Path dir) throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        migrateThrough(dir, "tcp:127.0.0.1:" + port, "tcp:127.0.0.1:" + port);
    }

    @Test
    void throughExec(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("stream");
        try (VirtMachine src = demoMachine(dir, "src"); VirtMachine dst = demoMachine(dir, "dst")) {
            src.start();
            src.resume();
            waitForPasses(dir.resolve("src.txt"), 2);
            src.pause(RunState.PAUSED);
            MachineMigration.migrate(src, "exec:cat > " + f);
            dst.start();
            MachineMigration.incoming(dst, Channels.listen("exec:cat " + f), true);
            dst.resume();
            int lastOnSource = passes(dir.resolve("src.txt")).getLast();
            waitForPasses(dir.resolve("dst.txt"), 2);
            assertEquals(lastOnSource + 1, passes(dir.resolve("dst.txt")).getFirst());
        }
    }

    @Test
    void failedMigrationLeavesTheSourceRunning(@TempDir Path dir) throws Exception {
        try (VirtMachine src = demoMachine(dir, "src")) {
            src.start();
            src.resume();
            waitForPasses(dir.resolve("src.txt"), 1);
            MigrationException e = assertThrows(MigrationException.class,
                    () -> MachineMigration.migrate(src, "unix:" + dir.resolve("nobody-listens")));
            assertTrue(e.getMessage().contains("Failed to connect"), e.getMessage());
            assertEquals(RunState.RUNNING, src.state());
            int n = passes(dir.resolve("src.txt")).size();
            waitForPasses(dir.resolve("src.txt"), n + 2);
            // a command that fails while the stream is written
            assertThrows(MigrationException.class, () -> MachineMigration.migrate(src, "exec:exit 3"));
            assertEquals(RunState.RUNNING, src.state());
            n = passes(dir.resolve("src.txt")).size();
            waitForPasses(dir.resolve("src.txt"), n + 2);
        }
    }
}
