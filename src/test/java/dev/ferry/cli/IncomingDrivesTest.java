package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.block.BlockDriver;
import dev.ferry.block.Images;
import dev.ferry.block.OpenOptions;
import dev.ferry.block.Qcow2CreateOptions;
import dev.ferry.block.Qcow2Image;
import dev.ferry.testing.FerryProcess;
import dev.ferry.testing.HmpSocket;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code -incoming} the launcher opens the drives inactive, as QEMU does: it starts on an
 * image another process holds for writing (a migration's source on shared storage), where
 * the same command line without {@code -incoming} stops at the image lock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IncomingDrivesTest {
    private static String[] args(Path dir, Path image, String... extra) {
        String[] base = {"-machine", "virt", "-m", "32M", "-bios", "none", "-display", "none", "-serial", "none",
                "-drive", "file=" + image + ",format=qcow2,if=none,id=hd0", "-device", "virtio-blk-device,drive=hd0",
                "-monitor", "unix:" + dir.resolve("mon.sock") + ",server=on,wait=off"};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void incomingStartsOnAnImageTheSourceHolds(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("shared.qcow2");
        Qcow2Image.create(image, Qcow2CreateOptions.of(1 << 20));
        try (BlockDriver source = Images.open(image, OpenOptions.defaults().withWarnings(m -> { }))) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = FerryProcess.runHere(args(dir, image), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(1, status);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("Failed to get \"write\" lock"), err.toString());

            Files.deleteIfExists(dir.resolve("mon.sock"));
            ByteArrayOutputStream err2 = new ByteArrayOutputStream();
            CompletableFuture<Integer> dst = CompletableFuture.supplyAsync(
                    () -> FerryProcess.runHere(args(dir, image, "-incoming", "defer"), new PrintStream(err2, true, StandardCharsets.UTF_8)));
            Path mon = dir.resolve("mon.sock");
            String out = HmpSocket.send(mon, "info status", "quit");
            assertTrue(out.contains("VM status: paused (inmigrate)"), out + err2);
            assertEquals(0, dst.get(30, TimeUnit.SECONDS), err2.toString());
            // the destination neither locked nor wrote the image: the source writes on
            source.write(0, new byte[] {1, 2, 3}, 0, 3);
            source.flush();
        }
    }
}
