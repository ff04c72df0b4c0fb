package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The RVC expansion table checked exhaustively over operands: every compressed form the
 * assembler can encode (its encodings are cross-checked with GNU as) must expand to exactly the
 * 32-bit instruction it stands for, and the reserved parcels to nothing.
 */
class RvcExpansionTest {
    private static int expand(Consumer<Assembler> c) {
        int parcel = GuestTest.word(c);
        assertNotEquals(3, parcel & 3, "not a compressed encoding");
        return Rvc.EXPAND[parcel];
    }

    private static void check(String what, Consumer<Assembler> c, Consumer<Assembler> full) {
        int want = GuestTest.word(full);
        int got = expand(c);
        if (got != want) {
            fail(what + ": parcel 0x" + Integer.toHexString(GuestTest.word(c)) + " expands to 0x" + Integer.toHexString(got)
                    + ", not 0x" + Integer.toHexString(want));
        }
    }

    private static final int[] CREGS = {8, 9, 10, 11, 12, 13, 14, 15};

    @Test
    void quadrant0() {
        for (int rd : CREGS) {
            for (int imm = 4; imm <= 1020; imm += 4) {
                int i = imm;
                check("c.addi4spn", a -> a.c_addi4spn(rd, i), a -> a.addi(rd, SP, i));
            }
            for (int rs1 : CREGS) {
                for (int u = 0; u <= 124; u += 4) {
                    int o = u;
                    check("c.lw", a -> a.c_lw(rd, o, rs1), a -> a.lw(rd, o, rs1));
                    check("c.sw", a -> a.c_sw(rd, o, rs1), a -> a.sw(rd, o, rs1));
                }
                for (int u = 0; u <= 248; u += 8) {
                    int o = u;
                    check("c.ld", a -> a.c_ld(rd, o, rs1), a -> a.ld(rd, o, rs1));
                    check("c.sd", a -> a.c_sd(rd, o, rs1), a -> a.sd(rd, o, rs1));
                    check("c.fld", a -> a.c_fld(rd, o, rs1), a -> a.fld(rd, o, rs1));
                    check("c.fsd", a -> a.c_fsd(rd, o, rs1), a -> a.fsd(rd, o, rs1));
                }
            }
        }
    }

    @Test
    void quadrant1() {
        check("c.nop", a -> a.c_nop(), a -> a.addi(ZERO, ZERO, 0));
        for (int rd = 1; rd < 32; rd++) {
            int r = rd;
            for (int imm = -32; imm <= 31; imm++) {
                int i = imm;
                check("c.addi", a -> a.c_addi(r, i), a -> a.addi(r, r, i));
                check("c.addiw", a -> a.c_addiw(r, i), a -> a.addiw(r, r, i));
                check("c.li", a -> a.c_li(r, i), a -> a.addi(r, ZERO, i));
                if (i != 0 && r != SP && r != ZERO) check("c.lui", a -> a.c_lui(r, i), a -> a.lui(r, i & 0xfffff));
            }
        }
        for (int imm = -512; imm <= 496; imm += 16) {
            if (imm == 0) continue;
            int i = imm;
            check("c.addi16sp", a -> a.c_addi16sp(i), a -> a.addi(SP, SP, i));
        }
        for (int rd : CREGS) {
            for (int sh = 0; sh < 64; sh++) {
                int s = sh;
                check("c.srli", a -> a.c_srli(rd, s), a -> a.srli(rd, rd, s));
                check("c.srai", a -> a.c_srai(rd, s), a -> a.srai(rd, rd, s));
            }
            for (int imm = -32; imm <= 31; imm++) {
                int i = imm;
                check("c.andi", a -> a.c_andi(rd, i), a -> a.andi(rd, rd, i));
            }
            for (int rs2 : CREGS) {
                check("c.sub", a -> a.c_sub(rd, rs2), a -> a.sub(rd, rd, rs2));
                check("c.xor", a -> a.c_xor(rd, rs2), a -> a.xor(rd, rd, rs2));
                check("c.or", a -> a.c_or(rd, rs2), a -> a.or(rd, rd, rs2));
                check("c.and", a -> a.c_and(rd, rs2), a -> a.and(rd, rd, rs2));
                check("c.subw", a -> a.c_subw(rd, rs2), a -> a.subw(rd, rd, rs2));
                check("c.addw", a -> a.c_addw(rd, rs2), a -> a.addw(rd, rd, rs2));
            }
            for (int off = -256; off <= 254; off += 2) {
                int o = off;
                check("c.beqz", a -> a.c_beqz(rd, o), a -> a.beq(rd, ZERO, o));
                check("c.bnez", a -> a.c_bnez(rd, o), a -> a.bne(rd, ZERO, o));
            }
        }
        for (int off = -2048; off <= 2046; off += 2) {
            int o = off;
            check("c.j", a -> a.c_j(o), a -> a.jal(ZERO, o));
        }
    }

    @Test
    void quadrant2() {
        for (int rd = 0; rd < 32; rd++) {
            int r = rd;
            for (int sh = 0; sh < 64; sh++) {
                int s = sh;
                check("c.slli", a -> a.c_slli(r, s), a -> a.slli(r, r, s));
            }
            for (int u = 0; u <= 504; u += 8) {
                int o = u;
                check("c.fldsp", a -> a.c_fldsp(r, o), a -> a.fld(r, o, SP));
                check("c.fsdsp", a -> a.c_fsdsp(r, o), a -> a.fsd(r, o, SP));
                check("c.sdsp", a -> a.c_sdsp(r, o), a -> a.sd(r, o, SP));
                if (r != 0) check("c.ldsp", a -> a.c_ldsp(r, o), a -> a.ld(r, o, SP));
            }
            for (int u = 0; u <= 252; u += 4) {
                int o = u;
                check("c.swsp", a -> a.c_swsp(r, o), a -> a.sw(r, o, SP));
                if (r != 0) check("c.lwsp", a -> a.c_lwsp(r, o), a -> a.lw(r, o, SP));
            }
            if (r != 0) {
                check("c.jr", a -> a.c_jr(r), a -> a.jalr(ZERO, r, 0));
                check("c.jalr", a -> a.c_jalr(r), a -> a.jalr(RA, r, 0));
            }
            for (int rs2 = 1; rs2 < 32; rs2++) {
                int s = rs2;
                check("c.mv", a -> a.c_mv(r, s), a -> a.add(r, ZERO, s));
                check("c.add", a -> a.c_add(r, s), a -> a.add(r, r, s));
            }
        }
        check("c.ebreak", a -> a.c_ebreak(), a -> a.ebreak());
    }

    @Test
    void reservedParcelsExpandToNothing() {
        for (int rest = 0; rest < (1 << 13); rest++) {
            int quadrant0Funct3Of4 = 0x8000 | (rest << 2 & 0x1ffc);
            assertEquals(0, Rvc.EXPAND[quadrant0Funct3Of4], "quadrant 0, funct3 100");
        }
        for (int rd = 0; rd < 8; rd++) assertEquals(0, Rvc.EXPAND[rd << 2], "c.addi4spn with nzuimm 0");
        for (int rd = 0; rd < 32; rd++) {
            assertEquals(0, Rvc.EXPAND[0x6001 | rd << 7], "c.lui/c.addi16sp with 0");
            assertEquals(0, Rvc.EXPAND[0x4002 | (rd << 2)], "c.lwsp x0");
            assertEquals(0, Rvc.EXPAND[0x6002 | (rd << 2)], "c.ldsp x0");
            assertEquals(0, Rvc.EXPAND[0x2001 | (rd << 2)], "c.addiw x0");
        }
        assertEquals(0, Rvc.EXPAND[0x8002], "c.jr x0");
        for (int rs = 0; rs < 64; rs++) {
            assertEquals(0, Rvc.EXPAND[0x9c41 | (rs & 7) << 7 | (rs >> 3) << 2], "reserved CA form");
            assertEquals(0, Rvc.EXPAND[0x9c61 | (rs & 7) << 7 | (rs >> 3) << 2], "reserved CA form");
        }
    }
}
