package dev.ferry.asm;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Labels and fixups (branches, jumps, la/call/tail, compressed jumps, absolute data words), data
 * directives, and error reporting. Expected bytes come from GNU as + ld (binutils 2.40, norelax,
 * linked at 0x80000000) for the assembly quoted in each test.
 */
class LabelTest {

    static final long ORG = 0x8000_0000L;

    /*
     * _start: beq a0, a1, fwd
     * back:   addi a0, a0, 1
     *         bne a0, a1, back
     *         jal ra, fwd
     *         j back
     *         la a0, data
     *         call func
     *         tail func
     *         c.j back
     *         c.beqz a0, back
     *         c.bnez s0, fwd
     *         c.j fwd
     *         bltu t0, t1, fwd
     *         jal back
     * fwd:    nop
     * func:   ret
     *         .balign 8, 0
     * data:   .dword data
     *         .word fwd
     *         .half 0x1234
     *         .byte 0x56
     *         .asciz "hi"
     *         .balign 4, 0
     *         lui a0, 0x12345
     */
    static final String PROGRAM1 = "630eb50213051500e31eb5feef0000036ff05fff170500001305450397000000e7804002"
            + "170300006700c301e1bf79d911e429a063e46200eff0dffc13000000678000000000000048000080000000003c000080"
            + "341256686900000037553412";

    @Test
    void forwardAndBackwardReferencesMatchGnuAs() {
        Assembler a = new Assembler(ORG);
        Label back = a.newLabel("back"), fwd = a.newLabel("fwd"), func = a.newLabel("func"), data = a.newLabel("data");
        a.beq(A0, A1, fwd);
        a.bind(back);
        a.addi(A0, A0, 1);
        a.bne(A0, A1, back);
        a.jal(RA, fwd);
        a.j(back);
        a.la(A0, data);
        a.call(func);
        a.tail(func);
        a.c_j(back);
        a.c_beqz(A0, back);
        a.c_bnez(S0, fwd);
        a.c_j(fwd);
        a.bltu(T0, T1, fwd);
        a.jal(back);
        a.bind(fwd);
        a.nop();
        a.bind(func);
        a.ret();
        a.align(8);
        a.bind(data);
        a.dword(data);
        a.word(fwd);
        a.half(0x1234);
        a.bytes(0x56);
        a.asciz("hi");
        a.align(4);
        a.lui(A0, 0x12345);
        assertEquals(PROGRAM1, HexFormat.of().formatHex(a.assemble()));
        assertEquals(ORG + 4, a.addressOf(back));
        assertEquals(ORG + 0x3c, a.addressOf(fwd));
        assertEquals(ORG + 0x48, a.addressOf(data));
        assertEquals(ORG + 0x60, a.here());
        assertEquals(0x60, a.size());
    }

    /*
     * _start: la a0, far
     *         call far
     *         tail far
     *         .zero 0x1237f6
     * far:    la a2, _start
     *         call _start
     *         ret
     */
    @Test
    void pcRelativePairsReachBeyondJalRangeBothWays() {
        Assembler a = new Assembler(ORG);
        Label start = a.label();
        Label far = a.newLabel();
        a.la(A0, far).call(far).tail(far).zero(0x1237f6);
        a.bind(far);
        a.lla(A2, start).call(start).ret();
        byte[] b = a.assemble();
        HexFormat hex = HexFormat.of();
        assertEquals(0x1237f6 + 24 + 20, b.length);
        assertEquals("174512001305e58097401200e7806080173312006700e37f", hex.formatHex(b, 0, 24));
        assertEquals("17c6edff1306267f97c0edffe780a07e67800000", hex.formatHex(b, b.length - 20, b.length));
        // a jal cannot get there
        Assembler j = new Assembler(ORG);
        Label l = j.newLabel();
        j.jal(RA, l).zero(0x1237f6).bind(l);
        assertError("out of range", j::assemble);
    }

    @Test
    void branchRangeLimitsAreExact() {
        // forward: +4094 is the last reachable offset
        assertEquals(0x7eb50fe3, firstWord(branchOver(4094)));
        assertError("out of range", () -> branchOver(4096).assemble());
        // backward: -4096 is the first reachable offset
        Assembler a = new Assembler(ORG);
        Label top = a.label();
        a.zero(4096).beq(A0, A1, top);
        byte[] b = a.assemble();
        assertEquals(0x80b50063, word(b, 4096));
        Assembler c = new Assembler(ORG);
        Label top2 = c.label();
        c.zero(4098).beq(A0, A1, top2);
        assertError("out of range", c::assemble);
    }

    @Test
    void jalAndCompressedRangeLimits() {
        Assembler a = new Assembler(ORG);
        Label l = a.newLabel();
        a.jal(ZERO, l).zero((1 << 20) - 2 - 4).bind(l);
        assertEquals(0x7ffff06f, word(a.assemble(), 0));
        Assembler b = new Assembler(ORG);
        Label m = b.newLabel();
        b.jal(ZERO, m).zero((1 << 20) - 4).bind(m);
        assertError("jal", b::assemble);

        Assembler c = new Assembler(ORG);
        Label n = c.newLabel();
        c.c_j(n).zero(2046 - 2).bind(n);
        assertEquals(0xaffd, half(c.assemble(), 0));
        Assembler d = new Assembler(ORG);
        Label o = d.newLabel();
        d.c_j(o).zero(2048 - 2).bind(o);
        assertError("c.j", d::assemble);

        Assembler e = new Assembler(ORG);
        Label p = e.label();
        e.zero(256).c_beqz(S0, p);
        assertEquals(0xd001, half(e.assemble(), 256));
        Assembler f = new Assembler(ORG);
        Label q = f.label();
        f.zero(258).c_bnez(S0, q);
        assertError("c.bnez", f::assemble);
    }

    @Test
    void labelErrors() {
        Assembler a = new Assembler(ORG);
        Label nowhere = a.newLabel("nowhere");
        a.beq(A0, A1, nowhere);
        assertError("nowhere is not bound", a::assemble);
        assertError("not bound", () -> a.addressOf(nowhere));

        Assembler b = new Assembler(ORG);
        Label twice = b.label();
        assertError("already bound", () -> b.bind(twice));

        Assembler other = new Assembler(ORG);
        Label foreign = other.newLabel();
        assertError("another assembler", () -> b.j(foreign));
        assertError("another assembler", () -> b.bind(foreign));

        // a target at an odd address cannot be reached by any jump or branch
        Assembler c = new Assembler(ORG);
        Label odd = c.newLabel();
        c.beq(A0, A1, odd).bytes(0).bind(odd);
        assertError("misaligned", c::assemble);
        Assembler d = new Assembler(ORG);
        Label odd2 = d.newLabel();
        d.call(odd2).bytes(0).bind(odd2);
        assertError("misaligned", d::assemble);
        // but la may point at any byte: auipc a0, 0; addi a0, a0, 9
        Assembler g = new Assembler(ORG);
        Label text = g.newLabel();
        g.la(A0, text).bytes(0).bind(text).asciz("x");
        assertEquals(0x00000517, word(g.assemble(), 0));
        assertEquals(0x00950513, word(g.assemble(), 4));

        // an absolute 32-bit word must hold the address
        Assembler e = new Assembler(0x1_0000_0000L);
        Label hi = e.label();
        e.word(hi);
        assertError("32 bits", e::assemble);
        Assembler f = new Assembler(0x1_0000_0000L);
        Label there = f.label();
        f.dword(there);
        assertEquals(0x1_0000_0000L, longAt(f.assemble(), 0));
    }

    @Test
    void assembleCanBeRepeatedAndBuildingContinues() {
        Assembler a = new Assembler(ORG);
        Label end = a.newLabel();
        a.j(end);
        a.bind(end);
        byte[] first = a.assemble();
        assertArrayEquals(first, a.assemble());
        Label back = a.label();
        a.j(back);
        byte[] second = a.assemble();
        assertEquals(0x0040006f, word(second, 0));
        assertEquals(0x0000006f, word(second, 4));
    }

    @Test
    void dataDirectives() {
        Assembler a = new Assembler(0x1001);
        a.bytes(1).align(4);
        assertEquals(0x1004, a.here());
        a.align(4).word(0xdeadbeef).half(0xbeef).half(-1).dword(0x0102030405060708L).bytes(new byte[] {9, 10})
                .bytes(-1, 255).zero(3).ascii("ok").asciz("é").emit16(0xffff).emit32(0);
        assertEquals("010000" + "efbeadde" + "efbe" + "ffff" + "0807060504030201" + "090a" + "ffff" + "000000" + "6f6b"
                + "c3a900" + "ffff" + "00000000",
                HexFormat.of().formatHex(a.assemble()));
        assertError("power of two", () -> a.align(3));
        assertError("zero", () -> a.zero(-1));
        assertError("16 bits", () -> a.half(0x10000));
        assertError("byte", () -> a.bytes(256));
        assertError("16 bits", () -> a.emit16(0x1_0000));
    }

    @Test
    void rawEncodingsAreEmittedVerbatim() {
        Assembler a = new Assembler(ORG);
        a.emit32(0xffffffff).emit16(0x0000).emit32(0x0000007f).c_unimp();
        assertEquals("ffffffff00007f0000000000", HexFormat.of().formatHex(a.assemble()));
    }

    @Test
    void immediateAndOperandErrors() {
        Assembler a = new Assembler(ORG);
        assertError("addi: immediate 2048 out of range [-2048, 2047]", () -> a.addi(A0, A0, 2048));
        assertError("lw: immediate -2049", () -> a.lw(A0, -2049, SP));
        assertError("sd: immediate 4096", () -> a.sd(A0, 4096, SP));
        assertError("slli: shift amount 64", () -> a.slli(A0, A0, 64));
        assertError("slliw: shift amount 32", () -> a.slliw(A0, A0, 32));
        assertError("rori: shift amount -1", () -> a.rori(A0, A0, -1));
        assertError("bseti: shift amount 64", () -> a.bseti(A0, A0, 64));
        assertError("lui: immediate", () -> a.lui(A0, 0x100000));
        assertError("auipc: immediate", () -> a.auipc(A0, -0x80001));
        assertError("beq: offset 3 is odd", () -> a.beq(A0, A1, 3));
        assertError("bne: offset 4096 out of range", () -> a.bne(A0, A1, 4096));
        assertError("jal: offset 1048576 out of range", () -> a.jal(RA, 1 << 20));
        assertError("csrrw: CSR number", () -> a.csrrw(A0, 0x1000, A1));
        assertError("csrrwi: immediate 32", () -> a.csrrwi(A0, Csr.MSTATUS, 32));
        assertError("add: no register 32", () -> a.add(32, A0, A0));
        assertError("no register -1", () -> a.fadd_d(FReg.FA0, -1, FReg.FA1));
        assertError("rounding mode 8", () -> a.fadd_s(0, 0, 0, 8));
        assertError("fence: bad set", () -> a.fence("rwx", "rw"));
        assertError("fence: sets", () -> a.fence(16, 0));
        assertError("c.addi: immediate 32", () -> a.c_addi(A0, 32));
        assertError("c.addi4spn: register 2", () -> a.c_addi4spn(SP, 4));
        assertError("c.addi4spn: immediate 0", () -> a.c_addi4spn(A0, 0));
        assertError("c.addi4spn: immediate 6", () -> a.c_addi4spn(A0, 6));
        assertError("c.addi16sp: immediate 0", () -> a.c_addi16sp(0));
        assertError("c.addi16sp: immediate 8", () -> a.c_addi16sp(8));
        assertError("c.addi16sp: immediate 512", () -> a.c_addi16sp(512));
        assertError("c.lui: rd", () -> a.c_lui(SP, 1));
        assertError("c.lui: rd", () -> a.c_lui(ZERO, 1));
        assertError("c.lui: immediate 0", () -> a.c_lui(A0, 0));
        assertError("c.lui: immediate 32", () -> a.c_lui(A0, 32));
        assertError("c.addiw: rd", () -> a.c_addiw(ZERO, 1));
        assertError("c.lw: offset 2", () -> a.c_lw(A0, 2, A1));
        assertError("c.lw: offset 128", () -> a.c_lw(A0, 128, A1));
        assertError("c.ld: offset 4", () -> a.c_ld(A0, 4, A1));
        assertError("c.sd: register 1 is not", () -> a.c_sd(RA, 0, A1));
        assertError("c.ldsp: offset 512", () -> a.c_ldsp(A0, 512));
        assertError("c.ldsp: rd", () -> a.c_ldsp(ZERO, 0));
        assertError("c.lwsp: rd", () -> a.c_lwsp(ZERO, 0));
        assertError("c.swsp: offset 2", () -> a.c_swsp(A0, 2));
        assertError("c.fsdsp: offset 4", () -> a.c_fsdsp(FReg.FA0, 4));
        assertError("c.jr: rs1", () -> a.c_jr(ZERO));
        assertError("c.jalr: rs1", () -> a.c_jalr(ZERO));
        assertError("c.mv: rs2", () -> a.c_mv(A0, ZERO));
        assertError("c.add: rs2", () -> a.c_add(A0, ZERO));
        assertError("c.srli: shift amount 64", () -> a.c_srli(A0, 64));
        assertError("c.and: register 16", () -> a.c_and(A0, A6));
        assertError("c.j: offset 2048", () -> a.c_j(2048));
        assertError("c.beqz: offset -258", () -> a.c_beqz(A0, -258));
        assertError("c.bnez: offset 1 is odd", () -> a.c_bnez(A0, 1));
        assertEquals(0, a.size(), "nothing was emitted by the failed calls");
    }

    @Test
    void registerAndCsrTables() {
        assertEquals(31, Reg.X(31));
        assertEquals(S0, FP);
        assertEquals("s11", Reg.name(S11));
        assertEquals("ft11", FReg.name(FReg.FT11));
        assertEquals(17, FReg.F(17));
        assertThrows(IllegalArgumentException.class, () -> Reg.X(32));
        assertThrows(IllegalArgumentException.class, () -> FReg.F(-1));
        assertEquals(0x3b5, Csr.pmpaddr(5));
        assertEquals(Csr.PMPADDR15, 0x3bf);
        assertEquals(0x3a2, Csr.pmpcfg(2));
        assertEquals(Csr.PMPCFG2, 0x3a2);
        assertThrows(IllegalArgumentException.class, () -> Csr.pmpcfg(1));
        assertEquals(0xb03, Csr.mhpmcounter(3));
        assertEquals(Csr.MHPMEVENT3, 0x323);
        assertEquals(Csr.MHPMEVENT31, Csr.mhpmevent(31));
        assertEquals(0xc1f, Csr.hpmcounter(31));
        assertEquals(0x30a, Csr.MENVCFG);
        assertEquals(0x10a, Csr.SENVCFG);
        assertEquals(0x14d, Csr.STIMECMP);
        assertEquals(0xf15, Csr.MCONFIGPTR);
        assertEquals(0x320, Csr.MCOUNTINHIBIT);
    }

    // helpers

    static Assembler branchOver(int distance) {
        Assembler a = new Assembler(ORG);
        Label l = a.newLabel();
        a.beq(A0, A1, l).zero(distance - 4).bind(l);
        return a;
    }

    static int firstWord(Assembler a) {
        return word(a.assemble(), 0);
    }

    static int word(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    static int half(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    static long longAt(byte[] b, int at) {
        return (word(b, at) & 0xffffffffL) | (long) word(b, at + 4) << 32;
    }

    static void assertError(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
    }
}
