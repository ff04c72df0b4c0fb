package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Zicsr instructions and the access rules and WARL behaviour of every implemented CSR. */
class CsrTest extends GuestTest {
    static final long SIE = 1L << 1, MIE = 1L << 3, SPIE = 1L << 5, MPIE = 1L << 7, SPP = 1L << 8,
            MPP = 3L << 11, FS = 3L << 13, MPRV = 1L << 17, SUM = 1L << 18, MXR = 1L << 19, TVM = 1L << 20,
            TW = 1L << 21, TSR = 1L << 22, UXL = 3L << 32, SXL = 3L << 34, SD = 1L << 63;
    static final long XL64 = (2L << 32) | (2L << 34);
    static final long SSIP = 1 << 1, MSIP = 1 << 3, STIP = 1 << 5, MTIP = 1 << 7, SEIP = 1 << 9, MEIP = 1 << 11;
    static final long STCE = 1L << 63;

    /** Runs {@code body} in privilege p and asserts it trapped with illegal instruction at the instruction {@code insn}. */
    private void assertIllegalIn(int p, Consumer<Assembler> insn) {
        assertIllegalIn(p, null, insn);
    }

    private void assertIllegalIn(int p, Runnable setup, Consumer<Assembler> insn) {
        runIn(p, setup, insn);
        assertIllegal(word(insn));
    }

    private void assertAllowedIn(int p, Consumer<Assembler> insn) {
        assertAllowedIn(p, null, insn);
    }

    private void assertAllowedIn(int p, Runnable setup, Consumer<Assembler> insn) {
        runIn(p, setup, insn);
        assertNoTrap();
    }

    private Runnable set(int csr, long v) {
        return () -> h.writeCsr(csr, v);
    }

    private Runnable set(int csr1, long v1, int csr2, long v2) {
        return () -> {
            h.writeCsr(csr1, v1);
            h.writeCsr(csr2, v2);
        };
    }

    @Test
    void zicsrInstructions() {
        runIn(M, a -> {
            a.li(T0, 0xf0);
            a.csrw(Csrs.MSCRATCH, T0);
            a.li(T1, 0x0f);
            a.li(T2, 0x3c);
            a.csrrs(A1, Csrs.MSCRATCH, T1);  // a1 = 0xf0, mscratch = 0xff
            a.csrrc(A2, Csrs.MSCRATCH, T2);  // a2 = 0xff, mscratch = 0xc3
            a.csrrwi(A3, Csrs.MSCRATCH, 31); // a3 = 0xc3, mscratch = 31
            a.csrrsi(A4, Csrs.MSCRATCH, 0);  // a4 = 31, no write
            a.csrrci(A5, Csrs.MSCRATCH, 1);  // a5 = 31, mscratch = 30
            a.csrrsi(S2, Csrs.MSCRATCH, 16); // s2 = 30, mscratch = 30 (bit 4 already set)
            a.li(T1, 0x1234_5678_9abc_def0L);
            a.csrrw(A6, Csrs.MSCRATCH, T1);  // a6 = 30, mscratch = full 64-bit value
            a.csrrw(A7, Csrs.MSCRATCH, ZERO); // a7 = 0x123456789abcdef0
            a.csrr(A0, Csrs.MSCRATCH);       // 0
        });
        assertNoTrap();
        assertArrayEquals(new long[] {0, 0xf0, 0xff, 0xc3, 31, 31, 30, 0x1234_5678_9abc_def0L},
                new long[] {h.x[A0], h.x[A1], h.x[A2], h.x[A3], h.x[A4], h.x[A5], h.x[A6], h.x[A7]});
        assertEquals(30, h.x[S2]);
    }

    // ---- privilege and read-only rules ----

    @Test
    void lowerPrivilegesCannotAccessHigherCsrs() {
        assertIllegalIn(S, a -> a.csrr(A0, Csrs.MSTATUS));
        assertIllegalIn(S, a -> a.csrr(A0, Csrs.MHARTID));
        assertIllegalIn(S, a -> a.csrw(Csrs.MSCRATCH, A1));
        assertIllegalIn(S, a -> a.csrr(A0, Csrs.PMPADDR0));
        assertIllegalIn(U, a -> a.csrr(A0, Csrs.SSTATUS));
        assertIllegalIn(U, a -> a.csrr(A0, Csrs.SATP));
        assertIllegalIn(U, a -> a.csrr(A0, Csrs.MSTATUS));
        assertAllowedIn(S, a -> a.csrr(A0, Csrs.SSTATUS));
        assertAllowedIn(S, a -> a.csrw(Csrs.SSCRATCH, A1));
        assertAllowedIn(M, a -> a.csrr(A0, Csrs.SSTATUS));
    }

    @Test
    void readOnlyCsrsRejectWritesButNotPlainReads() {
        assertIllegalIn(M, a -> a.csrw(Csrs.MHARTID, A1));
        assertIllegalIn(M, a -> a.csrrwi(ZERO, Csrs.MVENDORID, 0)); // csrrwi always writes
        assertIllegalIn(M, a -> a.csrrw(ZERO, Csrs.CYCLE, ZERO));
        assertIllegalIn(M, a -> a.csrrw(ZERO, Csrs.TIME, ZERO));
        // csrrs/csrrc with rs1 != x0 write, even if the register holds 0
        assertIllegalIn(M, a -> a.csrrs(A0, Csrs.MHARTID, T3));
        assertIllegalIn(M, a -> a.csrrci(A0, Csrs.MIMPID, 1));
        // with rs1 = x0 (or uimm 0) they only read
        assertAllowedIn(M, a -> a.csrrs(A0, Csrs.MHARTID, ZERO));
        assertAllowedIn(M, a -> a.csrrc(A0, Csrs.MARCHID, ZERO));
        assertAllowedIn(M, a -> a.csrrsi(A0, Csrs.MVENDORID, 0));
        assertAllowedIn(M, a -> a.csrrci(A0, Csrs.MCONFIGPTR, 0));
        assertAllowedIn(M, a -> a.csrr(A0, Csrs.INSTRET));
    }

    @Test
    void identityRegisters() {
        long misa = csr(Csrs.MISA);
        assertEquals(2, misa >>> 62, "MXL = 64");
        for (char ext : "ACDFIMSU".toCharArray()) assertNotEquals(0, misa & (1L << (ext - 'A')), "misa." + ext);
        h.writeCsr(Csrs.MISA, 0);
        assertEquals(misa, csr(Csrs.MISA), "misa is not writable");
        assertEquals(0, csr(Csrs.MHARTID));
        assertEquals(0, csr(Csrs.MCONFIGPTR));
        // as QEMU 7.2's generic CPUs report them
        assertEquals(0, csr(Csrs.MVENDORID));
        assertEquals(0x07_02_00, csr(Csrs.MARCHID));
        assertEquals(0x07_02_00, csr(Csrs.MIMPID));
    }

    // ---- mstatus / sstatus ----

    @Test
    void mstatusWarlMask() {
        runIn(M, a -> {
            a.li(T0, -1);
            a.csrw(Csrs.MSTATUS, T0);
            a.csrr(A0, Csrs.MSTATUS);
            a.csrw(Csrs.MSTATUS, ZERO);
            a.csrr(A1, Csrs.MSTATUS);
        });
        assertNoTrap();
        assertEquals(SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR | XL64 | SD, h.x[A0]);
        assertEquals(XL64, h.x[A1], "UXL and SXL are read-only 64-bit; everything else cleared");
    }

    @Test
    void mstatusMppKeepsALegalValue() {
        h.writeCsr(Csrs.MSTATUS, 1L << 11); // S
        h.writeCsr(Csrs.MSTATUS, 2L << 11); // reserved
        assertEquals(1L << 11, csr(Csrs.MSTATUS) & MPP);
        h.writeCsr(Csrs.MSTATUS, 0);
        assertEquals(0, csr(Csrs.MSTATUS) & MPP, "U is supported");
    }

    @Test
    void sdSummarisesFs() {
        for (long fs = 0; fs < 4; fs++) {
            h.writeCsr(Csrs.MSTATUS, fs << 13);
            long ms = csr(Csrs.MSTATUS), ss = csr(Csrs.SSTATUS);
            assertEquals(fs << 13, ms & FS);
            assertEquals(fs == 3, (ms & SD) != 0, "mstatus.SD for FS=" + fs);
            assertEquals(fs == 3, (ss & SD) != 0, "sstatus.SD for FS=" + fs);
            assertEquals(0, ms & (3L << 15), "XS is read-only zero");
        }
    }

    @Test
    void sstatusIsARestrictedViewOfMstatus() {
        runIn(S, set(Csrs.MSTATUS, MPIE | TVM | TW), a -> {
            a.li(T0, -1);
            a.csrw(Csrs.SSTATUS, T0);
            a.csrr(A0, Csrs.SSTATUS);
            a.csrw(Csrs.SSTATUS, ZERO);
            a.csrr(A1, Csrs.SSTATUS);
            a.li(T0, SPP | SUM);
            a.csrs(Csrs.SSTATUS, T0);
        });
        assertNoTrap();
        assertEquals(SIE | SPIE | SPP | FS | SUM | MXR | (2L << 32) | SD, h.x[A0]);
        assertEquals(2L << 32, h.x[A1], "UXL is visible and read-only");
        long ms = csr(Csrs.MSTATUS);
        assertEquals(SPP | SUM, ms & (SIE | SPIE | SPP | FS | SUM | MXR));
        // the M-only fields are neither visible nor writable through sstatus (mret set MIE from MPIE)
        assertEquals(MIE | MPIE | TVM | TW, ms & (MIE | MPIE | TVM | TW | TSR | MPRV));
        assertEquals(0, ms & MPP, "mret to S left MPP = U");
    }

    // ---- interrupt enable / pending / delegation registers ----

    @Test
    void interruptRegisterMasks() {
        h.writeCsr(Csrs.MIE, -1);
        assertEquals(SSIP | MSIP | STIP | MTIP | SEIP | MEIP, csr(Csrs.MIE));
        h.writeCsr(Csrs.MIE, 0);
        h.writeCsr(Csrs.MIP, -1);
        assertEquals(SSIP | STIP | SEIP, csr(Csrs.MIP), "MSIP, MTIP, MEIP are read-only in mip");
        h.writeCsr(Csrs.MIDELEG, -1);
        assertEquals(SSIP | STIP | SEIP, csr(Csrs.MIDELEG), "only S-level interrupts can be delegated");
        h.writeCsr(Csrs.MEDELEG, -1);
        // every exception but ecall from M (and the reserved codes 10 and 14) can be delegated
        assertEquals(0b1011_0011_1111_1111L, csr(Csrs.MEDELEG));
    }

    @Test
    void sieAndSipOnlyReachDelegatedInterrupts() {
        h.writeCsr(Csrs.MIE, MSIP | MTIP | MEIP);
        h.writeCsr(Csrs.SIE, -1);
        assertEquals(0, csr(Csrs.SIE), "nothing delegated: sie is read-only zero");
        assertEquals(MSIP | MTIP | MEIP, csr(Csrs.MIE));
        h.writeCsr(Csrs.SIP, -1);
        assertEquals(0, csr(Csrs.MIP));

        h.writeCsr(Csrs.MIDELEG, SSIP | STIP | SEIP);
        h.writeCsr(Csrs.SIE, -1);
        assertEquals(SSIP | STIP | SEIP, csr(Csrs.SIE));
        assertEquals(SSIP | MSIP | STIP | MTIP | SEIP | MEIP, csr(Csrs.MIE));
        h.writeCsr(Csrs.SIE, 0);
        assertEquals(MSIP | MTIP | MEIP, csr(Csrs.MIE), "sie writes leave the M bits alone");

        h.writeCsr(Csrs.SIP, -1);
        assertEquals(SSIP, csr(Csrs.MIP), "only SSIP is writable through sip");
        h.writeCsr(Csrs.MIP, STIP | SEIP);
        assertEquals(STIP | SEIP, csr(Csrs.SIP));
        h.writeCsr(Csrs.SIP, 0);
        assertEquals(STIP | SEIP, csr(Csrs.MIP), "STIP and SEIP are read-only in sip");

        h.writeCsr(Csrs.MIDELEG, SSIP);
        assertEquals(0, csr(Csrs.SIP), "pending but not delegated: invisible in sip");
    }

    @Test
    void externalSeipLineIsNotLatchedByReadModifyWriteOfMip() {
        runIn(M, () -> {
            h.setInterruptLine(InterruptLines.SEIP, true);
            h.setInterruptLine(InterruptLines.MSIP, true);
        }, a -> {
            a.csrr(A1, Csrs.MIP);
            a.csrsi(Csrs.MIP, (int) SSIP);
            a.li(T0, STIP);
            a.csrc(Csrs.MIP, T0);
            a.csrr(A2, Csrs.MIP);
        });
        assertNoTrap();
        assertEquals(SEIP | MSIP, h.x[A1], "mip shows the lines");
        assertEquals(SEIP | MSIP | SSIP, h.x[A2]);
        h.setInterruptLine(InterruptLines.SEIP, false);
        h.setInterruptLine(InterruptLines.MSIP, false);
        assertEquals(SSIP, csr(Csrs.MIP), "the line's level was not written into the software SEIP bit");
    }

    // ---- trap vector and epc ----

    @Test
    void tvecModesTwoAndThreeAreIgnored() {
        for (int t : new int[] {Csrs.MTVEC, Csrs.STVEC}) {
            h.writeCsr(t, DATA | 1);
            assertEquals(DATA | 1, csr(t), "vectored mode is accepted");
            h.writeCsr(t, RAM_BASE | 2);
            assertEquals(DATA | 1, csr(t), "mode 2 write ignored");
            h.writeCsr(t, RAM_BASE | 3);
            assertEquals(DATA | 1, csr(t), "mode 3 write ignored");
            h.writeCsr(t, RAM_BASE);
            assertEquals(RAM_BASE, csr(t));
        }
    }

    @Test
    void epcBitZeroIsZero() {
        for (int e : new int[] {Csrs.MEPC, Csrs.SEPC}) {
            h.writeCsr(e, RAM_BASE + 1);
            assertEquals(RAM_BASE, csr(e));
            h.writeCsr(e, RAM_BASE + 3);
            assertEquals(RAM_BASE + 2, csr(e), "bit 1 is writable with C");
            h.writeCsr(e, -1);
            assertEquals(-2, csr(e));
        }
    }

    // ---- counters ----

    @Test
    void counterAccessFromSIsGatedByMcounteren() {
        for (int c : new int[] {Csrs.CYCLE, Csrs.TIME, Csrs.INSTRET, Csrs.HPMCOUNTER3}) {
            long bit = 1L << (c - Csrs.CYCLE);
            Consumer<Assembler> read = a -> a.csrr(A0, c);
            assertAllowedIn(M, read);
            assertIllegalIn(S, read);
            assertIllegalIn(S, set(Csrs.MCOUNTEREN, ~bit & 0xffff_ffffL), read);
            assertAllowedIn(S, set(Csrs.MCOUNTEREN, bit), read);
            assertAllowedIn(S, set(Csrs.SCOUNTEREN, ~0L, Csrs.MCOUNTEREN, bit), read);
        }
    }

    /**
     * The specification gates U-mode counter reads by mcounteren and scounteren; QEMU 7.2 does
     * not check either for U-mode and Linux 6.1 relies on it, so Ferry lets U read them all.
     */
    @Test
    void counterAccessFromUIsNotGatedAsOnQemu72() {
        for (int c : new int[] {Csrs.CYCLE, Csrs.TIME, Csrs.INSTRET, Csrs.HPMCOUNTER3}) {
            long bit = 1L << (c - Csrs.CYCLE);
            Consumer<Assembler> read = a -> a.csrr(A0, c);
            assertAllowedIn(U, read);
            assertAllowedIn(U, set(Csrs.MCOUNTEREN, bit), read);
            assertAllowedIn(U, set(Csrs.SCOUNTEREN, bit), read);
            assertAllowedIn(U, set(Csrs.MCOUNTEREN, bit, Csrs.SCOUNTEREN, bit), read);
        }
    }

    @Test
    void timeReadsTheGuestClock() {
        long t = runIn(S, () -> {
            m.clock.set(123_456);
            h.writeCsr(Csrs.MCOUNTEREN, 2);
        }, a -> a.rdtime(A0));
        assertEquals(123_456, t);
    }

    @Test
    void instretCountsRetiredInstructions() {
        runIn(M, a -> {
            a.csrr(A1, Csrs.MINSTRET);
            a.nop();
            a.nop();
            a.rdinstret(A2);
            a.sub(A0, A2, A1);
        });
        assertEquals(3, h.x[A0]);
    }

    @Test
    void mcountinhibitFreezesMinstretAndMcycle() {
        runIn(M, a -> {
            a.csrwi(Csrs.MCOUNTINHIBIT, 5); // CY and IR
            a.csrr(A1, Csrs.MINSTRET);
            a.csrr(A3, Csrs.MCYCLE);
            a.nop();
            a.nop();
            a.csrr(A2, Csrs.MINSTRET);
            a.csrr(A4, Csrs.MCYCLE);
            a.csrwi(Csrs.MCOUNTINHIBIT, 0);
            a.csrr(A5, Csrs.MINSTRET);
            a.nop();
            a.csrr(A6, Csrs.MINSTRET);
        });
        assertNoTrap();
        assertEquals(h.x[A1], h.x[A2], "minstret frozen");
        assertEquals(h.x[A3], h.x[A4], "mcycle frozen");
        assertEquals(2, h.x[A6] - h.x[A5], "counting again");
        h.writeCsr(Csrs.MCOUNTINHIBIT, -1);
        long v = csr(Csrs.MCOUNTINHIBIT);
        assertEquals(0, v & 2, "there is no inhibit bit for time");
        assertEquals(5, v & 5);
    }

    @Test
    void aValueWrittenToMinstretIsReadByTheNextInstruction() {
        runIn(M, a -> {
            a.li(T0, 1000);
            a.csrw(Csrs.MINSTRET, T0);
            a.csrr(A0, Csrs.MINSTRET);
            a.rdinstret(A1);
            a.csrw(Csrs.MCYCLE, T0);
            a.csrr(A2, Csrs.MCYCLE);
        });
        assertNoTrap();
        assertEquals(1000, h.x[A0]);
        assertEquals(1001, h.x[A1]);
        assertEquals(1000, h.x[A2]);
        // the same while inhibited
        h.writeCsr(Csrs.MCOUNTINHIBIT, 4);
        h.writeCsr(Csrs.MINSTRET, 77);
        assertEquals(77, csr(Csrs.MINSTRET));
    }

    @Test
    void hardwarePerformanceCountersAreHardWiredToZero() {
        for (int i = 3; i <= 31; i++) {
            h.writeCsr(Csrs.MHPMCOUNTER3 + i - 3, -1);
            h.writeCsr(Csrs.MHPMEVENT3 + i - 3, -1);
            assertEquals(0, csr(Csrs.MHPMCOUNTER3 + i - 3), "mhpmcounter" + i);
            assertEquals(0, csr(Csrs.MHPMEVENT3 + i - 3), "mhpmevent" + i);
            assertEquals(0, csr(Csrs.HPMCOUNTER3 + i - 3), "hpmcounter" + i);
        }
    }

    // ---- satp, TVM ----

    @Test
    void satpAcceptsOnlySupportedModes() {
        long ppn = (DATA >>> 12) | (0x1234L << 44);
        for (long mode : new long[] {8, 9, 10}) {
            h.writeCsr(Csrs.SATP, mode << 60 | ppn);
            assertEquals(mode << 60 | ppn, csr(Csrs.SATP), "mode " + mode);
        }
        h.writeCsr(Csrs.SATP, 8L << 60 | 5);
        for (long mode : new long[] {1, 2, 7, 11, 12, 15}) {
            h.writeCsr(Csrs.SATP, mode << 60 | ppn);
            assertEquals(8L << 60 | 5, csr(Csrs.SATP), "unsupported mode " + mode + " leaves satp unchanged");
        }
        h.writeCsr(Csrs.SATP, 0);
        assertEquals(0, csr(Csrs.SATP));
    }

    @Test
    void tvmTrapsSatpAndSfenceVmaInS() {
        Runnable tvm = set(Csrs.MSTATUS, TVM);
        assertIllegalIn(S, tvm, a -> a.csrr(A0, Csrs.SATP));
        assertIllegalIn(S, tvm, a -> a.csrw(Csrs.SATP, ZERO));
        assertIllegalIn(S, tvm, a -> a.sfence_vma());
        assertIllegalIn(S, tvm, a -> a.sfence_vma(A1, ZERO));
        assertAllowedIn(M, tvm, a -> a.csrr(A0, Csrs.SATP).csrw(Csrs.SATP, ZERO).sfence_vma());
        assertAllowedIn(S, a -> a.csrr(A0, Csrs.SATP).csrw(Csrs.SATP, ZERO).sfence_vma());
        assertIllegalIn(U, a -> a.sfence_vma());
    }

    // ---- Sstc ----

    @Test
    void stimecmpAccessNeedsStceAndTm() {
        Consumer<Assembler> read = a -> a.csrr(A0, Csrs.STIMECMP), write = a -> a.csrw(Csrs.STIMECMP, A1);
        assertAllowedIn(M, read);
        assertAllowedIn(M, write);
        assertIllegalIn(S, set(Csrs.MCOUNTEREN, 2), read);
        assertIllegalIn(S, set(Csrs.MENVCFG, STCE), write);
        assertAllowedIn(S, set(Csrs.MENVCFG, STCE, Csrs.MCOUNTEREN, 2), read);
        assertAllowedIn(S, set(Csrs.MENVCFG, STCE, Csrs.MCOUNTEREN, 2), write);
        assertIllegalIn(U, () -> {
            h.writeCsr(Csrs.MENVCFG, STCE);
            h.writeCsr(Csrs.MCOUNTEREN, 2);
            h.writeCsr(Csrs.SCOUNTEREN, 2);
        }, read);
    }

    @Test
    void stipFollowsStimecmpAndTheClock() {
        for (long now : new long[] {99, 100, 101}) {
            fresh();
            m.clock.set(now);
            h.writeCsr(Csrs.MENVCFG, STCE);
            a.li(T0, 100);
            a.csrw(Csrs.STIMECMP, T0);
            a.li(T0, STIP);
            a.csrc(Csrs.MIP, T0); // not writable under Sstc: no effect
            a.csrr(A0, Csrs.MIP);
            exitA0();
            assertEquals(now >= 100 ? STIP : 0, run() & STIP, "time " + now);
        }
        // without STCE the comparator does not drive STIP, which is software-writable again
        fresh();
        m.clock.set(1000);
        h.writeCsr(Csrs.STIMECMP, 0);
        assertEquals(0, csr(Csrs.MIP) & STIP);
        h.writeCsr(Csrs.MIP, STIP);
        assertEquals(STIP, csr(Csrs.MIP) & STIP);
    }

    @Test
    void envcfgMasks() {
        h.writeCsr(Csrs.MENVCFG, -1);
        assertEquals(STCE | 1, csr(Csrs.MENVCFG));
        h.writeCsr(Csrs.SENVCFG, -1);
        assertEquals(1, csr(Csrs.SENVCFG));
    }

    // ---- floating-point CSRs ----

    @Test
    void floatingPointCsrsNeedFsOn() {
        for (int c : new int[] {Csrs.FFLAGS, Csrs.FRM, Csrs.FCSR}) {
            assertIllegalIn(M, a -> a.csrr(A0, c));
            assertIllegalIn(U, a -> a.csrw(c, ZERO));
        }
    }

    @Test
    void writingFloatingPointCsrsSetsFsDirty() {
        runIn(U, set(Csrs.MSTATUS, 1L << 13) /* Initial */, a -> a.frflags(A0));
        assertNoTrap();
        assertEquals(1L << 13, csr(Csrs.MSTATUS) & FS, "reading leaves FS alone");

        fresh();
        h.writeCsr(Csrs.MSTATUS, 2L << 13); // Clean
        enter(U);
        a.li(T0, 0xff);
        a.fsflags(T0);
        a.frcsr(A1);
        a.li(T0, 6);
        a.fsrm(T0);
        a.frcsr(A2);
        a.li(T0, 0xfff);
        a.fscsr(T0);
        a.frflags(A3);
        a.frrm(A4);
        a.frcsr(A5);
        exitA0();
        run();
        assertNoTrap();
        assertEquals(0x1f, h.x[A1]);
        assertEquals(6 << 5 | 0x1f, h.x[A2]);
        assertEquals(0x1f, h.x[A3]);
        assertEquals(7, h.x[A4]);
        assertEquals(0xff, h.x[A5]);
        long ms = csr(Csrs.MSTATUS);
        assertEquals(FS, ms & FS, "Dirty");
        assertNotEquals(0, ms & SD);
    }

    // ---- CSRs that do not exist ----

    @Test
    void unimplementedCsrsAreIllegal() {
        for (int c : new int[] {0x3a1, 0x3a3, 0x3a4, 0x3c0, 0x7b0, 0x5c0, 0xfff, 0x015}) {
            assertIllegalIn(M, a -> a.csrr(A0, c));
        }
    }
}
