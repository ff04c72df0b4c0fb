package dev.ferry.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Csr;
import dev.ferry.asm.Label;
import dev.ferry.asm.Reg;
import java.util.function.Consumer;

/**
 * A hart set up for instruction-level F/D tests: registers are seeded from Java, a short
 * program runs in M-mode, and the outcome (registers, fflags, mstatus, or the trap it took)
 * is inspected. A trap jumps to a handler that ends the run at once, so the state is the one
 * the trapping instruction left. The exit sequence uses t5 and t6.
 */
final class FpRig implements AutoCloseable {
    static final long CODE = TestMachine.RAM_BASE;
    /** A page-aligned scratch data area (64 KiB into RAM, clear of the code). */
    static final long DATA = TestMachine.RAM_BASE + 0x10000;

    static final int FS_OFF = 0, FS_INITIAL = 1, FS_CLEAN = 2, FS_DIRTY = 3;
    static final long BOX = 0xffff_ffff_0000_0000L;

    final TestMachine m = new TestMachine(1 << 20);
    final Hart h = m.hart;
    /** Address of the first instruction of the last program (the one tests usually put under test). */
    long start;
    private boolean trapped;

    FpRig() {
        fs(FS_INITIAL);
    }

    // ---- state in ----

    FpRig fs(int state) {
        h.mstatus = (h.mstatus & ~Hart.MSTATUS_FS) | ((long) state << 13);
        return this;
    }

    FpRig f(int r, long bits) {
        h.f[r] = bits;
        return this;
    }

    /** A properly NaN-boxed single. */
    FpRig s(int r, float v) {
        return f(r, boxed(Float.floatToRawIntBits(v)));
    }

    FpRig sBits(int r, int bits) {
        return f(r, boxed(bits));
    }

    FpRig d(int r, double v) {
        return f(r, Double.doubleToRawLongBits(v));
    }

    FpRig x(int r, long v) {
        h.x[r] = v;
        return this;
    }

    FpRig frm(int rm) {
        h.frm = rm;
        return this;
    }

    FpRig fflags(int flags) {
        h.fpFlags.flags = flags;
        return this;
    }

    // ---- running ----

    /** Runs {@code body} (then the exit sequence); returns this for inspection. */
    FpRig run(Consumer<Assembler> body) {
        Assembler a = new Assembler(CODE);
        body.accept(a);
        TestMachine.exit(a, Reg.ZERO);
        Label handler = a.newLabel("trap");
        a.align(4);
        a.bind(handler);
        a.li(Reg.T5, 1);
        TestMachine.exit(a, Reg.T5);
        m.exitValue = null;
        m.load(a);
        start = CODE;
        h.mtvec = a.addressOf(handler);
        long v = m.run(10_000);
        trapped = v == 1;
        return this;
    }

    /**
     * Emits the switch to {@code priv} (U or S) for the rest of the program: a PMP entry that
     * grants everything (without one, U and S can access nothing), then mret.
     */
    static void enter(Assembler a, int priv) {
        Label below = a.newLabel();
        a.li(Reg.T0, -1).csrw(Csr.PMPADDR0, Reg.T0).li(Reg.T0, 0x1f).csrw(Csr.PMPCFG0, Reg.T0);
        a.li(Reg.T0, 3 << 11).csrc(Csr.MSTATUS, Reg.T0).li(Reg.T0, (long) priv << 11).csrs(Csr.MSTATUS, Reg.T0);
        a.la(Reg.T0, below).csrw(Csr.MEPC, Reg.T0).mret();
        a.bind(below);
    }

    /** Runs {@code body} and asserts it did not trap. */
    FpRig ok(Consumer<Assembler> body) {
        run(body);
        assertFalse(trapped, () -> "unexpected trap: mcause=" + h.mcause + " mtval=0x" + Long.toHexString(h.mtval)
                + " mepc=0x" + Long.toHexString(h.mepc));
        return this;
    }

    boolean trapped() {
        return trapped;
    }

    /** Asserts the run ended in an illegal-instruction trap at {@code pc} with tval {@code bits}. */
    void assertIllegal(long pc, long bits) {
        assertTrue(trapped, "expected an illegal-instruction trap");
        assertEquals(Trap.ILLEGAL, h.mcause, "mcause");
        assertEquals(pc, h.mepc, "mepc");
        assertEquals(bits, h.mtval, () -> "mtval 0x" + Long.toHexString(h.mtval));
    }

    // ---- state out ----

    long f(int r) {
        return h.f[r];
    }

    long x(int r) {
        return h.x[r];
    }

    int flags() {
        return h.fpFlags.flags;
    }

    int fsState() {
        return (int) ((h.mstatus >>> 13) & 3);
    }

    /** The 32-bit word of the program at {@code addr}. */
    long word(long addr) {
        return m.bus.read(addr, 4);
    }

    long half(long addr) {
        return m.bus.read(addr, 2);
    }

    @Override
    public void close() {
        m.close();
    }

    // ---- values ----

    static long boxed(int bits) {
        return BOX | (bits & 0xffff_ffffL);
    }

    static long boxed(float v) {
        return boxed(Float.floatToRawIntBits(v));
    }

    static long bits(double v) {
        return Double.doubleToRawLongBits(v);
    }

    static int fbits(float v) {
        return Float.floatToRawIntBits(v);
    }
}
