package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Label;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Interrupts: each source (the machine timer against the guest clock, lines driven by devices,
 * software-written pending bits, the Sstc comparator), the fixed priority order, delegation,
 * the global enables per privilege, and wfi parking and waking.
 */
class InterruptTest extends GuestTest {
    static final long SIE = 1L << 1, MIE = 1L << 3;
    static final long INT = Trap.INTERRUPT_BIT;

    private static long bit(int irq) {
        return 1L << irq;
    }

    /** Emits: mie = {@code mie}, mstatus.MIE = {@code globalM}, then (in privilege p, sstatus.SIE = globalS) a spin loop. Returns the loop. */
    private Label enableAndSpin(long mie, boolean globalM, int p, boolean globalS) {
        a.li(T0, mie);
        a.csrw(Csrs.MIE, T0);
        if (p != M) {
            // mret copies MPIE into MIE
            a.li(T0, 1L << 7);
            if (globalM) a.csrs(Csrs.MSTATUS, T0);
            else a.csrc(Csrs.MSTATUS, T0);
            enter(p);
        } else if (globalM) {
            a.csrsi(Csrs.MSTATUS, (int) MIE);
        }
        if (globalS) a.csrsi(Csrs.SSTATUS, (int) SIE);
        Label spin = a.label();
        a.j(spin);
        return spin;
    }

    /** Runs up to {@code n} instructions; asserts that the program has neither exited nor trapped. */
    private void runWithoutInterrupt(long n) {
        Hart.Exit e = h.run(n);
        assertNull(m.exitValue, () -> "unexpected exit, mcause " + h.mcause + " scause " + h.scause);
        assertNotEquals(Hart.Exit.WAITING, e);
    }

    // ---- sources ----

    @Test
    void machineTimerFiresWhenTheClockReachesMtimecmp() {
        fresh();
        Label spin = enableAndSpin(bit(Trap.IRQ_MTI), true, M, false);
        build();
        m.clock.set(999);
        h.setMtimecmp(1000);
        runWithoutInterrupt(5000);
        assertEquals(0, csr(Csrs.MIP) & bit(Trap.IRQ_MTI));
        m.clock.set(1000);
        assertEquals(INT | Trap.IRQ_MTI, m.run());
        assertTrapM(INT | Trap.IRQ_MTI);
        assertEquals(a.addressOf(spin), h.mepc, "mepc is the interrupted instruction");
        assertEquals(0, h.mtval);
        assertNotEquals(0, csr(Csrs.MIP) & bit(Trap.IRQ_MTI));
        // moving mtimecmp past the clock clears MTIP
        h.setMtimecmp(5000);
        h.run(10);
        assertEquals(0, csr(Csrs.MIP) & bit(Trap.IRQ_MTI));
    }

    @Test
    void machineTimerWaitsForMie() {
        fresh();
        enableAndSpin(bit(Trap.IRQ_MTI), false, M, false);
        build();
        h.setMtimecmp(0); // already due
        runWithoutInterrupt(5000);
        assertNotEquals(0, csr(Csrs.MIP) & bit(Trap.IRQ_MTI), "pending");
        h.writeCsr(Csrs.MSTATUS, MIE);
        assertEquals(INT | Trap.IRQ_MTI, m.run());
    }

    @Test
    void linesDrivenByDevices() {
        for (int irq : new int[] {Trap.IRQ_MSI, Trap.IRQ_MEI, Trap.IRQ_SEI}) {
            fresh();
            enableAndSpin(bit(irq), true, M, false);
            build();
            runWithoutInterrupt(1000);
            h.setInterruptLine(irq, true);
            assertEquals(INT | irq, m.run(), "irq " + irq);
            h.setInterruptLine(irq, false);
            assertEquals(0, csr(Csrs.MIP), "a line's pending bit follows its level");
        }
    }

    @Test
    void softwareWrittenPendingBits() {
        for (int irq : new int[] {Trap.IRQ_SSI, Trap.IRQ_STI, Trap.IRQ_SEI}) {
            fresh();
            a.li(T0, bit(irq));
            a.csrw(Csrs.MIE, T0);
            a.csrsi(Csrs.MSTATUS, (int) MIE);
            Label at = a.label();
            a.csrs(Csrs.MIP, T0);
            Label next = a.label();
            a.li(A0, -1);
            exitA0();
            assertEquals(INT | irq, run(), "irq " + irq);
            assertEquals(a.addressOf(next), h.mepc, "taken right after the csrs at 0x" + Long.toHexString(a.addressOf(at)));
        }
    }

    @Test
    void sstcTimerRaisesStiForS() {
        fresh();
        h.writeCsr(Csrs.MENVCFG, 1L << 63);
        h.writeCsr(Csrs.MIDELEG, bit(Trap.IRQ_STI));
        h.writeCsr(Csrs.STIMECMP, 50);
        m.clock.set(10);
        enableAndSpin(bit(Trap.IRQ_STI), false, S, true);
        build();
        runWithoutInterrupt(5000);
        m.clock.set(50);
        assertEquals(INT | Trap.IRQ_STI, m.run());
        assertTrapS(INT | Trap.IRQ_STI);
    }

    // ---- priority ----

    @Test
    void priorityOrderMeiMsiMtiSeiSsiSti() {
        fresh();
        Label handler = a.newLabel(), done = a.newLabel();
        a.la(T0, handler);
        a.csrw(Csrs.MTVEC, T0);
        a.li(S1, DATA);
        a.li(S2, 6);
        a.li(T0, 0xaaa);
        a.csrw(Csrs.MIE, T0);
        a.li(T0, bit(Trap.IRQ_SSI) | bit(Trap.IRQ_STI));
        a.csrs(Csrs.MIP, T0);
        a.csrsi(Csrs.MSTATUS, (int) MIE);
        Label spin = a.label();
        a.j(spin);
        a.align(4);
        a.bind(handler);
        a.csrr(T0, Csrs.MCAUSE);
        a.sd(T0, 0, S1);
        a.addi(S1, S1, 8);
        a.andi(T0, T0, 63);
        a.li(T1, 1);
        a.sll(T1, T1, T0);
        a.csrc(Csrs.MIE, T1);
        a.addi(S2, S2, -1);
        a.beqz(S2, done);
        a.mret();
        a.bind(done);
        exitA0();
        m.load(a);
        h.setInterruptLine(InterruptLines.MEIP, true);
        h.setInterruptLine(InterruptLines.MSIP, true);
        h.setInterruptLine(InterruptLines.SEIP, true);
        h.setMtimecmp(0);
        m.run();
        int[] expected = {Trap.IRQ_MEI, Trap.IRQ_MSI, Trap.IRQ_MTI, Trap.IRQ_SEI, Trap.IRQ_SSI, Trap.IRQ_STI};
        for (int i = 0; i < 6; i++) assertEquals(INT | expected[i], m.read64(DATA + 8 * i), "interrupt #" + i);
    }

    // ---- delegation and global enables ----

    private void delegatedSoftwareInterrupt(int p, boolean globalM, boolean globalS) {
        fresh();
        h.writeCsr(Csrs.MIDELEG, bit(Trap.IRQ_SSI));
        h.writeCsr(Csrs.MIP, bit(Trap.IRQ_SSI));
        enableAndSpin(bit(Trap.IRQ_SSI), globalM, p, globalS);
        build();
    }

    @Test
    void delegatedInterruptsGoToSWhenEnabledThere() {
        delegatedSoftwareInterrupt(S, false, true);
        m.run();
        assertTrapS(INT | Trap.IRQ_SSI);
        assertEquals(1L << 8, csr(Csrs.SSTATUS) & (1L << 8), "SPP = S");
        // in U they are always enabled
        delegatedSoftwareInterrupt(U, false, false);
        m.run();
        assertTrapS(INT | Trap.IRQ_SSI);
        assertEquals(0, csr(Csrs.SSTATUS) & (1L << 8), "SPP = U");
    }

    @Test
    void delegatedInterruptsWaitForSieInSAndNeverInterruptM() {
        delegatedSoftwareInterrupt(S, true, false);
        runWithoutInterrupt(5000);
        delegatedSoftwareInterrupt(M, true, true);
        runWithoutInterrupt(5000);
    }

    @Test
    void machineInterruptsAreAlwaysEnabledBelowM() {
        for (int p : new int[] {S, U}) {
            fresh();
            h.writeCsr(Csrs.MIDELEG, 0);
            enableAndSpin(bit(Trap.IRQ_MSI) | bit(Trap.IRQ_SSI), false, p, false);
            build();
            runWithoutInterrupt(1000);
            // a non-delegated S-level interrupt is an M interrupt too
            h.writeCsr(Csrs.MIP, bit(Trap.IRQ_SSI));
            assertEquals(INT | Trap.IRQ_SSI, m.run());
            assertTrapM(INT | Trap.IRQ_SSI);
            assertEquals((long) p << 11, csr(Csrs.MSTATUS) & (3L << 11));
        }
        fresh();
        enableAndSpin(bit(Trap.IRQ_MSI), false, M, false);
        build();
        h.setInterruptLine(InterruptLines.MSIP, true);
        runWithoutInterrupt(1000);
    }

    @Test
    void machineLevelInterruptsPreemptDelegatedOnes() {
        fresh();
        h.writeCsr(Csrs.MIDELEG, bit(Trap.IRQ_SEI));
        enableAndSpin(bit(Trap.IRQ_SEI) | bit(Trap.IRQ_MTI), false, S, true);
        build();
        h.setInterruptLine(InterruptLines.SEIP, true);
        h.setMtimecmp(0);
        m.run();
        assertTrapM(INT | Trap.IRQ_MTI);
        // without the timer, the external interrupt goes to S
        fresh();
        h.writeCsr(Csrs.MIDELEG, bit(Trap.IRQ_SEI));
        enableAndSpin(bit(Trap.IRQ_SEI) | bit(Trap.IRQ_MTI), false, S, true);
        build();
        h.setInterruptLine(InterruptLines.SEIP, true);
        m.run();
        assertTrapS(INT | Trap.IRQ_SEI);
    }

    // ---- wfi ----

    /** wfi, then a0 = 42 and exit. */
    private void wfiProgram(long mie, boolean globalM, int p) {
        fresh();
        a.li(T0, mie);
        a.csrw(Csrs.MIE, T0);
        if (globalM) a.csrsi(Csrs.MSTATUS, (int) MIE);
        if (p != M) enter(p);
        a.wfi();
        a.li(A0, 42);
        exitA0();
        build();
    }

    /** Runs until the program exits, parking in waitForInterrupt while the hart waits. */
    private long runParking() {
        while (m.exitValue == null) {
            if (h.run(100_000) == Hart.Exit.WAITING) h.waitForInterrupt(TimeUnit.SECONDS.toNanos(60));
        }
        return m.exitValue;
    }

    private static Thread later(Runnable r) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
            r.run();
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    @Timeout(30)
    void wfiParksUntilAnInterruptIsPendingEvenIfGloballyDisabled() throws Exception {
        wfiProgram(bit(Trap.IRQ_MSI), false, M);
        assertEquals(Hart.Exit.WAITING, h.run(1000));
        assertTrue(h.isWaitingForInterrupt());
        assertEquals(Hart.Exit.WAITING, h.run(1000), "still nothing pending");
        Thread t = later(() -> h.setInterruptLine(InterruptLines.MSIP, true));
        h.waitForInterrupt(TimeUnit.SECONDS.toNanos(60));
        while (h.isWaitingForInterrupt()) h.waitForInterrupt(TimeUnit.SECONDS.toNanos(60)); // a spurious return
        t.join();
        assertEquals(42, runParking(), "execution continues after wfi");
        assertNoTrap();
    }

    @Test
    @Timeout(30)
    void wfiWakesForATakenInterruptWithEpcAfterTheWfi() throws Exception {
        wfiProgram(bit(Trap.IRQ_MEI), true, S);
        assertEquals(Hart.Exit.WAITING, h.run(1000));
        later(() -> h.setInterruptLine(InterruptLines.MEIP, true)).join();
        assertEquals(INT | Trap.IRQ_MEI, runParking());
        assertTrapM(INT | Trap.IRQ_MEI);
        long wfiAt = h.mepc - 4;
        assertEquals(0x1050_0073L, m.read32(wfiAt), "mepc is the instruction after wfi");
    }

    @Test
    @Timeout(30)
    void wfiInSWakesOnADelegatedLine() throws Exception {
        wfiProgram(bit(Trap.IRQ_SEI), false, S);
        h.writeCsr(Csrs.MIDELEG, bit(Trap.IRQ_SEI));
        assertEquals(Hart.Exit.WAITING, h.run(1000));
        later(() -> h.setInterruptLine(InterruptLines.SEIP, true));
        assertEquals(42, runParking(), "SIE = 0: woken but not interrupted");
    }

    @Test
    @Timeout(30)
    void wfiWakesForTheMachineTimerOfARunningClock() {
        wfiProgram(bit(Trap.IRQ_MTI), true, M);
        m.clock.set(0);
        m.clock.start();
        h.setMtimecmp(200_000); // 20 ms at 10 MHz
        assertEquals(INT | Trap.IRQ_MTI, runParking());
        assertTrue(m.clock.now() >= 200_000);
    }

    @Test
    @Timeout(30)
    void wfiWakesForTheSstcTimer() {
        fresh();
        m.clock.set(0);
        h.writeCsr(Csrs.MENVCFG, 1L << 63);
        h.writeCsr(Csrs.MIDELEG, bit(Trap.IRQ_STI));
        h.writeCsr(Csrs.STIMECMP, 200_000); // 20 ms at 10 MHz
        a.li(T0, bit(Trap.IRQ_STI));
        a.csrw(Csrs.MIE, T0);
        enter(S);
        a.csrsi(Csrs.SSTATUS, (int) SIE);
        a.wfi();
        Label spin = a.label();
        a.j(spin);
        build();
        m.clock.start();
        assertEquals(INT | Trap.IRQ_STI, runParking());
        assertTrapS(INT | Trap.IRQ_STI);
    }

    @Test
    @Timeout(30)
    void waitForInterruptParksWhileNoTimerIsDue() throws Exception {
        // a running clock and the comparators at their reset value, all ones: "never"
        wfiProgram(bit(Trap.IRQ_MSI), false, M);
        h.writeCsr(Csrs.MENVCFG, 1L << 63);
        m.clock.start();
        assertEquals(Hart.Exit.WAITING, h.run(1000));
        Thread t = later(() -> h.setInterruptLine(InterruptLines.MSIP, true));
        int waits = 0;
        while (h.isWaitingForInterrupt()) {
            h.waitForInterrupt(TimeUnit.SECONDS.toNanos(60));
            waits++;
        }
        t.join();
        // parking returns once (maybe a few times, spuriously); spinning would loop many thousand times
        assertTrue(waits < 100, "waitForInterrupt returned " + waits + " times without parking");
        assertEquals(42, runParking());
    }

    @Test
    void runContinuesAfterWfiOnceSomethingIsPending() {
        wfiProgram(bit(Trap.IRQ_MSI), false, M);
        assertEquals(Hart.Exit.WAITING, h.run(1000));
        h.setInterruptLine(InterruptLines.MSIP, true);
        // no waitForInterrupt in between: run itself sees the pending interrupt
        h.run(1000);
        assertEquals(42, m.exitValue);
    }
}
