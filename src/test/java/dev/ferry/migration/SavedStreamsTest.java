package dev.ferry.migration;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.FileBackend;
import dev.ferry.demo.DemoGuest;
import dev.ferry.machine.MachineMigration;
import dev.ferry.machine.RunState;
import dev.ferry.machine.VirtMachine;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams saved by earlier versions of Ferry, kept in the test resources: every build must
 * still load them, and the guest inside must carry on. (Run {@link #main} to record a new one
 * when a state description changes version; keep the old ones.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SavedStreamsTest {
    static final String[] STREAMS = {"demo-v1.qevm.gz"};
    private static final Pattern PASS = Pattern.compile("demo: pass (\\d+) ok");

    static VirtMachine machine(Path dir, Path console) throws Exception {
        Path guest = dir.resolve("demo.bin");
        if (!Files.exists(guest)) Files.write(guest, DemoGuest.build(1, 200_000));
        return new VirtMachine(new VirtMachine.Options(16L << 20, 1, VirtMachine.BiosKind.NONE, null, guest, null, null,
                null, new FileBackend(console, false), false, false));
    }

    @Test
    void everyKeptStreamStillLoadsAndTheGuestContinues(@TempDir Path dir) throws Exception {
        for (String name : STREAMS) {
            Path stream = dir.resolve(name.replace(".gz", ""));
            try (InputStream in = new GZIPInputStream(getClass().getResourceAsStream(name))) {
                Files.copy(in, stream);
            }
            Path console = dir.resolve(name + ".txt");
            try (VirtMachine m = machine(dir, console)) {
                m.start();
                MachineMigration.incoming(m, Channels.listen("file:" + stream), true);
                assertEquals(RunState.PAUSED, m.state(), "the recorded source was paused");
                m.resume();
                long deadline = System.nanoTime() + 60_000_000_000L;
                List<Integer> passes;
                do {
                    Thread.sleep(20);
                    passes = passes(console);
                } while (passes.size() < 2 && System.nanoTime() < deadline);
                assertTrue(passes.size() >= 2, name + ": the guest did not continue: " + Files.readString(console));
                assertTrue(passes.getFirst() > 1, name + ": it continues from the saved count, not from the start");
                assertFalse(Files.readString(console).contains("FAIL"), name);
            }
        }
    }

    static List<Integer> passes(Path console) throws Exception {
        Matcher m = PASS.matcher(Files.readString(console));
        List<Integer> out = new java.util.ArrayList<>();
        while (m.find()) out.add(Integer.parseInt(m.group(1)));
        return out;
    }

    /** Records a stream: {@code java ... SavedStreamsTest OUT.qevm.gz}. */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("record");
        Path console = dir.resolve("c.txt");
        try (VirtMachine m = machine(dir, console)) {
            m.start();
            m.resume();
            while (passes(console).size() < 3) Thread.sleep(10);
            m.pause(RunState.PAUSED);
            Path raw = dir.resolve("s.qevm");
            MachineMigration.migrate(m, "file:" + raw);
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(Path.of(args[0])))) {
                Files.copy(raw, o);
            }
        }
        System.exit(0);
    }
}
