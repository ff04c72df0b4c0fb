package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The C extension instruction by instruction, and illegal encodings (reserved compressed forms,
 * bad funct fields, the all-zero and all-one words): each must raise illegal instruction with
 * mepc at the instruction and mtval holding exactly its bits (16 for a compressed parcel).
 */
class CompressedAndIllegalTest {
    static final long RAM_BASE = TestMachine.RAM_BASE;
    static final long DATA = RAM_BASE + 0x8000;
    private static TestMachine m;

    @BeforeAll
    static void start() {
        m = new TestMachine(1 << 20);
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    /**
     * Runs {@code body} (registers zero but sp = DATA, a1 = DATA) and returns a0 at its end, or
     * -1000 - mcause if it trapped to M.
     */
    static long exec(Consumer<Assembler> body) {
        m.reset();
        Assembler a = new Assembler(RAM_BASE);
        body.accept(a);
        TestMachine.exit(a, A0);
        a.align(4);
        Label handler = a.label();
        a.csrr(A0, Csrs.MCAUSE);
        a.li(A1, -1000);
        a.sub(A0, A1, A0);
        TestMachine.exit(a, A0);
        m.load(a);
        m.hart.writeCsr(Csrs.MTVEC, a.addressOf(handler));
        m.hart.x[SP] = DATA;
        m.hart.x[A1] = DATA;
        return m.run(10_000);
    }

    /** The instruction word(s) {@code body} assembles to (first 32 bits). */
    static int word(Consumer<Assembler> body) {
        Assembler a = new Assembler(0);
        body.accept(a);
        byte[] b = a.assemble();
        int w = 0;
        for (int i = 0; i < Math.min(4, b.length); i++) w |= (b[i] & 0xff) << (8 * i);
        return w;
    }

    // ---- compressed instructions ----

    record C(String name, Consumer<Assembler> body, long expected) {}

    @TestFactory
    Stream<DynamicTest> compressedInstructions() {
        List<C> cases = List.of(
                new C("c.addi4spn", a -> a.c_addi4spn(A0, 1020), DATA + 1020),
                new C("c.lw", a -> a.li(A2, 0x8765_4321L).sw(A2, 4, A1).c_lw(A0, 4, A1), (int) 0x8765_4321L),
                new C("c.ld", a -> a.li(A2, -5).sd(A2, 248, A1).c_ld(A0, 248, A1), -5),
                new C("c.sw", a -> a.li(A2, -1).sd(A2, 0, A1).li(A3, 0x1234_5678).c_sw(A3, 124, A1).lwu(A0, 124, A1), 0x1234_5678),
                new C("c.sd", a -> a.li(A3, 0x1122_3344_5566_7788L).c_sd(A3, 8, A1).ld(A0, 8, A1), 0x1122_3344_5566_7788L),
                new C("c.nop", a -> a.li(A0, 3).c_nop(), 3),
                new C("c.addi", a -> a.li(A0, 3).c_addi(A0, -32), -29),
                new C("c.addiw", a -> a.li(A0, 0x7fff_ffff).c_addiw(A0, 1), 0xffff_ffff_8000_0000L),
                new C("c.addiw", a -> a.li(A0, 0x1_0000_0005L).c_addiw(A0, 0), 5),
                new C("c.li", a -> a.c_li(A0, -32), -32),
                new C("c.li", a -> a.c_li(A0, 31), 31),
                new C("c.addi16sp", a -> a.c_addi16sp(-512).mv(A0, SP), DATA - 512),
                new C("c.addi16sp", a -> a.c_addi16sp(496).mv(A0, SP), DATA + 496),
                new C("c.lui", a -> a.c_lui(A0, 1), 0x1000),
                new C("c.lui", a -> a.c_lui(A0, 0xfffe0), 0xffff_ffff_fffe_0000L),
                new C("c.lui", a -> a.c_lui(A0, 31), 0x1_f000),
                new C("c.srli", a -> a.li(A0, -1).c_srli(A0, 63), 1),
                new C("c.srli", a -> a.li(A0, -1).c_srli(A0, 1), Long.MAX_VALUE),
                new C("c.srai", a -> a.li(A0, Long.MIN_VALUE).c_srai(A0, 63), -1),
                new C("c.andi", a -> a.li(A0, -1).c_andi(A0, -32), -32),
                new C("c.andi", a -> a.li(A0, 0xff).c_andi(A0, 0x1f), 0x1f),
                new C("c.sub", a -> a.li(A0, 5).li(A2, 7).c_sub(A0, A2), -2),
                new C("c.xor", a -> a.li(A0, 0xff).li(A2, 0x0f).c_xor(A0, A2), 0xf0),
                new C("c.or", a -> a.li(A0, 0xf0).li(A2, 0x0f).c_or(A0, A2), 0xff),
                new C("c.and", a -> a.li(A0, 0xff).li(A2, 0x3c).c_and(A0, A2), 0x3c),
                new C("c.subw", a -> a.li(A0, 0x8000_0000L).li(A2, 1).c_subw(A0, A2), 0x7fff_ffff),
                new C("c.subw", a -> a.li(A0, 0).li(A2, 1).c_subw(A0, A2), -1),
                new C("c.addw", a -> a.li(A0, 0x7fff_ffff).li(A2, 1).c_addw(A0, A2), 0xffff_ffff_8000_0000L),
                new C("c.slli", a -> a.li(A0, 1).c_slli(A0, 63), Long.MIN_VALUE),
                new C("c.slli", a -> a.li(A0, 3).c_slli(A0, 4), 48),
                new C("c.lwsp", a -> a.li(A2, 0xffff_fffeL).sw(A2, 252, SP).c_lwsp(A0, 252), -2),
                new C("c.ldsp", a -> a.li(A2, 0x0123_4567_89ab_cdefL).sd(A2, 504, SP).c_ldsp(A0, 504), 0x0123_4567_89ab_cdefL),
                new C("c.swsp", a -> a.li(A2, -1).sd(A2, 0, SP).li(A3, 0x55).c_swsp(A3, 252).lwu(A0, 252, SP), 0x55),
                new C("c.sdsp", a -> a.li(A3, -7).c_sdsp(A3, 504).ld(A0, 504, SP), -7),
                new C("c.mv", a -> a.li(A2, 42).c_mv(A0, A2), 42),
                new C("c.add", a -> a.li(A0, 40).li(A2, 2).c_add(A0, A2), 42));
        return cases.stream().map(k -> DynamicTest.dynamicTest(k.name,
                () -> assertEquals(k.expected, exec(k.body), k.name)));
    }

    @Test
    void compressedHintsExecuteAsNoOps() {
        // c.addi x0,1; c.li x0,1; c.lui x0,1; c.mv x0,a0; c.add x0,a0; c.slli x0,1; c.slli a0,0;
        // c.addi a0,0; c.srli a0,0; c.srai a0,0
        int[] hints = {0x0005, 0x4005, 0x6005, 0x802a, 0x902a, 0x0006, 0x0502, 0x0501, 0x8101, 0x8501};
        long r = exec(a -> {
            a.li(A0, -5);
            for (int hint : hints) a.emit16(hint);
            a.add(A0, A0, ZERO);
        });
        assertEquals(-5, r);
    }

    @Test
    void compressedJumpsAndBranches() {
        // c.j forwards and backwards
        assertEquals(7, exec(a -> {
            Label fwd = a.newLabel(), back = a.newLabel(), end = a.newLabel();
            a.c_j(fwd);
            a.bind(back);
            a.li(A0, 7);
            a.c_j(end);
            a.bind(fwd);
            a.li(A0, 1);
            a.c_j(back);
            a.bind(end);
        }));
        // c.beqz / c.bnez taken and not taken
        for (long v : new long[] {0, 1, -1}) {
            assertEquals(v == 0 ? 1 : 0, exec(a -> {
                Label t = a.newLabel(), end = a.newLabel();
                a.li(A2, v);
                a.c_beqz(A2, t);
                a.li(A0, 0);
                a.c_j(end);
                a.bind(t);
                a.li(A0, 1);
                a.bind(end);
            }), "c.beqz " + v);
            assertEquals(v != 0 ? 1 : 0, exec(a -> {
                Label t = a.newLabel(), end = a.newLabel();
                a.li(A2, v);
                a.c_bnez(A2, t);
                a.li(A0, 0);
                a.c_j(end);
                a.bind(t);
                a.li(A0, 1);
                a.bind(end);
            }), "c.bnez " + v);
        }
    }

    @Test
    void compressedJrAndJalr() {
        // c.jalr links pc + 2
        long r = exec(a -> {
            Label f = a.newLabel();
            a.la(A2, f);          // 8 bytes
            a.c_jalr(A2);         // at +8, links +10
            a.li(A0, -1);
            TestMachine.exit(a, A0);
            a.bind(f);
            a.mv(A0, RA);
        });
        assertEquals(RAM_BASE + 10, r);
        // c.jr does not link
        r = exec(a -> {
            Label f = a.newLabel();
            a.li(RA, 5);
            a.la(A2, f);
            a.c_jr(A2);
            a.li(A0, -1);
            TestMachine.exit(a, A0);
            a.bind(f);
            a.mv(A0, RA);
        });
        assertEquals(5, r);
    }

    @Test
    void compressedEbreak() {
        assertEquals(-1000 - Trap.BREAKPOINT, exec(a -> a.nop().c_ebreak()));
        assertEquals(RAM_BASE + 4, m.hart.mepc);
        assertEquals(0, m.hart.mtval);
    }

    @Test
    void fullSizeInstructionsAtHalfwordAlignmentAndAcrossAPage() {
        assertEquals(12, exec(a -> a.c_nop().li(A0, 5).addi(A0, A0, 7)));
        // a 32-bit instruction whose halves sit in two pages (M-mode, no translation)
        long r = exec(a -> {
            while (a.size() < 0xffe - 8) a.c_nop();
            a.li(A0, 0);          // 4 bytes
            a.c_nop();            // now 2 bytes before the page boundary
            a.c_nop();
            a.addi(A0, A0, 9);    // spans the boundary
        });
        assertEquals(9, r);
    }

    // ---- illegal encodings ----

    record Illegal(String name, int bits, boolean compressed) {}

    private static Illegal i32(String name, int bits) {
        return new Illegal(name, bits, false);
    }

    private static Illegal i16(String name, int bits) {
        return new Illegal(name, bits, true);
    }

    @TestFactory
    Stream<DynamicTest> illegalEncodings() {
        int slli = word(a -> a.slli(A0, A1, 1)), srli = word(a -> a.srli(A0, A1, 1)), srai = word(a -> a.srai(A0, A1, 1));
        int slliw = word(a -> a.slliw(A0, A1, 1)), srliw = word(a -> a.srliw(A0, A1, 1)), sraiw = word(a -> a.sraiw(A0, A1, 1));
        int add = word(a -> a.add(A0, A1, A2)), addw = word(a -> a.addw(A0, A1, A2));
        int ld = word(a -> a.ld(A0, 0, A1)), sd = word(a -> a.sd(A2, 0, A1)), beq = word(a -> a.beq(A1, A2, 8));
        int jalr = word(a -> a.jalr(A0, A1, 0)), fence = word(a -> a.fence()), ecall = word(a -> a.ecall());
        int amoadd = word(a -> a.amoadd_d(A0, A2, A1)), lr = word(a -> a.lr_d(A0, A1));
        int clz = word(a -> a.clz(A0, A1)), orcb = word(a -> a.orc_b(A0, A1));
        List<Illegal> cases = List.of(
                i16("all zero (c.addi4spn, nzuimm 0)", 0x0000),
                i16("c.addi4spn rd'=x9, nzuimm 0", 0x0004),
                i16("c.lui a0, 0", 0x6501),
                i16("c.addi16sp 0", 0x6101),
                i16("c.jr x0", 0x8002),
                i16("c.lwsp x0", 0x4002),
                i16("c.ldsp x0", 0x6002),
                i16("c.addiw x0", 0x2001),
                i16("reserved CA (funct 100111, 10)", 0x9c41),
                i16("reserved CA (funct 100111, 11)", 0x9c61),
                i16("quadrant 0 funct3 100", 0x8000),
                i32("all ones", 0xffff_ffff),
                i32("slli funct6 000001", slli | 1 << 26),
                i32("srli funct6 100000", srli | 1 << 31),
                i32("srai funct6 010001", srai | 1 << 26),
                i32("slliw shamt[5]", slliw | 1 << 25),
                i32("srliw shamt[5]", srliw | 1 << 25),
                i32("sraiw shamt[5]", sraiw | 1 << 25),
                i32("OP funct7 0000010", add | 0x02 << 25),
                i32("OP funct7 0000101 funct3 000", add | 0x05 << 25),
                i32("OP funct7 0100000 funct3 001", add | 0x20 << 25 | 1 << 12),
                i32("OP funct7 0000100 (zext.h of RV32)", 0x0805_c533),
                i32("OP-32 funct3 010", addw | 2 << 12),
                i32("OP-32 M funct3 001 (no mulhw)", addw | 0x01 << 25 | 1 << 12),
                i32("OP-32 funct7 0000100 funct3 100 rs2!=0 (packw)", addw | 0x04 << 25 | 4 << 12),
                i32("load funct3 111", ld | 7 << 12),
                i32("store funct3 100", (sd & ~(7 << 12)) | 4 << 12),
                i32("branch funct3 010", (beq & ~(7 << 12)) | 2 << 12),
                i32("jalr funct3 001", jalr | 1 << 12),
                i32("misc-mem funct3 111", fence | 7 << 12),
                i32("system funct3 100", 0x0000_4073),
                i32("ecall rd != 0", ecall | A0 << 7),
                i32("ecall rs1 != 0", ecall | A1 << 15),
                i32("dret (no debug mode)", 0x7b20_0073),
                i32("wfi rd != 0", word(a -> a.wfi()) | A0 << 7),
                i32("mret rs1 != 0", word(a -> a.mret()) | A1 << 15),
                i32("sfence.vma rd != 0", word(a -> a.sfence_vma()) | A0 << 7),
                i32("AMO funct3 000", amoadd & ~(7 << 12)),
                i32("AMO funct3 100", (amoadd & ~(7 << 12)) | 4 << 12),
                i32("AMO funct5 00101", (amoadd & ~(0x1f << 27)) | 0x05 << 27),
                i32("AMO funct5 11111", (amoadd & ~(0x1f << 27)) | 0x1f << 27),
                i32("lr.d rs2 != 0", lr | A2 << 20),
                i32("clz rs2 = 3", clz | 3 << 20),
                i32("sext with rs2 = 6", clz | 6 << 20),
                i32("rev8 of RV32 (0x698)", (orcb & 0xfffff) | 0x698 << 20),
                i32("orc.b with shamt 6", (orcb & 0xfffff) | 0x286 << 20),
                i32("csrrw of a CSR that does not exist (0x5c0)", word(a -> a.csrrw(A0, 0x5c0, A1))),
                i32("pmpcfg1 (odd pmpcfg on RV64)", word(a -> a.csrr(A0, 0x3a1))),
                i32("unimp (csrrw x0, cycle, x0)", word(a -> a.unimp())));
        return cases.stream().map(k -> DynamicTest.dynamicTest(k.name, () -> {
            // a1 = 0: an AMO that got as far as memory would fault on the unmapped address instead
            long r = exec(a -> {
                a.li(A1, 0);
                if (k.compressed) a.emit16(k.bits);
                else a.emit32(k.bits);
            });
            assertEquals(-1000 - Trap.ILLEGAL, r, k.name + ": mcause");
            assertEquals(RAM_BASE + 4, m.hart.mepc, k.name + ": mepc");
            assertEquals(k.compressed ? k.bits & 0xffffL : k.bits & 0xffff_ffffL, m.hart.mtval, k.name + ": mtval");
        }));
    }

    @Test
    void floatingPointLoadsAndStoresAreIllegalWithFsOff() {
        // FS is Off after reset
        for (int bits : new int[] {word(a -> a.fld(0, 0, A1)), word(a -> a.fsw(0, 0, A1))}) {
            assertEquals(-1000 - Trap.ILLEGAL, exec(a -> a.emit32(bits)));
            assertEquals(bits & 0xffff_ffffL, m.hart.mtval);
        }
        int cfld = word(a -> a.c_fld(8, 8, A1)) & 0xffff;
        assertEquals(-1000 - Trap.ILLEGAL, exec(a -> a.emit16(cfld)));
        assertEquals(cfld, m.hart.mtval);
        int cfsdsp = word(a -> a.c_fsdsp(1, 8)) & 0xffff;
        assertEquals(-1000 - Trap.ILLEGAL, exec(a -> a.emit16(cfsdsp)));
        assertEquals(cfsdsp, m.hart.mtval);
    }
}
