package dev.ferry.asm;

import static dev.ferry.asm.Assembler.*;
import static dev.ferry.asm.FReg.*;
import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Encodings of every compressed (RVC) instruction form, including immediate boundaries.
 * The expected words were produced by GNU as (binutils 2.40,
 * -march=rv64gc_zba_zbb_zbc_zbs_zihintpause) from the assembly text of each case.
 */
class CompressedEncodingTest {

    record Case(String asm, int expected, Consumer<Assembler> emit) {}

    static Case c(String asm, int expected, Consumer<Assembler> emit) {
        return new Case(asm, expected, emit);
    }

    static final List<Case> CASES = List.of(
            c("c.addi4spn a0, sp, 4", 0x0048, a -> a.c_addi4spn(A0, 4)),
            c("c.addi4spn s0, sp, 1020", 0x1fe0, a -> a.c_addi4spn(S0, 1020)),
            c("c.addi4spn a5, sp, 512", 0x041c, a -> a.c_addi4spn(A5, 512)),
            c("c.fld fa0, 0(a1)", 0x2188, a -> a.c_fld(FA0, 0, A1)),
            c("c.fld fs0, 248(a5)", 0x3fe0, a -> a.c_fld(FS0, 248, A5)),
            c("c.lw a0, 0(a1)", 0x4188, a -> a.c_lw(A0, 0, A1)),
            c("c.lw a5, 124(s0)", 0x5c7c, a -> a.c_lw(A5, 124, S0)),
            c("c.lw s1, 4(a0)", 0x4144, a -> a.c_lw(S1, 4, A0)),
            c("c.lw a2, 64(a3)", 0x42b0, a -> a.c_lw(A2, 64, A3)),
            c("c.ld a0, 0(a1)", 0x6188, a -> a.c_ld(A0, 0, A1)),
            c("c.ld a5, 248(s0)", 0x7c7c, a -> a.c_ld(A5, 248, S0)),
            c("c.ld s1, 8(a0)", 0x6504, a -> a.c_ld(S1, 8, A0)),
            c("c.ld a2, 128(a3)", 0x62d0, a -> a.c_ld(A2, 128, A3)),
            c("c.fsd fa0, 8(a1)", 0xa588, a -> a.c_fsd(FA0, 8, A1)),
            c("c.fsd fs1, 240(a5)", 0xbbe4, a -> a.c_fsd(FS1, 240, A5)),
            c("c.sw a0, 4(a1)", 0xc1c8, a -> a.c_sw(A0, 4, A1)),
            c("c.sw a5, 124(s0)", 0xdc7c, a -> a.c_sw(A5, 124, S0)),
            c("c.sd a0, 16(a1)", 0xe988, a -> a.c_sd(A0, 16, A1)),
            c("c.sd a5, 248(s0)", 0xfc7c, a -> a.c_sd(A5, 248, S0)),
            c("c.nop", 0x0001, a -> a.c_nop()),
            c("c.addi a0, 1", 0x0505, a -> a.c_addi(A0, 1)),
            c("c.addi t6, -32", 0x1f81, a -> a.c_addi(T6, -32)),
            c("c.addi s11, 31", 0x0dfd, a -> a.c_addi(S11, 31)),
            c("c.addi sp, -16", 0x1141, a -> a.c_addi(SP, -16)),
            c("c.addiw a0, 1", 0x2505, a -> a.c_addiw(A0, 1)),
            c("c.addiw a0, -1", 0x357d, a -> a.c_addiw(A0, -1)),
            c("c.addiw t6, 31", 0x2ffd, a -> a.c_addiw(T6, 31)),
            c("c.li a0, 0", 0x4501, a -> a.c_li(A0, 0)),
            c("c.li a0, -32", 0x5501, a -> a.c_li(A0, -32)),
            c("c.li t6, 31", 0x4ffd, a -> a.c_li(T6, 31)),
            c("c.addi16sp sp, 16", 0x6141, a -> a.c_addi16sp(16)),
            c("c.addi16sp sp, -512", 0x7101, a -> a.c_addi16sp(-512)),
            c("c.addi16sp sp, 496", 0x617d, a -> a.c_addi16sp(496)),
            c("c.addi16sp sp, 272", 0x6151, a -> a.c_addi16sp(272)),
            c("c.lui a0, 1", 0x6505, a -> a.c_lui(A0, 1)),
            c("c.lui t6, 31", 0x6ffd, a -> a.c_lui(T6, 31)),
            c("c.lui a0, 0xfffe0", 0x7501, a -> a.c_lui(A0, 0xfffe0)),
            c("c.lui ra, 0xfffff", 0x70fd, a -> a.c_lui(RA, 0xfffff)),
            c("c.srli a0, 1", 0x8105, a -> a.c_srli(A0, 1)),
            c("c.srli s0, 63", 0x907d, a -> a.c_srli(S0, 63)),
            c("c.srli a5, 32", 0x9381, a -> a.c_srli(A5, 32)),
            c("c.srai a0, 1", 0x8505, a -> a.c_srai(A0, 1)),
            c("c.srai s1, 63", 0x94fd, a -> a.c_srai(S1, 63)),
            c("c.andi a0, -1", 0x997d, a -> a.c_andi(A0, -1)),
            c("c.andi a5, 31", 0x8bfd, a -> a.c_andi(A5, 31)),
            c("c.andi s0, -32", 0x9801, a -> a.c_andi(S0, -32)),
            c("c.andi a0, 0", 0x8901, a -> a.c_andi(A0, 0)),
            c("c.sub a0, a1", 0x8d0d, a -> a.c_sub(A0, A1)),
            c("c.sub s0, a5", 0x8c1d, a -> a.c_sub(S0, A5)),
            c("c.xor a0, a1", 0x8d2d, a -> a.c_xor(A0, A1)),
            c("c.or a0, a1", 0x8d4d, a -> a.c_or(A0, A1)),
            c("c.and a0, a1", 0x8d6d, a -> a.c_and(A0, A1)),
            c("c.subw a0, a1", 0x9d0d, a -> a.c_subw(A0, A1)),
            c("c.addw s1, a4", 0x9cb9, a -> a.c_addw(S1, A4)),
            c("c.j .+2", 0xa009, a -> a.c_j(2)),
            c("c.j .-2048", 0xb001, a -> a.c_j(-2048)),
            c("c.j .+2046", 0xaffd, a -> a.c_j(2046)),
            c("c.j .+0x2aa", 0xa46d, a -> a.c_j(0x2aa)),
            c("c.j .-0x556", 0xb46d, a -> a.c_j(-0x556)),
            c("c.beqz a0, .+2", 0xc109, a -> a.c_beqz(A0, 2)),
            c("c.beqz s0, .-256", 0xd001, a -> a.c_beqz(S0, -256)),
            c("c.beqz a5, .+254", 0xcffd, a -> a.c_beqz(A5, 254)),
            c("c.bnez a0, .+0xaa", 0xe54d, a -> a.c_bnez(A0, 0xaa)),
            c("c.bnez a1, .-0xaa", 0xf9b9, a -> a.c_bnez(A1, -0xaa)),
            c("c.slli a0, 1", 0x0506, a -> a.c_slli(A0, 1)),
            c("c.slli t6, 63", 0x1ffe, a -> a.c_slli(T6, 63)),
            c("c.slli s0, 32", 0x1402, a -> a.c_slli(S0, 32)),
            c("c.fldsp fa0, 0(sp)", 0x2502, a -> a.c_fldsp(FA0, 0)),
            c("c.fldsp ft11, 504(sp)", 0x3ffe, a -> a.c_fldsp(FT11, 504)),
            c("c.fldsp fs0, 72(sp)", 0x2426, a -> a.c_fldsp(FS0, 72)),
            c("c.lwsp a0, 0(sp)", 0x4502, a -> a.c_lwsp(A0, 0)),
            c("c.lwsp t6, 252(sp)", 0x5ffe, a -> a.c_lwsp(T6, 252)),
            c("c.lwsp ra, 36(sp)", 0x5092, a -> a.c_lwsp(RA, 36)),
            c("c.ldsp a0, 0(sp)", 0x6502, a -> a.c_ldsp(A0, 0)),
            c("c.ldsp t6, 504(sp)", 0x7ffe, a -> a.c_ldsp(T6, 504)),
            c("c.ldsp ra, 264(sp)", 0x60b2, a -> a.c_ldsp(RA, 264)),
            c("c.jr ra", 0x8082, a -> a.c_jr(RA)),
            c("c.jr t6", 0x8f82, a -> a.c_jr(T6)),
            c("c.mv a0, a1", 0x852e, a -> a.c_mv(A0, A1)),
            c("c.mv t6, s11", 0x8fee, a -> a.c_mv(T6, S11)),
            c("c.ebreak", 0x9002, a -> a.c_ebreak()),
            c("c.jalr a0", 0x9502, a -> a.c_jalr(A0)),
            c("c.jalr t6", 0x9f82, a -> a.c_jalr(T6)),
            c("c.add a0, a1", 0x952e, a -> a.c_add(A0, A1)),
            c("c.add t6, s11", 0x9fee, a -> a.c_add(T6, S11)),
            c("c.fsdsp fa0, 0(sp)", 0xa02a, a -> a.c_fsdsp(FA0, 0)),
            c("c.fsdsp ft11, 504(sp)", 0xbffe, a -> a.c_fsdsp(FT11, 504)),
            c("c.fsdsp fs0, 264(sp)", 0xa622, a -> a.c_fsdsp(FS0, 264)),
            c("c.swsp a0, 0(sp)", 0xc02a, a -> a.c_swsp(A0, 0)),
            c("c.swsp t6, 252(sp)", 0xdffe, a -> a.c_swsp(T6, 252)),
            c("c.swsp ra, 68(sp)", 0xc286, a -> a.c_swsp(RA, 68)),
            c("c.sdsp a0, 0(sp)", 0xe02a, a -> a.c_sdsp(A0, 0)),
            c("c.sdsp t6, 504(sp)", 0xfffe, a -> a.c_sdsp(T6, 504)),
            c("c.sdsp ra, 264(sp)", 0xe606, a -> a.c_sdsp(RA, 264))
    );

    @TestFactory
    Stream<DynamicTest> encodings() {
        return CASES.stream().map(k -> dynamicTest(k.asm(), () -> {
            Assembler a = new Assembler(0x8000_0000L);
            k.emit().accept(a);
            byte[] b = a.assemble();
            assertEquals(2, b.length, "length");
            int got = 0;
            for (int i = b.length - 1; i >= 0; i--) got = got << 8 | (b[i] & 0xff);
            assertEquals(String.format("%04x", k.expected()), String.format("%04x", got));
        }));
    }
}
