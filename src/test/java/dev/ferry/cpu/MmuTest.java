package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static dev.ferry.cpu.PageTables.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Address translation with page tables built in RAM from Java: Sv39, Sv48 and Sv57, superpages,
 * hardware A/D updates, permission and U-bit checks (SUM, MXR), MPRV, non-canonical addresses,
 * sfence.vma after PTE changes, and misaligned accesses, including across page boundaries.
 *
 * <p>Each program starts in M-mode with satp already set, enters S (or U) and ends with ecall;
 * the code, the exit page and the page-table pool are identity-mapped.
 */
class MmuTest extends GuestTest {
    static final long POOL = RAM_BASE + 0x18_0000;
    static final int POOL_PAGES = 64;
    /** A page holding one ecall, for instruction-fetch tests. */
    static final long STUB = RAM_BASE + 0x17_f000;
    static final long RW = R | W | A | D, RWX = R | W | X | A | D;
    static final long SUM_BIT = 1L << 18, MXR_BIT = 1L << 19, MPRV = 1L << 17;
    static final long ECALL_OK_S = Trap.ECALL_S, ECALL_OK_U = Trap.ECALL_U;

    private PageTables pt;

    /**
     * Runs a fresh program under paging {@code mode}: {@code setup} may add mappings, write memory
     * and CSRs; then {@code body} runs in privilege {@code p} and ends with ecall.
     */
    private void program(int mode, int p, Consumer<PageTables> setup, Consumer<Assembler> body) {
        fresh();
        pt = new PageTables(m, mode, POOL);
        long code = R | X | A | D | (p == U ? PageTables.U : 0);
        for (int i = 0; i < 16; i++) pt.map(RAM_BASE + 4096L * i, RAM_BASE + 4096L * i, code);
        pt.map(TestMachine.EXIT, TestMachine.EXIT, RW);
        for (int i = 0; i < POOL_PAGES; i++) pt.map(POOL + 4096L * i, POOL + 4096L * i, RW);
        m.write32(STUB, 0x0000_0073);
        if (setup != null) setup.accept(pt);
        h.writeCsr(Csrs.SATP, pt.satp());
        enter(p);
        body.accept(a);
        a.ecall();
        run();
    }

    private void assertOk(int p) {
        assertTrapM(p == U ? ECALL_OK_U : ECALL_OK_S);
    }

    private void assertFault(long cause, long tval) {
        assertTrapM(cause);
        assertEquals(tval, h.mtval, () -> "mtval 0x" + Long.toHexString(h.mtval));
    }

    static long highVa(int mode) {
        return switch (mode) {
            case SV39 -> 0xffff_ffc0_1234_5000L;
            case SV48 -> 0xffff_8000_1234_5000L;
            default -> 0xff00_0000_1234_5000L;
        };
    }

    // ---- translation ----

    @ParameterizedTest
    @ValueSource(ints = {SV39, SV48, SV57})
    void translatesInSAndU(int mode) {
        long va = highVa(mode), low = 0x7654_3000L;
        program(mode, S, pt -> pt.map(va, DATA, RW).map(low, DATA + 0x1000, RW), a -> {
            a.li(A1, va);
            a.li(T0, 0x1122_3344_5566_7788L);
            a.sd(T0, 8, A1);
            a.ld(A0, 8, A1);
            a.lw(A2, 12, A1);
            a.li(A3, low);
            a.sw(T0, 0x7f0, A3);
        });
        assertOk(S);
        assertEquals(0x1122_3344_5566_7788L, m.read64(DATA + 8));
        assertEquals(0x1122_3344_5566_7788L, h.x[A0]);
        assertEquals(0x1122_3344L, h.x[A2]);
        assertEquals(0x5566_7788L, m.read32(DATA + 0x17f0));

        program(mode, U, pt -> pt.map(va, DATA, RW | PageTables.U), a -> {
            a.li(A1, va);
            a.li(T0, 99);
            a.sd(T0, 16, A1);
        });
        assertOk(U);
        assertEquals(99, m.read64(DATA + 16));
    }

    @Test
    void onlyTheAddressBitsOfTheModeCount() {
        // canonical in Sv48, not in Sv39
        long va = 0x0000_1000_0000_0000L;
        program(SV48, S, pt -> pt.map(va, DATA, RW), a -> a.li(A1, va).ld(A0, 0, A1));
        assertOk(S);
        for (int mode : new int[] {SV39, SV48, SV57}) {
            long bad = switch (mode) {
                case SV39 -> 0x0000_0040_0000_0000L;
                case SV48 -> 0x0000_8000_0000_0000L;
                default -> 0x0100_0000_0000_0000L;
            };
            program(mode, S, null, a -> a.li(A1, bad).ld(A0, 0, A1));
            assertFault(Trap.LOAD_PAGE, bad);
            program(mode, S, null, a -> a.li(A1, bad).sb(A0, 0, A1));
            assertFault(Trap.STORE_PAGE, bad);
            program(mode, S, null, a -> a.li(A1, bad).jalr(RA, A1, 0));
            assertFault(Trap.INSN_PAGE, bad);
            assertEquals(bad, h.mepc);
        }
    }

    // ---- superpages ----

    @Test
    void megaAndGigaPages() {
        long mega = 0x4020_0000L, giga = 0xffff_ffff_c000_0000L;
        program(SV39, S, pt -> {
            pt.map(mega, RAM_BASE + 0x20_0000, 1, RW);
            pt.map(giga, RAM_BASE, 2, RW);
            m.write64(DATA + 0x10, 0xabcdef);
        }, a -> {
            a.li(A1, mega + 0x1_2348);
            a.li(T0, 77);
            a.sd(T0, 0, A1);
            a.li(A2, giga + 0x10_0010);
            a.ld(A0, 0, A2);
        });
        assertOk(S);
        assertEquals(77, m.read64(RAM_BASE + 0x21_2348));
        assertEquals(0xabcdef, h.x[A0]);
    }

    @Test
    void largestLeavesOfSv48AndSv57() {
        // a 512 GiB page (Sv48 level 3) and a 256 TiB page (Sv57 level 4), both at physical 0
        long[][] cases = {{SV48, 0xffff_8000_0000_0000L, 3}, {SV57, 0xff00_0000_0000_0000L, 4}};
        for (long[] c : cases) {
            program((int) c[0], S, pt -> {
                pt.map(c[1], 0, (int) c[2], RW);
                m.write64(DATA, 0x5151);
            }, a -> a.li(A1, c[1] + DATA).ld(A0, 0, A1));
            assertOk(S);
            assertEquals(0x5151, h.x[A0]);
        }
    }

    @Test
    void misalignedSuperpagesFault() {
        long mega = 0x4020_0000L, giga = 0xffff_ffff_c000_0000L;
        program(SV39, S, pt -> pt.map(mega, RAM_BASE + 0x20_1000, 1, RW), a -> a.li(A1, mega + 8).ld(A0, 0, A1));
        assertFault(Trap.LOAD_PAGE, mega + 8);
        program(SV39, S, pt -> pt.map(giga, RAM_BASE + 0x20_0000, 2, RW), a -> a.li(A1, giga).sd(A0, 0, A1));
        assertFault(Trap.STORE_PAGE, giga);
        program(SV48, S, pt -> pt.map(0xffff_8000_0000_0000L, 0x4000_0000L, 3, RW),
                a -> a.li(A1, 0xffff_8000_0000_0000L).ld(A0, 0, A1));
        assertFault(Trap.LOAD_PAGE, 0xffff_8000_0000_0000L);
    }

    // ---- accessed and dirty bits ----

    @Test
    void hardwareSetsAccessedAndDirty() {
        long va = 0x5000_0000L;
        program(SV39, S, pt -> pt.map(va, DATA, R | W), a -> a.li(A1, va).ld(A0, 0, A1));
        assertOk(S);
        assertEquals(A, pt.pte(va) & (A | D), "a load sets A only");

        program(SV39, S, pt -> pt.map(va, DATA, R | W), a -> a.li(A1, va).ld(A0, 0, A1).sd(A0, 0, A1));
        assertOk(S);
        assertEquals(A | D, pt.pte(va) & (A | D));

        program(SV39, S, pt -> pt.map(va, DATA, R | W | A), a -> a.li(A1, va).amoadd_d(A0, A1, A1));
        assertOk(S);
        assertEquals(A | D, pt.pte(va) & (A | D), "an AMO writes");

        program(SV39, S, pt -> pt.map(va, STUB, X), a -> a.li(A1, va).jalr(RA, A1, 0));
        assertOk(S);
        assertEquals(va, h.mepc, "the ecall ran at the new address");
        assertEquals(A, pt.pte(va) & (A | D), "a fetch sets A");

        // a faulting access changes nothing
        program(SV39, S, pt -> pt.map(va, DATA, R), a -> a.li(A1, va).sd(A0, 0, A1));
        assertFault(Trap.STORE_PAGE, va);
        assertEquals(0, pt.pte(va) & (A | D));
    }

    @Test
    void superpageAccessedAndDirtyAreInTheLeaf() {
        long mega = 0x4020_0000L;
        program(SV39, S, pt -> pt.map(mega, RAM_BASE + 0x20_0000, 1, R | W), a -> a.li(A1, mega + 0x5000).sd(A0, 0, A1));
        assertOk(S);
        assertEquals(A | D, pt.pte(mega, 1) & (A | D));
    }

    // ---- permissions ----

    static final int LOAD = 0, STORE = 1, FETCH = 2, AMO = 3;

    record Perm(String name, long flags, int kind, int priv, long mstatus, long expected) {}

    @TestFactory
    Stream<DynamicTest> permissions() {
        long UB = PageTables.U;
        long loadF = Trap.LOAD_PAGE, storeF = Trap.STORE_PAGE, fetchF = Trap.INSN_PAGE;
        List<Perm> cases = new ArrayList<>(List.of(
                new Perm("R load", R | A, LOAD, S, 0, -1),
                new Perm("R store", R | A, STORE, S, 0, storeF),
                new Perm("R amo", R | A, AMO, S, 0, storeF),
                new Perm("R fetch", R | A, FETCH, S, 0, fetchF),
                new Perm("RW store", RW, STORE, S, 0, -1),
                new Perm("RW amo", RW, AMO, S, 0, -1),
                new Perm("RW fetch", RW, FETCH, S, 0, fetchF),
                new Perm("X fetch", X | A, FETCH, S, 0, -1),
                new Perm("X load", X | A, LOAD, S, 0, loadF),
                new Perm("X load with MXR", X | A, LOAD, S, MXR_BIT, -1),
                new Perm("X store with MXR", X | A, STORE, S, MXR_BIT, storeF),
                new Perm("R load with MXR", R | A, LOAD, S, MXR_BIT, -1),
                new Perm("W only (reserved) load", W | A | D, LOAD, S, 0, loadF),
                new Perm("W only (reserved) store", W | A | D, STORE, S, 0, storeF),
                new Perm("WX (reserved) fetch", W | X | A | D, FETCH, S, 0, fetchF),
                new Perm("pointer at level 0 load", 0, LOAD, S, 0, loadF),
                new Perm("reserved bit 54", RW | 1L << 54, LOAD, S, 0, loadF),
                new Perm("PBMT bits without Svpbmt", RW | 1L << 61, LOAD, S, 0, loadF),
                new Perm("N bit without Svnapot", RW | 1L << 63, LOAD, S, 0, loadF),
                // the U bit
                new Perm("U page, S load", RW | UB, LOAD, S, 0, loadF),
                new Perm("U page, S store", RW | UB, STORE, S, 0, storeF),
                new Perm("U page, S load with SUM", RW | UB, LOAD, S, SUM_BIT, -1),
                new Perm("U page, S store with SUM", RW | UB, STORE, S, SUM_BIT, -1),
                new Perm("U page, S fetch", RWX | UB, FETCH, S, 0, fetchF),
                new Perm("U page, S fetch with SUM", RWX | UB, FETCH, S, SUM_BIT, fetchF),
                new Perm("U page, U load", RW | UB, LOAD, U, 0, -1),
                new Perm("U page, U fetch", X | A | UB, FETCH, U, 0, -1),
                new Perm("S page, U load", RW, LOAD, U, 0, loadF),
                new Perm("S page, U store", RW, STORE, U, 0, storeF),
                new Perm("S page, U fetch", RWX, FETCH, U, 0, fetchF),
                new Perm("S page, U load with SUM", RW, LOAD, U, SUM_BIT, loadF),
                new Perm("X-only U page, U load with MXR", X | A | UB, LOAD, U, MXR_BIT, -1)));
        return cases.stream().map(k -> DynamicTest.dynamicTest(k.name, () -> checkPermission(k)));
    }

    private void checkPermission(Perm k) {
        long va = 0x6000_0000L;
        long target = k.kind == FETCH ? va : va + 0x18;
        program(SV39, k.priv, pt -> {
            if (k.flags == 0) pt.set(va, 0, V | ((POOL >>> 12) << 10)); // a non-leaf PTE where a leaf must be
            else pt.set(va, 0, leaf(k.kind == FETCH ? STUB : DATA, k.flags));
            if (k.mstatus != 0) h.writeCsr(Csrs.MSTATUS, k.mstatus);
        }, a -> {
            a.li(A1, target);
            switch (k.kind) {
                case LOAD -> a.ld(A0, 0, A1);
                case STORE -> a.sd(A0, 0, A1);
                case AMO -> a.amoor_d(A0, A0, A1);
                default -> a.jalr(RA, A1, 0);
            }
        });
        if (k.expected < 0) {
            assertOk(k.priv);
            if (k.kind == FETCH) assertEquals(va, h.mepc, "the ecall at the target ran");
        } else {
            assertFault(k.expected, target);
            if (k.kind == FETCH) assertEquals(target, h.mepc);
        }
    }

    @Test
    void sumAndMxrChangesTakeEffectAtOnce() {
        long va = 0x6000_0000L;
        program(SV39, S, pt -> {
            pt.map(va, DATA, RW | PageTables.U);
            h.writeCsr(Csrs.MSTATUS, SUM_BIT);
        }, a -> {
            a.li(A1, va);
            a.ld(A0, 0, A1);
            a.li(T0, SUM_BIT);
            a.csrc(Csrs.SSTATUS, T0);
            a.ld(A0, 8, A1);
        });
        assertFault(Trap.LOAD_PAGE, va + 8);

        program(SV39, S, pt -> {
            pt.map(va, DATA, X | A);
            h.writeCsr(Csrs.MSTATUS, MXR_BIT);
        }, a -> {
            a.li(A1, va);
            a.ld(A0, 0, A1);
            a.li(T0, MXR_BIT);
            a.csrc(Csrs.SSTATUS, T0);
            a.ld(A0, 8, A1);
        });
        assertFault(Trap.LOAD_PAGE, va + 8);
    }

    // ---- MPRV ----

    @Test
    void mprvTranslatesMModeDataAccessesButNotFetches() {
        long va = 0x6000_0000L, uva = 0x6000_1000L;
        fresh();
        pt = new PageTables(m, SV39, POOL); // nothing maps the code: fetches must stay physical
        pt.map(va, DATA, RW).map(uva, DATA + 0x1000, RW | PageTables.U);
        m.write64(DATA, 0x5555);
        h.writeCsr(Csrs.SATP, pt.satp());
        a.li(T0, MPRV | 1L << 11);           // MPRV, MPP = S
        a.csrs(Csrs.MSTATUS, T0);
        a.li(A1, va);
        a.ld(A0, 0, A1);                      // through the page table
        a.li(T0, 3L << 11);
        a.csrc(Csrs.MSTATUS, T0);             // MPP = U
        a.li(A2, uva);
        a.sd(A0, 0, A2);                      // a U page, as U
        a.csrs(Csrs.MSTATUS, T0);             // MPP = M: no translation
        a.li(A3, DATA);
        a.ld(A4, 0, A3);
        a.li(T0, MPRV);
        a.csrc(Csrs.MSTATUS, T0);
        exitA0();
        run();
        assertNoTrap();
        assertEquals(0x5555, h.x[A0]);
        assertEquals(0x5555, m.read64(DATA + 0x1000));
        assertEquals(0x5555, h.x[A4]);

        // MPP = S without SUM may not touch a U page
        fresh();
        pt = new PageTables(m, SV39, POOL);
        pt.map(uva, DATA + 0x1000, RW | PageTables.U);
        h.writeCsr(Csrs.SATP, pt.satp());
        a.li(T0, MPRV | 1L << 11);
        a.csrs(Csrs.MSTATUS, T0);
        a.li(A2, uva);
        Label at = a.label();
        a.ld(A0, 0, A2);
        exitA0();
        run(); // the handler runs with MPP = M, so its exit store is not translated
        assertFault(Trap.LOAD_PAGE, uva);
        assertEquals(a.addressOf(at), h.mepc);
    }

    // ---- sfence.vma ----

    private void remapAfterUse(boolean byAddress, long newPte, Consumer<Assembler> after) {
        long va = 0x6000_0000L;
        program(SV39, S, pt -> {
            pt.map(va, DATA, RW);
            m.write64(DATA, 111);
            m.write64(DATA + 0x1000, 222);
        }, a -> {
            a.li(A1, va);
            a.ld(A2, 0, A1);           // the translation is now cached
            a.li(T0, pt.pteAddress(va, 0));
            a.li(T1, newPte);
            a.sd(T1, 0, T0);
            if (byAddress) a.sfence_vma(A1, ZERO);
            else a.sfence_vma();
            after.accept(a);
        });
    }

    @Test
    void sfenceVmaMakesAChangedPteVisible() {
        for (boolean byAddress : new boolean[] {true, false}) {
            remapAfterUse(byAddress, leaf(DATA + 0x1000, RW), a -> a.ld(A3, 0, A1));
            assertOk(S);
            assertEquals(111, h.x[A2]);
            assertEquals(222, h.x[A3], "new frame after the fence");

            remapAfterUse(byAddress, leaf(DATA, R | A), a -> a.sd(A2, 0, A1));
            assertFault(Trap.STORE_PAGE, 0x6000_0000L);

            remapAfterUse(byAddress, 0, a -> a.ld(A3, 0, A1));
            assertFault(Trap.LOAD_PAGE, 0x6000_0000L);
        }
    }

    @Test
    void sfenceVmaWithAnAsidOperandStillFences() {
        long va = 0x6000_0000L;
        program(SV39, S, pt -> {
            pt.map(va, DATA, RW);
            m.write64(DATA, 111);
            m.write64(DATA + 0x1000, 222);
        }, a -> {
            a.li(A1, va);
            a.ld(A2, 0, A1);
            a.li(T0, pt.pteAddress(va, 0));
            a.li(T1, leaf(DATA + 0x1000, RW));
            a.sd(T1, 0, T0);
            a.li(A4, 0); // ASID 0, given in a register
            a.sfence_vma(A1, A4);
            a.ld(A3, 0, A1);
        });
        assertOk(S);
        assertEquals(222, h.x[A3]);
    }

    @Test
    void sfenceVmaByAddressAfterChangingASuperpage() {
        long mega = 0x4020_0000L;
        program(SV39, S, pt -> {
            pt.map(mega, RAM_BASE + 0x20_0000, 1, RW);
            m.write64(RAM_BASE + 0x20_0000 + 0x3000, 1);
            m.write64(DATA + 0x3000, 2);
        }, a -> {
            a.li(A1, mega + 0x3000);
            a.ld(A2, 0, A1);
            // replace the megapage with a table mapping 4 KiB pages
            long table = pt.allocate();
            for (int i = 0; i < 512; i++) m.write64(table + 8L * i, leaf(DATA + 4096L * i, RW));
            a.li(T0, pt.pteAddress(mega, 1));
            a.li(T1, ((table >>> 12) << 10) | V);
            a.sd(T1, 0, T0);
            a.sfence_vma(A1, ZERO);
            a.ld(A3, 0, A1);
        });
        assertOk(S);
        assertEquals(1, h.x[A2]);
        assertEquals(2, h.x[A3]);
    }

    // ---- misaligned accesses ----

    @Test
    void misalignedAccessesWithinAPage() {
        long va = 0x6000_0000L;
        program(SV39, S, pt -> {
            pt.map(va, DATA, RW);
            for (int i = 0; i < 16; i++) m.bus.write(DATA + i, 1, i + 1);
        }, a -> {
            a.li(A1, va);
            a.ld(A0, 1, A1);
            a.lw(A2, 3, A1);
            a.lhu(A3, 7, A1);
            a.li(T0, 0x1122_3344_5566_7788L);
            a.sd(T0, 0x103, A1);
            a.sh(T0, 0x201, A1);
        });
        assertOk(S);
        assertEquals(0x0908_0706_0504_0302L, h.x[A0]);
        assertEquals(0x0706_0504L, h.x[A2]);
        assertEquals(0x0908L, h.x[A3]);
        assertEquals(0x1122_3344_5566_7788L, m.bus.read(DATA + 0x103, 8));
        assertEquals(0x7788, m.bus.read(DATA + 0x201, 2));
    }

    @Test
    void misalignedAccessesAcrossAPageBoundaryToScatteredFrames() {
        long va = 0x6000_0000L, first = DATA + 0x5000, second = DATA + 0x2000;
        program(SV39, S, pt -> pt.map(va, first, RW).map(va + 0x1000, second, RW), a -> {
            a.li(A1, va + 0x800);
            a.li(T0, 0x1122_3344_5566_7788L);
            a.sd(T0, 0x7fc, A1);    // va + 0xffc
            a.ld(A0, 0x7fc, A1);
            a.lw(A2, 0x7fe, A1);
            a.li(A4, va + 0xfff);
            a.lh(A3, 0, A4);
        });
        assertOk(S);
        assertEquals(0x5566_7788L, m.read32(first + 0xffc));
        assertEquals(0x1122_3344L, m.read32(second));
        assertEquals(0x1122_3344_5566_7788L, h.x[A0]);
        assertEquals(0x3344_5566L, h.x[A2]);
        assertEquals((short) 0x4455, h.x[A3]);
    }

    @Test
    void aPageCrossingStoreFaultingOnItsSecondPageWritesNothing() {
        long va = 0x6000_0000L;
        program(SV39, S, pt -> {
            pt.map(va, DATA, RW);
            m.write64(DATA + 0xff8, 0x0101_0101_0101_0101L);
        }, a -> {
            a.li(A1, va + 0x800);
            a.li(T0, -1);
            a.sd(T0, 0x7fc, A1);    // va + 0xffc
        });
        // tval: the first byte of the access in the page that faults (as QEMU reports it)
        assertFault(Trap.STORE_PAGE, va + 0x1000);
        assertEquals(0x0101_0101_0101_0101L, m.read64(DATA + 0xff8), "memory unchanged");

        program(SV39, S, pt -> pt.map(va, DATA, RW), a -> a.li(A1, va + 0xffe).lw(A0, 0, A1));
        assertFault(Trap.LOAD_PAGE, va + 0x1000);

        // the second page read-only: a store fault, not a load fault
        program(SV39, S, pt -> pt.map(va, DATA, RW).map(va + 0x1000, DATA + 0x1000, R | A), a -> a.li(A1, va + 0xfff).sh(A0, 0, A1));
        assertFault(Trap.STORE_PAGE, va + 0x1000);
    }

    @Test
    void misalignedAccessesInMModeAcrossPages() {
        runIn(M, a -> {
            a.li(A1, DATA + 0xffd);
            a.li(T0, 0x0102_0304_0506_0708L);
            a.sd(T0, 0, A1);
            a.ld(A0, 0, A1);
        });
        assertNoTrap();
        assertEquals(0x0102_0304_0506_0708L, h.x[A0]);
        assertEquals(0x0506_0708L, m.bus.read(DATA + 0xffd, 4));
    }

    // ---- instruction fetch across pages ----

    @Test
    void anInstructionSpanningTwoPages() {
        long va = 0x7000_0000L, first = DATA + 0x7000, second = DATA + 0x3000;
        int addi = word(a -> a.addi(A0, ZERO, 5));
        program(SV39, S, pt -> {
            pt.map(va, first, X | A).map(va + 0x1000, second, X | A);
            m.bus.write(first + 0xffe, 2, addi & 0xffff);
            m.bus.write(second, 2, addi >>> 16);
            m.bus.write(second + 2, 4, 0x0000_0073);
        }, a -> a.li(A1, va + 0xffe).jalr(RA, A1, 0));
        assertOk(S);
        assertEquals(5, h.x[A0]);
        assertEquals(va + 0x1002, h.mepc);

        program(SV39, S, pt -> {
            pt.map(va, first, X | A);
            m.bus.write(first + 0xffe, 2, addi & 0xffff);
        }, a -> a.li(A1, va + 0xffe).jalr(RA, A1, 0));
        assertFault(Trap.INSN_PAGE, va + 0x1000);
        assertEquals(va + 0xffe, h.mepc, "mepc is the instruction, mtval the part that faulted");
    }

    @Test
    void pageTableWalksAreCheckedByPmpAsSupervisorReads() {
        // PMP: [0, POOL) RWX, [POOL, end of RAM) no access, above that RWX (all TOR). The code's
        // own translation needs the tables in the pool, so the first fetch in S faults.
        program(SV39, S, pt -> {
            h.writeCsr(Csrs.PMPADDR0, POOL >>> 2);
            h.writeCsr(Csrs.PMPADDR0 + 1, (RAM_BASE + m.ram.size()) >>> 2);
            h.writeCsr(Csrs.PMPADDR0 + 2, -1L);
            h.writeCsr(Csrs.PMPCFG0, 0x0f | 0x08L << 8 | 0x0fL << 16);
        }, a -> a.nop());
        assertTrapM(Trap.INSN_ACCESS);
        assertEquals(h.mepc, h.mtval);
        assertEquals(1L << 11, csr(Csrs.MSTATUS) & (3L << 11), "faulted in S");
    }
}
