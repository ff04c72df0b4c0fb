package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Physical memory protection: TOR, NA4 and NAPOT matching, priority, partial matches, R/W/X per
 * access kind, S/U accesses that match nothing, the lock bit (rules for M-mode, frozen cfg and
 * addr, and the previous pmpaddr of a locked TOR entry), MPRV, and the TLB after a PMP change.
 *
 * <p>Entry 7 always gives R+X on the first MiB of RAM (the code); S and U programs end with
 * ecall, so success is an ECALL_S/ECALL_U trap.
 */
class PmpTest extends GuestTest {
    static final int PR = 1, PW = 2, PX = 4, TOR = 8, NA4 = 16, NAPOT = 24, L = 0x80;

    static long napot(long base, long size) {
        return (base + size / 2 - 1) >>> 2;
    }

    private void pmp(int i, long addr, int cfg) {
        h.writeCsr(Csrs.PMPADDR0 + i, addr);
        int reg = i < 8 ? Csrs.PMPCFG0 : Csrs.PMPCFG2;
        int shift = (i % 8) * 8;
        long v = h.readCsr(reg);
        h.writeCsr(reg, (v & ~(0xffL << shift)) | ((long) cfg << shift));
    }

    private int cfg(int i) {
        return (int) (h.readCsr(i < 8 ? Csrs.PMPCFG0 : Csrs.PMPCFG2) >>> ((i % 8) * 8)) & 0xff;
    }

    private void codeEntry() {
        pmp(7, napot(RAM_BASE, 1 << 20), NAPOT | PR | PX);
    }

    /** Runs body in privilege p with PMP set up by {@code setup} (plus the code entry), ending with ecall. */
    private void runWith(int p, Runnable setup, Consumer<Assembler> body) {
        runIn(p, () -> {
            codeEntry();
            setup.run();
        }, a -> {
            body.accept(a);
            a.ecall();
        });
    }

    private void assertOk(int p) {
        assertTrapM(p == U ? Trap.ECALL_U : p == S ? Trap.ECALL_S : Trap.ECALL_M);
    }

    private void assertFault(int cause, long tval) {
        assertTrapM(cause);
        assertEquals(tval, h.mtval, () -> "mtval 0x" + Long.toHexString(h.mtval));
    }

    private static Consumer<Assembler> load(long addr, int size) {
        return a -> {
            a.li(A1, addr);
            switch (size) {
                case 1 -> a.lb(A0, 0, A1);
                case 2 -> a.lh(A0, 0, A1);
                case 4 -> a.lw(A0, 0, A1);
                default -> a.ld(A0, 0, A1);
            }
        };
    }

    private static Consumer<Assembler> store(long addr) {
        return a -> a.li(A1, addr).sd(A0, 0, A1);
    }

    // ---- matching ----

    @Test
    void torRanges() {
        Runnable tor = () -> {
            pmp(0, DATA >>> 2, TOR | PR | PX);                 // [0, DATA): the code
            pmp(1, (DATA + 0x1000) >>> 2, TOR | PR);           // [DATA, DATA + 4 KiB): R
            pmp(2, (DATA + 0x2000) >>> 2, TOR | PR | PW);      // the next 4 KiB: RW
        };
        runWith(S, tor, load(DATA, 8));
        assertOk(S);
        runWith(S, tor, load(DATA + 0xff8, 8));
        assertOk(S);
        runWith(S, tor, store(DATA + 0x10));
        assertFault(Trap.STORE_ACCESS, DATA + 0x10);
        runWith(U, tor, store(DATA + 0x1010));
        assertOk(U);
        runWith(U, tor, load(DATA + 0x2000, 1));
        assertFault(Trap.LOAD_ACCESS, DATA + 0x2000);
        // entry 0 as TOR starts at address 0; it has no permissions, so it hides the code entry
        runWith(S, () -> pmp(0, (RAM_BASE + 0x1000) >>> 2, TOR), a -> a.nop());
        assertTrapM(Trap.INSN_ACCESS);
        // an empty range (top below bottom) matches nothing
        runWith(S, () -> {
            pmp(0, (DATA + 0x1000) >>> 2, 0);
            pmp(1, DATA >>> 2, TOR | PR | PW);
        }, load(DATA, 8));
        assertFault(Trap.LOAD_ACCESS, DATA);
    }

    @Test
    void na4Ranges() {
        Runnable na4 = () -> pmp(0, (DATA + 8) >>> 2, NA4 | PR | PW);
        runWith(S, na4, load(DATA + 8, 4));
        assertOk(S);
        runWith(S, na4, load(DATA + 11, 1));
        assertOk(S);
        runWith(S, na4, load(DATA + 12, 1));
        assertFault(Trap.LOAD_ACCESS, DATA + 12);
        runWith(S, na4, load(DATA + 4, 4));
        assertFault(Trap.LOAD_ACCESS, DATA + 4);
        runWith(S, na4, load(DATA + 8, 8));
        assertFault(Trap.LOAD_ACCESS, DATA + 8); // only half of it is in the entry
    }

    @Test
    void napotRanges() {
        for (long size : new long[] {8, 64, 4096, 1 << 20}) {
            long base = RAM_BASE + 0x20_0000; // naturally aligned for each size
            Runnable e = () -> pmp(0, napot(base, size), NAPOT | PR);
            runWith(S, e, load(base, 8));
            assertOk(S);
            runWith(S, e, load(base + size - 8, 8));
            assertOk(S);
            runWith(S, e, load(base + size, 1));
            assertFault(Trap.LOAD_ACCESS, base + size);
            runWith(S, e, load(base - 1, 1));
            assertFault(Trap.LOAD_ACCESS, base - 1);
        }
    }

    @Test
    void theLowestNumberedMatchingEntryDecides() {
        Runnable e = () -> {
            pmp(0, napot(DATA, 0x1000), NAPOT | PR);
            pmp(1, napot(DATA, 0x2000), NAPOT | PR | PW);
        };
        runWith(S, e, store(DATA + 0x800));
        assertFault(Trap.STORE_ACCESS, DATA + 0x800);
        runWith(S, e, store(DATA + 0x1800));
        assertOk(S);
    }

    @Test
    void anAccessPartlyInsideAnEntryFails() {
        long x = DATA + 0x100;
        Runnable e = () -> {
            pmp(0, napot(x, 8), NAPOT | PR | PW);
            pmp(1, -1L, NAPOT | PR | PW | PX); // everything
        };
        runWith(S, e, load(x + 4, 8));
        assertFault(Trap.LOAD_ACCESS, x + 4);
        runWith(S, e, load(x + 8, 8));
        assertOk(S);
        // whatever the mode
        runWith(M, e, load(x - 4, 8));
        assertFault(Trap.LOAD_ACCESS, x - 4);
        runWith(M, e, load(x - 2, 4));
        assertFault(Trap.LOAD_ACCESS, x - 2);
        // (an access crossing a page boundary is checked in parts, which the privileged spec
        // allows and QEMU does too, so the rule is exercised within a page here)
    }

    @Test
    void permissionsPerAccessKind() {
        for (int perms = 0; perms < 8; perms++) {
            if ((perms & (PR | PW)) == PW) continue; // reserved
            int p = perms;
            Runnable e = () -> {
                pmp(0, napot(DATA, 0x1000), NAPOT | p);
                m.write32(DATA, 0x0000_0073); // ecall
            };
            runWith(S, e, load(DATA, 4));
            if ((p & PR) != 0) assertOk(S);
            else assertFault(Trap.LOAD_ACCESS, DATA);
            runWith(S, e, store(DATA + 8));
            if ((p & PW) != 0) assertOk(S);
            else assertFault(Trap.STORE_ACCESS, DATA + 8);
            runWith(S, e, a -> a.li(A1, DATA + 8).amoadd_w(A0, A0, A1));
            if ((p & PW) != 0) assertOk(S);
            else assertFault(Trap.STORE_ACCESS, DATA + 8);
            runWith(S, e, a -> a.li(A1, DATA).jalr(RA, A1, 0));
            if ((p & PX) != 0) {
                assertOk(S);
                assertEquals(DATA, h.mepc, "the ecall in the region ran");
            } else {
                assertFault(Trap.INSN_ACCESS, DATA);
            }
        }
    }

    @Test
    void withoutAnyEntrySAndUHaveNoAccessButMHasAll() {
        // entry 8 with R but A = OFF: no active entry (and the test harness leaves PMP alone)
        Runnable none = () -> h.writeCsr(Csrs.PMPCFG2, PR);
        runIn(S, none, a -> a.nop());
        assertFault(Trap.INSN_ACCESS, h.mepc);
        runIn(U, none, a -> a.nop());
        assertFault(Trap.INSN_ACCESS, h.mepc);
        // with some entry but no match
        runWith(S, () -> { }, load(DATA, 8));
        assertFault(Trap.LOAD_ACCESS, DATA);
        // M: no match means allowed
        runWith(M, () -> pmp(0, napot(DATA, 0x1000), NAPOT), load(DATA + 0x1000, 8));
        assertOk(M);
    }

    @Test
    void mprvChecksDataAccessesWithMpp() {
        runWith(M, () -> { }, a -> {
            a.li(T0, 1L << 17); // MPRV, MPP = U
            a.csrs(Csrs.MSTATUS, T0);
            a.li(A1, DATA);
            a.ld(A0, 0, A1);
        });
        assertFault(Trap.LOAD_ACCESS, DATA);
    }

    // ---- the lock bit ----

    @Test
    void lockedEntriesBindMMode() {
        runWith(M, () -> pmp(0, napot(DATA, 0x1000), NAPOT | PR), store(DATA));
        assertOk(M); // not locked: M ignores it
        runWith(M, () -> pmp(0, napot(DATA, 0x1000), NAPOT | PR | L), store(DATA));
        assertFault(Trap.STORE_ACCESS, DATA);
        runWith(M, () -> pmp(0, napot(DATA, 0x1000), NAPOT | PR | L), load(DATA, 8));
        assertOk(M);
        runWith(M, () -> pmp(0, napot(DATA, 0x1000), NAPOT | PR | L), a -> a.li(A1, DATA).jalr(RA, A1, 0));
        assertFault(Trap.INSN_ACCESS, DATA);
    }

    @Test
    void lockedEntriesAreFrozenUntilReset() {
        pmp(0, napot(DATA, 0x1000), NAPOT | PR | L);
        pmp(0, napot(DATA, 0x2000), NAPOT | PR | PW);
        assertEquals(NAPOT | PR | L, cfg(0), "cfg unchanged");
        assertEquals(napot(DATA, 0x1000), csr(Csrs.PMPADDR0), "addr unchanged");
        pmp(1, napot(DATA, 0x2000), NAPOT | PR);
        assertEquals(NAPOT | PR, cfg(1), "the other bytes of pmpcfg0 stay writable");
        assertEquals(napot(DATA, 0x2000), csr(Csrs.PMPADDR0 + 1));
        m.reset();
        assertEquals(0, cfg(0), "reset clears the lock");
    }

    @Test
    void aLockedTorEntryAlsoFreezesThePreviousAddress() {
        pmp(2, DATA >>> 2, 0);
        pmp(3, (DATA + 0x1000) >>> 2, TOR | PR | L);
        h.writeCsr(Csrs.PMPADDR0 + 2, 0x1234);
        assertEquals(DATA >>> 2, csr(Csrs.PMPADDR0 + 2));
        // not for a locked NAPOT entry
        pmp(5, 0, 0);
        pmp(6, napot(DATA, 0x1000), NAPOT | PR | L);
        h.writeCsr(Csrs.PMPADDR0 + 5, 0x1234);
        assertEquals(0x1234, csr(Csrs.PMPADDR0 + 5));
    }

    // ---- WARL details ----

    @Test
    void registerFormats() {
        pmp(0, -1L, 0);
        assertEquals((1L << 54) - 1, csr(Csrs.PMPADDR0), "pmpaddr holds bits 55:2");
        pmp(0, 0, 0x60 | PR); // bits 5 and 6 are reserved
        assertEquals(PR, cfg(0));
        pmp(1, 0, PW); // R = 0, W = 1 is reserved: the write is not taken as is
        assertNotEquals(PW, cfg(1) & (PR | PW));
        h.writeCsr(Csrs.PMPCFG2, 0x1f1f);
        assertEquals(0x1f1f, csr(Csrs.PMPCFG2), "entries 8..15 are in pmpcfg2");
    }

    // ---- PMP and the TLB ----

    @Test
    void aPmpChangeAppliesToCachedTranslations() {
        fresh();
        codeEntry();
        pmp(0, napot(DATA, 0x1000), NAPOT | PR | PW);
        Label handler = a.newLabel(), second = a.newLabel();
        a.la(T0, handler);
        a.csrw(Csrs.MTVEC, T0);
        a.li(T3, NAPOT | (long) (NAPOT | PR | PX) << 56); // entry 0 loses R and W, entry 7 unchanged
        enter(S);
        a.li(A1, DATA);
        a.ld(A0, 0, A1);    // allowed, and cached
        a.ecall();          // M takes R away
        a.ld(A0, 0, A1);    // must fault now
        a.li(A0, -1);
        a.ecall();
        a.align(4);
        a.bind(handler);
        a.bnez(S3, second);
        a.li(S3, 1);
        a.csrw(Csrs.PMPCFG0, T3);
        a.csrr(T0, Csrs.MEPC);
        a.addi(T0, T0, 4);
        a.csrw(Csrs.MEPC, T0);
        a.mret();
        a.bind(second);
        a.csrr(A0, Csrs.MCAUSE);
        exitA0();
        m.load(a);
        m.run();
        assertEquals(Trap.LOAD_ACCESS, h.mcause);
        assertEquals(DATA, h.mtval);
    }
}
