package dev.ferry.hw.fdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.hw.fdt.VirtDeviceTree.Config;
import dev.ferry.hw.fdt.VirtDeviceTree.Initrd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds Ferry's blobs to dtc (Debian's device-tree-compiler, which ./run-tests installs): it must
 * decompile them without a single error or warning, and its own re-encoding must read back as the
 * same tree. Skipped when dtc is not installed.
 */
class DtcTest {

    record Result(int exit, String out, String err) {
    }

    static Result run(Path dir, String... cmd) throws IOException, InterruptedException {
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void needDtc(@TempDir Path dir) {
        boolean present;
        try {
            present = run(dir, "dtc", "--version").exit() == 0;
        } catch (IOException | InterruptedException e) {
            present = false;
        }
        Assumptions.assumeTrue(present, "dtc (device-tree-compiler) is not installed");
    }

    static List<Config> configs() {
        return List.of(
                Config.of(256L << 20, 1),
                Config.of(256L << 20, 2).withBootargs("console=ttyS0 root=/dev/vda rw")
                        .withInitrd(new Initrd(0x8820_0000L, 0x8830_0000L)).withRngSeed(new byte[32]),
                Config.of(8L << 30, 12).withInitrd(new Initrd(0x1_8000_0000L, 0x1_8010_0000L)));
    }

    @Test
    void dtcDecompilesFerrysBlobsCleanly(@TempDir Path dir) throws Exception {
        for (Config c : configs()) {
            byte[] dtb = VirtDeviceTree.dtb(c);
            Path in = dir.resolve("ferry.dtb");
            Files.write(in, dtb);
            Result r = run(dir, "dtc", "-I", "dtb", "-O", "dts", "-o", "ferry.dts", "ferry.dtb");
            assertEquals(0, r.exit(), "dtc failed: " + r.err());
            assertEquals("", r.err(), "dtc warned about Ferry's tree (" + c.harts() + " harts)");
            String dts = Files.readString(dir.resolve("ferry.dts"));
            assertTrue(dts.contains("compatible = \"riscv-virtio\";"), dts);
            // dtc's text reads back (through the test's DTS reader) as the same tree
            assertEquals(DeviceTree.fromDtb(dtb).toDts(), DtsReader.read(dts).toDts());
        }
    }

    @Test
    void dtcReencodingReadsBackTheSame(@TempDir Path dir) throws Exception {
        DeviceTree sample = DeviceTreeTest.sample();
        for (byte[] dtb : List.of(VirtDeviceTree.dtb(configs().get(1)), sample.toDtb())) {
            Files.write(dir.resolve("in.dtb"), dtb);
            Result r = run(dir, "dtc", "-q", "-I", "dtb", "-O", "dtb", "-o", "out.dtb", "in.dtb");
            assertEquals(0, r.exit(), "dtc failed: " + r.err());
            DeviceTree back = DeviceTree.fromDtb(Files.readAllBytes(dir.resolve("out.dtb")));
            assertEquals(DeviceTree.fromDtb(dtb).toDts(), back.toDts());
            assertEquals(DeviceTree.fromDtb(dtb).reservations(), back.reservations());
        }
    }
}
