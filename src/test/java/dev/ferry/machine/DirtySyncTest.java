package dev.ferry.machine;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import dev.ferry.chardev.FileBackend;
import dev.ferry.memory.MmioHandler;
import dev.ferry.memory.RamBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dirty-log sync must not harvest while a running hart still holds fast write paths, however
 * long that hart takes to get to its next check: here it sits inside a device access (as a vCPU
 * does whose console write waits for a disk busy with a flush) for longer than any patience a
 * sync could have. Harvesting anyway would let its next store land on a page taken as clean.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DirtySyncTest {
    private static final long DEVICE = 0x0f00_0000L;
    private static final long PAGE = VirtMachine.RAM_BASE + 0x10_0000;

    /** Writes 1 to PAGE, touches the device (which holds it), writes 2 to PAGE, then spins. */
    private static byte[] guest() {
        Assembler a = new Assembler(VirtMachine.RAM_BASE);
        Label spin = a.newLabel();
        a.li(S0, PAGE);
        a.li(S1, DEVICE);
        a.li(T0, 1);
        a.sd(T0, 0, S0);
        a.sw(T0, 0, S1);
        a.li(T0, 2);
        a.sd(T0, 0, S0);
        a.bind(spin);
        a.j(spin);
        return a.assemble();
    }

    @Test
    void aSyncWaitsForAHartHeldInADeviceAccess(@TempDir Path dir) throws Exception {
        Path kernel = dir.resolve("guest.bin");
        Files.write(kernel, guest());
        CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        try (VirtMachine m = new VirtMachine(new VirtMachine.Options(16L << 20, 1, VirtMachine.BiosKind.NONE, null, kernel,
                null, null, null, new FileBackend(dir.resolve("console.txt"), false), false, false))) {
            m.bus.addMmio("slow-device", DEVICE, 0x1000, new MmioHandler() {
                @Override
                public long read(long offset, int size) {
                    return 0;
                }

                @Override
                public void write(long offset, int size, long value) {
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            RamBlock ram = m.ram;
            int words = (int) ((ram.size() / 4096 + 63) / 64);
            long page = (PAGE - VirtMachine.RAM_BASE) / 4096;
            m.start();
            m.resume();
            assertTrue(entered.await(20, TimeUnit.SECONDS), "the guest reached the device");

            long[][] first = {new long[words]};
            long[] sentValue = {-1};
            Thread sync = Thread.ofPlatform().start(() -> {
                m.syncDirtyLog(List.of(ram), first);
                sentValue[0] = ram.read(PAGE - VirtMachine.RAM_BASE, 8); // what a migration would send now
            });
            sync.join(4_000); // longer than a sync would ever have waited before
            release.countDown();
            sync.join(20_000);
            assertFalse(sync.isAlive());
            assertTrue((first[0][(int) (page >>> 6)] & (1L << page)) != 0, "the page written before is harvested");

            long deadline = System.nanoTime() + 10_000_000_000L;
            while (ram.read(PAGE - VirtMachine.RAM_BASE, 8) != 2) {
                assertTrue(System.nanoTime() < deadline, "the guest's second store");
                Thread.sleep(5);
            }
            long[][] second = {new long[words]};
            m.syncDirtyLog(List.of(ram), second);
            boolean sentAgain = (second[0][(int) (page >>> 6)] & (1L << page)) != 0;
            assertTrue(sentValue[0] == 2 || sentAgain,
                    "the store of 2 is neither in what the first sync sent (" + sentValue[0] + ") nor marked for the next");
        }
    }
}
