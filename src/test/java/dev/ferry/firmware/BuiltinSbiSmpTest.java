package dev.ferry.firmware;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import dev.ferry.cpu.Hart;
import dev.ferry.memory.AddressSpace;
import dev.ferry.memory.MmioHandler;
import dev.ferry.memory.RamBlock;
import dev.ferry.time.GuestClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The built-in SBI with two harts, each on its own thread as the board runs them: HSM
 * hart_start, and remote fences that must have been performed by the target when they return.
 */
class BuiltinSbiSmpTest {
    static final long RAM_BASE = 0x8000_0000L, FLAG = RAM_BASE + 0x10_0000;
    /** One exit register per hart: a store records what the test wants to know and ends that hart's run. */
    static final long EXIT = 0x0010_0000L;

    final AddressSpace bus = new AddressSpace();
    final RamBlock ram = bus.addRam("ram", RAM_BASE, 4 << 20, false);
    final GuestClock clock = new GuestClock();
    final List<Hart> harts = new ArrayList<>();
    final BuiltinSbi sbi;
    final boolean[] exited = new boolean[2];
    /** At the exit of hart i: did the other hart still have a posted request it had not served? */
    final Boolean[] otherStillPending = new Boolean[2];
    final long[] lastExitValue = new long[2];

    BuiltinSbiSmpTest() {
        for (int i = 0; i < 2; i++) harts.add(new Hart(i, bus, clock, ram));
        bus.addMmio("exit", EXIT, 0x1000, new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                int i = (int) (offset >>> 3);
                lastExitValue[i] = value;
                otherStillPending[i] = harts.get(1 - i).hasPendingRequests();
                synchronized (exited) {
                    exited[i] = true;
                }
                harts.get(i).kick();
            }
        });
        sbi = new BuiltinSbi(harts, (type, reason) -> { }, b -> { }, () -> -1);
    }

    @AfterEach
    void close() {
        bus.close();
    }

    private static void sbiCall(Assembler a, long ext, int fid) {
        a.li(A7, ext);
        a.li(A6, fid);
        a.ecall();
    }

    /** Runs every hart on its own thread until each has stored to its exit register. */
    private void runAll() throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (Hart h : harts) {
            int i = h.hartId();
            threads.add(Thread.ofPlatform().start(() -> {
                while (true) {
                    synchronized (exited) {
                        if (exited[i]) return;
                    }
                    Hart.Exit e = h.run(100_000);
                    if (e == Hart.Exit.WAITING) h.waitForInterrupt(1_000_000);
                    else if (e == Hart.Exit.STOPPED) h.parkWhileStopped(1_000_000);
                }
            }));
        }
        for (Thread t : threads) t.join();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void remoteFencesBetweenTwoWaitingHartsBothComplete() throws Exception {
        // hart 0 starts hart 1; each then asks the other for an sfence.vma at the same moment, so
        // both wait in the firmware for the other: each must serve the other's request meanwhile
        Assembler a = new Assembler(RAM_BASE);
        Label secondary = a.newLabel(), wait = a.newLabel(), self = a.newLabel();
        a.bnez(A0, secondary);
        a.li(A0, 1);
        a.la(A1, secondary);
        a.li(A2, 0);
        sbiCall(a, BuiltinSbi.EXT_HSM, 0); // hart_start(1, secondary, 0)
        a.li(T1, FLAG);
        a.bind(wait);
        a.lw(T0, 0, T1);
        a.beqz(T0, wait);
        a.li(A0, 0b10); // hart mask: hart 1
        fenceAndExit(a, 0);
        a.bind(secondary);
        a.li(T1, FLAG);
        a.li(T0, 1);
        a.sw(T0, 0, T1);
        a.li(A0, 0b01); // hart mask: hart 0
        fenceAndExit(a, 1);
        a.bind(self);
        a.j(self);
        ram.load(0, a.assemble());

        sbi.boot(0, RAM_BASE, 0);
        for (Hart h : harts) h.writeCsr(dev.ferry.cpu.Csrs.STVEC, RAM_BASE + 0x8000); // no trap expected
        clock.start();
        runAll();
        assertEquals(Boolean.FALSE, otherStillPending[0], "hart 0's remote fence returned before hart 1 flushed");
        assertEquals(Boolean.FALSE, otherStillPending[1], "hart 1's remote fence returned before hart 0 flushed");
    }

    /** remote_sfence_vma(mask in a0, base 0, whole address space), then this hart's exit store with a0 = error. */
    private static void fenceAndExit(Assembler a, int hart) {
        a.li(A1, 0);
        a.li(A2, 0);
        a.li(A3, -1);
        sbiCall(a, BuiltinSbi.EXT_RFENCE, 1);
        a.li(T6, EXIT + 8L * hart);
        a.sd(A0, 0, T6);
        Label self = a.newLabel();
        a.bind(self);
        a.j(self);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aStoppedHartCanBeStartedAgainWithFreshArguments() throws Exception {
        // hart 1 stops itself; hart 0 waits for HSM to say STOPPED, starts it again at another
        // address with opaque 0x77: hart 1 must begin there with a0 = 1, a1 = 0x77
        Assembler a = new Assembler(RAM_BASE);
        Label secondary = a.newLabel(), again = a.newLabel(), poll = a.newLabel(), self = a.newLabel();
        a.bnez(A0, secondary);
        a.li(A0, 1);
        a.la(A1, secondary);
        a.li(A2, 0);
        sbiCall(a, BuiltinSbi.EXT_HSM, 0); // hart_start(1, secondary, 0)
        a.bind(poll);
        a.li(A0, 1);
        sbiCall(a, BuiltinSbi.EXT_HSM, 2); // hart_get_status(1)
        a.li(T0, 1); // STOPPED
        a.bne(A1, T0, poll);
        a.li(A0, 1);
        a.la(A1, again);
        a.li(A2, 0x77);
        sbiCall(a, BuiltinSbi.EXT_HSM, 0); // hart_start(1, again, 0x77)
        a.li(T6, EXIT);
        a.sd(ZERO, 0, T6);
        a.bind(self);
        a.j(self);
        a.bind(secondary);
        sbiCall(a, BuiltinSbi.EXT_HSM, 1); // hart_stop: never returns
        a.li(T6, EXIT + 8);
        a.li(T0, 0xbad);
        a.sd(T0, 0, T6);
        a.j(self);
        a.bind(again);
        a.slli(A0, A0, 8);
        a.or(A0, A0, A1); // (hartid << 8) | opaque
        a.li(T6, EXIT + 8);
        a.sd(A0, 0, T6);
        a.j(self);
        ram.load(0, a.assemble());
        sbi.boot(0, RAM_BASE, 0);
        clock.start();
        runAll();
        assertEquals(0, sbi.hsmState(1), "hart 1 runs again (STARTED)");
        assertEquals((1L << 8) | 0x77, lastExitValue[1], "a0 = hartid and a1 = opaque at the new start address");
    }
}
