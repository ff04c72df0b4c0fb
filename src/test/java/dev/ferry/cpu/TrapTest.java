package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Exceptions: causes, epc and tval, delegation to S, the state saved on trap entry and restored
 * by mret/sret, vectored trap vectors, and the TW/TSR traps.
 */
class TrapTest extends GuestTest {
    static final long SIE = 1L << 1, MIE = 1L << 3, SPIE = 1L << 5, MPIE = 1L << 7, SPP = 1L << 8,
            MPP = 3L << 11, MPRV = 1L << 17, TW = 1L << 21, TSR = 1L << 22;
    static final int MRET = 0x3020_0073, SRET = 0x1020_0073, WFI = 0x1050_0073;

    /**
     * Runs a fresh program: {@code setup}, enter privilege {@code p}, {@code body} whose address
     * is returned (the faulting instruction is the first one of body unless said otherwise), exit.
     */
    private long trapAt(int p, Runnable setup, Consumer<Assembler> body) {
        fresh();
        if (setup != null) setup.run();
        if (p != M) enter(p);
        Label at = a.label();
        body.accept(a);
        exitA0();
        run();
        return a.addressOf(at);
    }

    private long trapAt(int p, Consumer<Assembler> body) {
        return trapAt(p, null, body);
    }

    // ---- causes, epc, tval ----

    @Test
    void environmentCallsFromEachMode() {
        int[] causes = {Trap.ECALL_U, Trap.ECALL_S, -1, Trap.ECALL_M};
        for (int p : new int[] {U, S, M}) {
            long pc = trapAt(p, () -> h.writeCsr(Csrs.MTVAL, 123), a -> a.ecall());
            assertTrapM(causes[p]);
            assertEquals(pc, h.mepc, "mepc is the ecall itself");
            assertEquals(0, h.mtval, "mtval is written with zero");
            assertEquals((long) p << 11, csr(Csrs.MSTATUS) & MPP, "MPP");
        }
    }

    @Test
    void breakpoints() {
        long pc = trapAt(S, a -> a.ebreak());
        assertTrapM(Trap.BREAKPOINT);
        assertEquals(pc, h.mepc);
        assertEquals(0, h.mtval, "QEMU 7.2 leaves tval zero for ebreak");
        pc = trapAt(U, a -> a.c_ebreak());
        assertTrapM(Trap.BREAKPOINT);
        assertEquals(pc, h.mepc);
    }

    @Test
    void returnInstructionsFromTooLowAPrivilegeAreIllegal() {
        long pc = trapAt(S, a -> a.mret());
        assertIllegal(MRET);
        assertEquals(pc, h.mepc);
        trapAt(U, a -> a.mret());
        assertIllegal(MRET);
        trapAt(U, a -> a.sret());
        assertIllegal(SRET);
    }

    @Test
    void misalignedAtomicsFault() {
        record K(String name, Consumer<Assembler> insn, long offset, int cause) {}
        K[] cases = {
            new K("amoadd.w", a -> a.amoadd_w(A0, A2, A1), 2, Trap.STORE_MISALIGNED),
            new K("amoswap.d", a -> a.amoswap_d(A0, A2, A1), 4, Trap.STORE_MISALIGNED),
            new K("amomaxu.d", a -> a.amomaxu_d(A0, A2, A1), 1, Trap.STORE_MISALIGNED),
            new K("lr.w", a -> a.lr_w(A0, A1), 1, Trap.LOAD_MISALIGNED),
            new K("lr.d", a -> a.lr_d(A0, A1), 4, Trap.LOAD_MISALIGNED),
            new K("sc.d", a -> a.sc_d(A0, A2, A1), 4, Trap.STORE_MISALIGNED),
        };
        for (K k : cases) {
            long pc = trapAt(S, () -> h.x[A1] = DATA + k.offset, k.insn);
            assertTrapM(k.cause);
            assertEquals(DATA + k.offset, h.mtval, k.name);
            assertEquals(pc, h.mepc, k.name);
        }
    }

    @Test
    void accessFaultsOnUnmappedPhysicalAddresses() {
        long bad = TestMachine.UNMAPPED + 0x18;
        record K(String name, Consumer<Assembler> insn, int cause) {}
        K[] cases = {
            new K("lb", a -> a.lb(A0, 0, A1), Trap.LOAD_ACCESS),
            new K("ld", a -> a.ld(A0, 0, A1), Trap.LOAD_ACCESS),
            new K("sw", a -> a.sw(A2, 0, A1), Trap.STORE_ACCESS),
            new K("amoor.d", a -> a.amoor_d(A0, A2, A1), Trap.STORE_ACCESS),
            new K("lr.d", a -> a.lr_d(A0, A1), Trap.LOAD_ACCESS),
        };
        for (int p : new int[] {M, S, U}) {
            for (K k : cases) {
                long pc = trapAt(p, () -> h.x[A1] = bad, k.insn);
                assertTrapM(k.cause);
                assertEquals(bad, h.mtval, k.name);
                assertEquals(pc, h.mepc, k.name);
            }
        }
        // a load running off the end of RAM faults at the first byte outside it
        long end = RAM_BASE + m.ram.size();
        trapAt(M, () -> h.x[A1] = end - 4, a -> a.ld(A0, 0, A1));
        assertTrapM(Trap.LOAD_ACCESS);
        assertEquals(end, h.mtval);
    }

    @Test
    void instructionAccessFaults() {
        for (long target : new long[] {TestMachine.UNMAPPED, TestMachine.EXIT + 0x800}) {
            trapAt(S, () -> h.x[A1] = target, a -> a.jalr(RA, A1, 0));
            assertTrapM(Trap.INSN_ACCESS);
            assertEquals(target, h.mepc, "mepc is the target");
            assertEquals(target, h.mtval);
            assertEquals(1L << 11, csr(Csrs.MSTATUS) & MPP);
        }
    }

    // ---- delegation ----

    @Test
    void delegatedExceptionsTrapToS() {
        // ecall from U
        long pc = trapAt(U, () -> {
            h.writeCsr(Csrs.MEDELEG, 1 << Trap.ECALL_U);
            h.writeCsr(Csrs.SSTATUS, SIE);
        }, a -> a.ecall());
        assertTrapS(Trap.ECALL_U);
        assertEquals(pc, h.sepc);
        assertEquals(0, h.stval);
        long ss = csr(Csrs.SSTATUS);
        assertEquals(0, ss & SPP, "SPP = U");
        assertEquals(SPIE, ss & (SIE | SPIE), "SPIE = old SIE, SIE cleared");
        assertEquals(0, h.mcause, "M-mode trap state untouched");

        // illegal instruction in S stays in S, with the instruction in stval
        pc = trapAt(S, () -> h.writeCsr(Csrs.MEDELEG, 1 << Trap.ILLEGAL), a -> a.emit32(0));
        assertTrapS(Trap.ILLEGAL);
        assertEquals(pc, h.sepc);
        assertEquals(0, h.stval);
        assertEquals(SPP, csr(Csrs.SSTATUS) & (SPP | SIE | SPIE));
        trapAt(S, () -> h.writeCsr(Csrs.MEDELEG, 1 << Trap.ILLEGAL), a -> a.csrr(A0, Csrs.MSTATUS));
        assertTrapS(Trap.ILLEGAL);
        assertEquals(word(a -> a.csrr(A0, Csrs.MSTATUS)), h.stval);

        // a delegated access fault carries its address
        trapAt(U, () -> {
            h.writeCsr(Csrs.MEDELEG, 1 << Trap.LOAD_ACCESS);
            h.x[A1] = TestMachine.UNMAPPED;
        }, a -> a.ld(A0, 8, A1));
        assertTrapS(Trap.LOAD_ACCESS);
        assertEquals(TestMachine.UNMAPPED + 8, h.stval);

        // an exception not delegated still goes to M
        trapAt(U, () -> h.writeCsr(Csrs.MEDELEG, 1 << Trap.ECALL_U), a -> a.ebreak());
        assertTrapM(Trap.BREAKPOINT);
    }

    @Test
    void trapsFromMAreNeverDelegated() {
        trapAt(M, () -> h.writeCsr(Csrs.MEDELEG, -1), a -> a.emit32(0));
        assertTrapM(Trap.ILLEGAL);
        trapAt(M, () -> h.writeCsr(Csrs.MEDELEG, -1), a -> a.ecall());
        assertTrapM(Trap.ECALL_M);
    }

    // ---- trap entry and return state ----

    @Test
    void trapEntryToMSavesInterruptEnableAndPrivilege() {
        trapAt(S, () -> h.writeCsr(Csrs.MSTATUS, MPIE), a -> a.ecall()); // mret sets MIE from MPIE
        assertTrapM(Trap.ECALL_S);
        assertEquals(MPIE | (1L << 11), csr(Csrs.MSTATUS) & (MIE | MPIE | MPP));
        trapAt(U, a -> a.ecall());
        assertTrapM(Trap.ECALL_U);
        assertEquals(0, csr(Csrs.MSTATUS) & (MIE | MPIE | MPP));
    }

    @Test
    void mretToMKeepsMprvAndLeavesMppU() {
        runIn(M, a -> {
            a.li(T0, MPRV | MPP | MIE);  // MPP = M, MPIE = 0
            a.csrs(Csrs.MSTATUS, T0);
            Label next = a.newLabel();
            a.la(T0, next);
            a.csrw(Csrs.MEPC, T0);
            a.mret();
            a.bind(next);
            a.csrr(A0, Csrs.MSTATUS);
            a.csrw(Csrs.MSTATUS, ZERO); // drop MPRV before the exit store
        });
        assertNoTrap();
        assertEquals(MPRV | MPIE, h.x[A0] & (MPRV | MPP | MIE | MPIE), "MIE = old MPIE, MPIE = 1, MPP = U");
    }

    @Test
    void mretToALowerModeClearsMprv() {
        for (int p : new int[] {S, U}) {
            trapAt(p, () -> h.writeCsr(Csrs.MSTATUS, MPRV | MPIE), a -> a.ecall());
            assertTrapM(p == S ? Trap.ECALL_S : Trap.ECALL_U);
            // MIE was restored to 1 by mret, then saved to MPIE and cleared by the ecall trap
            assertEquals(MPIE, csr(Csrs.MSTATUS) & (MPRV | MIE | MPIE));
        }
    }

    @Test
    void sretRestoresStateAndClearsMprv() {
        runIn(M, a -> {
            Label s = a.newLabel();
            a.li(T0, MPRV | SPP | SPIE);
            a.csrs(Csrs.MSTATUS, T0);
            a.la(T0, s);
            a.csrw(Csrs.SEPC, T0);
            a.sret();
            a.bind(s);
            a.csrr(A1, Csrs.SSTATUS);
            a.ecall();
        });
        assertTrapM(Trap.ECALL_S);
        assertEquals(SIE | SPIE, h.x[A1] & (SIE | SPIE | SPP), "SIE = old SPIE, SPIE = 1, SPP = U");
        assertEquals(0, csr(Csrs.MSTATUS) & MPRV);

        // from S to U
        trapAt(S, () -> h.writeCsr(Csrs.MEDELEG, 1 << Trap.ECALL_U), a -> {
            Label u = a.newLabel();
            a.la(T0, u);
            a.csrw(Csrs.SEPC, T0);
            a.li(T0, SPP);
            a.csrc(Csrs.SSTATUS, T0);
            a.sret();
            a.bind(u);
            a.ecall();
        });
        assertTrapS(Trap.ECALL_U);
    }

    // ---- vectored mode ----

    /** Emits a 16-entry vector table whose entry i exits with i, and returns its label. */
    private Label vectorTable() {
        Label end = a.newLabel();
        a.j(end);
        a.align(256);
        Label table = a.label();
        Label[] stubs = new Label[16];
        for (int i = 0; i < 16; i++) {
            stubs[i] = a.newLabel();
            a.j(stubs[i]);
        }
        for (int i = 0; i < 16; i++) {
            a.bind(stubs[i]);
            a.li(A0, i);
            exitA0();
        }
        a.bind(end);
        return table;
    }

    @Test
    void vectoredModeAppliesToInterruptsOnly() {
        fresh();
        Label table = vectorTable();
        a.la(T0, table);
        a.ori(T0, T0, 1);
        a.csrw(Csrs.MTVEC, T0);
        a.ecall();
        a.li(A0, -1);
        exitA0();
        m.load(a);
        m.openPmp();
        assertEquals(0, m.run(), "exceptions use the base address");

        fresh();
        table = vectorTable();
        a.la(T0, table);
        a.ori(T0, T0, 1);
        a.csrw(Csrs.MTVEC, T0);
        a.li(T0, 1 << Trap.IRQ_MSI);
        a.csrw(Csrs.MIE, T0);
        a.csrsi(Csrs.MSTATUS, (int) MIE);
        Label spin = a.label();
        a.j(spin);
        m.load(a);
        h.setInterruptLine(InterruptLines.MSIP, true);
        assertEquals(Trap.IRQ_MSI, m.run(), "interrupts use base + 4 * cause");
        assertEquals(Trap.INTERRUPT_BIT | Trap.IRQ_MSI, h.mcause);

        // stvec too, with a delegated supervisor software interrupt
        fresh();
        table = vectorTable();
        a.la(T0, table);
        a.ori(T0, T0, 1);
        a.csrw(Csrs.STVEC, T0);
        a.li(T0, 1 << Trap.IRQ_SSI);
        a.csrw(Csrs.MIDELEG, T0);
        a.csrw(Csrs.MIE, T0);
        a.csrw(Csrs.MIP, T0);
        enter(S);
        a.csrsi(Csrs.SSTATUS, (int) SIE);
        spin = a.label();
        a.j(spin);
        m.load(a);
        m.openPmp();
        assertEquals(Trap.IRQ_SSI, m.run());
        assertEquals(Trap.INTERRUPT_BIT | Trap.IRQ_SSI, h.scause);
    }

    // ---- TW, TSR ----

    @Test
    void timeoutWaitTw() {
        // TW = 1: wfi in S traps, in M it does not
        trapAt(S, () -> h.writeCsr(Csrs.MSTATUS, TW), a -> a.wfi());
        assertIllegal(WFI);
        // an interrupt pending and enabled in mie (but not taken) makes wfi complete at once
        Runnable pending = () -> {
            h.writeCsr(Csrs.MIDELEG, 1 << Trap.IRQ_SSI);
            h.writeCsr(Csrs.MIE, 1 << Trap.IRQ_SSI);
            h.writeCsr(Csrs.MIP, 1 << Trap.IRQ_SSI);
        };
        trapAt(M, () -> {
            pending.run();
            h.writeCsr(Csrs.MSTATUS, TW);
        }, a -> a.wfi());
        assertNoTrap();
        trapAt(S, pending, a -> a.wfi());
        assertNoTrap();
        // U: always illegal, whatever TW
        trapAt(U, a -> a.wfi());
        assertIllegal(WFI);
    }

    @Test
    void tsrTrapsSretInS() {
        trapAt(S, () -> h.writeCsr(Csrs.MSTATUS, TSR), a -> a.sret());
        assertIllegal(SRET);
        // M is not affected
        runIn(M, () -> h.writeCsr(Csrs.MSTATUS, TSR), a -> {
            Label s = a.newLabel();
            a.la(T0, s);
            a.csrw(Csrs.SEPC, T0);
            a.li(T0, SPP);
            a.csrs(Csrs.MSTATUS, T0);
            a.sret();
            a.bind(s);
            a.ecall();
        });
        assertTrapM(Trap.ECALL_S);
        // without TSR, sret in S works
        trapAt(S, a -> {
            Label u = a.newLabel();
            a.la(T0, u);
            a.csrw(Csrs.SEPC, T0);
            a.sret();
            a.bind(u);
            a.ecall();
        });
        assertTrapM(Trap.ECALL_U);
    }
}
