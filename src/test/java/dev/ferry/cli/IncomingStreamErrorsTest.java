package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.demo.DemoGuest;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.HmpSocket;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination started with {@code -incoming} on a truncated, corrupted or reordered stream
 * says why on stderr and exits with status 1, as QEMU does; it never hangs and never runs a
 * half-loaded guest. The stream is the one the same command line's {@code migrate} wrote.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class IncomingStreamErrorsTest {
    private static String[] args(Path dir, String... extra) {
        List<String> a = new ArrayList<>(List.of("-machine", "virt", "-m", "16M", "-bios", "none", "-display", "none",
                "-kernel", dir.resolve("demo.bin").toString(), "-serial", "file:" + dir.resolve("console.txt")));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private record Outcome(int status, String stderr) {}

    private static Outcome launch(String[] args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int status = FerryProcess.runHere(args, err);
        return new Outcome(status, bytes.toString(StandardCharsets.UTF_8));
    }

    /** Runs the guest a little, then stop, migrate to a file and quit through HMP. */
    private static byte[] savedStream(Path dir) throws Exception {
        Files.write(dir.resolve("demo.bin"), DemoGuest.build(1, 200_000));
        Path mon = dir.resolve("mon.sock"), file = dir.resolve("saved.mig");
        CompletableFuture<Outcome> source = CompletableFuture.supplyAsync(() ->
                launch(args(dir, "-monitor", "unix:" + mon + ",server=on,wait=off")));
        while (!Files.exists(mon)) Thread.sleep(20);
        while (!Files.exists(dir.resolve("console.txt")) || !Files.readString(dir.resolve("console.txt")).contains("pass 1 ok"))
            Thread.sleep(20);
        HmpSocket.send(mon, "stop", "migrate file:" + file, "quit");
        assertEquals(0, source.get(60, TimeUnit.SECONDS).status());
        return Files.readAllBytes(file);
    }

    private static Outcome incoming(Path dir, byte[] stream) throws Exception {
        Path bad = dir.resolve("bad.mig");
        Files.write(bad, stream);
        CompletableFuture<Outcome> o = CompletableFuture.supplyAsync(() -> launch(args(dir, "-incoming", "file:" + bad)));
        try {
            return o.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the destination neither loaded nor failed (or it loaded a bad stream and runs)");
        }
    }

    @Test
    void badStreamsEndTheDestinationWithTheReason(@TempDir Path dir) throws Exception {
        byte[] good = savedStream(dir);
        Random r = new Random(11);
        List<Integer> cuts = new ArrayList<>(List.of(0, 3, 8, 17, 40, good.length / 2, good.length - 1));
        for (int i = 0; i < 5; i++) cuts.add(1 + r.nextInt(good.length - 1));
        for (int cut : cuts) {
            Outcome o = incoming(dir, java.util.Arrays.copyOf(good, cut));
            assertEquals(1, o.status(), "truncated at " + cut + ": " + o.stderr());
            assertTrue(o.stderr().startsWith("ferry: load of migration failed: "), "truncated at " + cut + ": " + o.stderr());
        }
        // a section for a device the destination does not have (its name altered in the header)
        for (String device : List.of("serial", "goldfish_rtc", "timer")) {
            byte[] bad = good.clone();
            // a section header: the idstr's length byte, the idstr, then instance 0 (be32)
            byte[] header = new byte[device.length() + 4];
            header[0] = (byte) device.length();
            System.arraycopy(device.getBytes(StandardCharsets.US_ASCII), 0, header, 1, device.length());
            int at = indexOf(good, header) + 1;
            assertTrue(at > 1, device);
            bad[at + device.length() - 1] ^= 0x20;
            Outcome o = incoming(dir, bad);
            assertEquals(1, o.status(), device + ": " + o.stderr());
            assertTrue(o.stderr().startsWith("ferry: load of migration failed: "), o.stderr());
            assertTrue(o.stderr().contains(new String(bad, at, device.length(), StandardCharsets.US_ASCII)), o.stderr());
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
