package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import org.junit.jupiter.api.AfterEach;

/**
 * Base of the hart tests that run one small guest program per test: the program is written into
 * {@link #a} (it starts at RAM_BASE, in M-mode unless the test says otherwise), then
 * {@link #build()} appends an M-mode and an S-mode trap handler that end the run with mcause or
 * scause as the exit value, loads the program and points mtvec and stvec at them.
 */
abstract class GuestTest {
    static final long RAM_BASE = TestMachine.RAM_BASE;
    /** A page of RAM well away from the code, for data. */
    static final long DATA = RAM_BASE + 0x10_0000;

    static final long ECALL_U = Trap.ECALL_U, ECALL_S = Trap.ECALL_S, ECALL_M = Trap.ECALL_M;

    protected final TestMachine m = new TestMachine(4 << 20);
    protected final Hart h = m.hart;
    protected final Assembler a = new Assembler(RAM_BASE);
    protected Label mHandler, sHandler;

    @AfterEach
    void closeMachine() {
        m.close();
    }

    /** Appends the trap handlers, loads the program and sets mtvec/stvec. */
    protected TestMachine build() {
        mHandler = TestMachine.causeExitHandler(a, true);
        sHandler = TestMachine.causeExitHandler(a, false);
        m.load(a);
        h.writeCsr(Csrs.MTVEC, a.addressOf(mHandler));
        h.writeCsr(Csrs.STVEC, a.addressOf(sHandler));
        return m;
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

    long csr(int n) {
        return h.readCsr(n);
    }
}
