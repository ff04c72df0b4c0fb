package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/**
 * Base of the hart tests that run small guest programs: a program is written into {@link #a}
 * (it starts at RAM_BASE, in M-mode unless the test says otherwise), then {@link #build()}
 * appends an M-mode and an S-mode trap handler that end the run with mcause or scause as the
 * exit value, loads the program, points mtvec and stvec at the handlers and opens all memory to
 * S and U through PMP entry 0. {@link #fresh()} starts another program on the same machine.
 */
abstract class GuestTest {
    static final long RAM_BASE = TestMachine.RAM_BASE;
    /** A page of RAM well away from the code, for data. */
    static final long DATA = RAM_BASE + 0x10_0000;

    static final int U = Hart.PRV_U, S = Hart.PRV_S, M = Hart.PRV_M;

    protected final TestMachine m = new TestMachine(4 << 20);
    protected final Hart h = m.hart;
    protected Assembler a = new Assembler(RAM_BASE);
    protected Label mHandler, sHandler;

    @AfterEach
    void closeMachine() {
        m.close();
    }

    /** Resets the machine and starts a new, empty program. */
    protected void fresh() {
        m.reset();
        a = new Assembler(RAM_BASE);
    }

    /** Appends the trap handlers, loads the program, sets mtvec/stvec and opens PMP (unless already configured). */
    protected TestMachine build() {
        mHandler = TestMachine.causeExitHandler(a, true);
        sHandler = TestMachine.causeExitHandler(a, false);
        m.load(a);
        h.writeCsr(Csrs.MTVEC, a.addressOf(mHandler));
        h.writeCsr(Csrs.STVEC, a.addressOf(sHandler));
        if (h.readCsr(Csrs.PMPCFG0) == 0 && h.readCsr(Csrs.PMPCFG2) == 0) m.openPmp(); // unless the test set PMP up
        return m;
    }

    /** Builds and runs the program; returns the exit value. */
    protected long run() {
        return build().run();
    }

    /** Emits the end of a successful run: exit with the value of a0. */
    protected void exitA0() {
        TestMachine.exit(a, A0);
    }

    /** Emits code that switches from M-mode to privilege {@code p} and continues at the next instruction. */
    protected void enter(int p) {
        Label next = a.newLabel();
        a.li(T0, 3L << 11);
        a.csrc(Csrs.MSTATUS, T0);
        if (p != 0) {
            a.li(T0, (long) p << 11);
            a.csrs(Csrs.MSTATUS, T0);
        }
        a.la(T0, next);
        a.csrw(Csrs.MEPC, T0);
        a.mret();
        a.bind(next);
    }

    /**
     * Runs a fresh program: {@code body} in privilege {@code p} (entered from M), then a normal
     * exit with a0. Returns the exit value.
     */
    protected long runIn(int p, Consumer<Assembler> body) {
        return runIn(p, null, body);
    }

    /** As {@link #runIn(int, Consumer)}, with {@code setup} run on the freshly reset hart first. */
    protected long runIn(int p, Runnable setup, Consumer<Assembler> body) {
        fresh();
        if (setup != null) setup.run();
        if (p != M) enter(p);
        body.accept(a);
        exitA0();
        return run();
    }

    /**
     * Asserts that the last run ended in the M-mode trap handler with {@code cause}, at the
     * instruction {@code bits} (for illegal instructions mtval holds those bits).
     */
    protected void assertIllegal(int bits) {
        assertTrue(m.trappedToM(), "expected a trap to M");
        assertEquals(Trap.ILLEGAL, h.mcause, "mcause");
        assertEquals(bits & 0xffff_ffffL, h.mtval, "mtval");
    }

    protected void assertTrapM(long cause) {
        assertTrue(m.trappedToM(), () -> "expected a trap to M, exit offset " + m.exitOffset + " value " + m.exitValue);
        assertEquals(cause, h.mcause, "mcause");
    }

    protected void assertTrapS(long cause) {
        assertTrue(m.trappedToS(), () -> "expected a trap to S, exit offset " + m.exitOffset + " value " + m.exitValue
                + " mcause " + h.mcause);
        assertEquals(cause, h.scause, "scause");
    }

    protected void assertNoTrap() {
        assertFalse(m.trappedToM() || m.trappedToS(),
                () -> "unexpected trap: mcause " + h.mcause + " mtval 0x" + Long.toHexString(h.mtval) + " mepc 0x"
                        + Long.toHexString(h.mepc) + " scause " + h.scause);
    }

    /** The first 32 bits (or 16 for a compressed instruction) that {@code body} assembles to. */
    static int word(Consumer<Assembler> body) {
        Assembler x = new Assembler(0);
        body.accept(x);
        byte[] b = x.assemble();
        int w = 0;
        for (int i = 0; i < Math.min(4, b.length); i++) w |= (b[i] & 0xff) << (8 * i);
        return (w & 3) == 3 ? w : w & 0xffff;
    }

    long csr(int n) {
        return h.readCsr(n);
    }
}
