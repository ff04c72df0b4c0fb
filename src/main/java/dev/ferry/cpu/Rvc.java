package dev.ferry.cpu;

/**
 * The C extension (RV64C) as a table: every 16-bit parcel maps to the 32-bit instruction it
 * stands for, or 0 when it is illegal or reserved. Expanding once at class initialisation lets
 * the interpreter execute compressed instructions through the same paths as full-size ones.
 */
final class Rvc {
    private Rvc() {}

    static final int[] EXPAND = new int[1 << 16];

    static {
        for (int c = 0; c < (1 << 16); c++) if ((c & 3) != 3) EXPAND[c] = expand(c);
    }

    private static int bits(int v, int hi, int lo) {
        return (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
    }

    private static int sext(int v, int width) {
        return (v << (32 - width)) >> (32 - width);
    }

    static int iType(int op, int rd, int f3, int rs1, int imm) {
        return ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    }

    static int sType(int op, int f3, int rs1, int rs2, int imm) {
        return (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op;
    }

    static int rType(int op, int rd, int f3, int rs1, int rs2, int f7) {
        return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    }

    static int bType(int f3, int rs1, int rs2, int imm) {
        return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12)
                | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
    }

    static int jType(int rd, int imm) {
        return (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20)
                | (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
    }

    private static final int LOAD = 0x03, LOAD_FP = 0x07, OP_IMM = 0x13, OP_IMM32 = 0x1b, STORE = 0x23,
            STORE_FP = 0x27, OP = 0x33, OP32 = 0x3b, LUI = 0x37, JALR = 0x67;

    static int expand(int c) {
        int op = c & 3, f3 = bits(c, 15, 13);
        int rdp = 8 + bits(c, 4, 2), rs1p = 8 + bits(c, 9, 7);
        int rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
        switch (op) {
            case 0 -> {
                switch (f3) {
                    case 0 -> { // c.addi4spn
                        int imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 3);
                        return imm == 0 ? 0 : iType(OP_IMM, rdp, 0, 2, imm);
                    }
                    case 1 -> { return iType(LOAD_FP, rdp, 3, rs1p, (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)); }
                    case 2 -> { return iType(LOAD, rdp, 2, rs1p, (bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6)); }
                    case 3 -> { return iType(LOAD, rdp, 3, rs1p, (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)); }
                    case 5 -> { return sType(STORE_FP, 3, rs1p, rdp, (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)); }
                    case 6 -> { return sType(STORE, 2, rs1p, rdp, (bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6)); }
                    case 7 -> { return sType(STORE, 3, rs1p, rdp, (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)); }
                    default -> { return 0; }
                }
            }
            case 1 -> {
                int imm6 = sext((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6);
                switch (f3) {
                    case 0 -> { return iType(OP_IMM, rd, 0, rd, imm6); } // c.addi / c.nop
                    case 1 -> { return rd == 0 ? 0 : iType(OP_IMM32, rd, 0, rd, imm6); } // c.addiw
                    case 2 -> { return iType(OP_IMM, rd, 0, 0, imm6); } // c.li
                    case 3 -> {
                        if (rd == 2) { // c.addi16sp
                            int imm = sext((bits(c, 12, 12) << 9) | (bits(c, 6, 6) << 4) | (bits(c, 5, 5) << 6)
                                    | (bits(c, 4, 3) << 7) | (bits(c, 2, 2) << 5), 10);
                            return imm == 0 ? 0 : iType(OP_IMM, 2, 0, 2, imm);
                        }
                        if (imm6 == 0) return 0; // reserved
                        return ((imm6 & 0xfffff) << 12) | (rd << 7) | LUI; // c.lui
                    }
                    case 4 -> {
                        int shamt = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
                        switch (bits(c, 11, 10)) {
                            case 0 -> { return iType(OP_IMM, rs1p, 5, rs1p, shamt); }
                            case 1 -> { return iType(OP_IMM, rs1p, 5, rs1p, shamt | 0x400); }
                            case 2 -> { return iType(OP_IMM, rs1p, 7, rs1p, imm6); }
                            default -> {
                                int rs2p = rdp;
                                int sel = bits(c, 6, 5);
                                if (bits(c, 12, 12) == 0) {
                                    return switch (sel) {
                                        case 0 -> rType(OP, rs1p, 0, rs1p, rs2p, 0x20);
                                        case 1 -> rType(OP, rs1p, 4, rs1p, rs2p, 0);
                                        case 2 -> rType(OP, rs1p, 6, rs1p, rs2p, 0);
                                        default -> rType(OP, rs1p, 7, rs1p, rs2p, 0);
                                    };
                                }
                                return switch (sel) {
                                    case 0 -> rType(OP32, rs1p, 0, rs1p, rs2p, 0x20);
                                    case 1 -> rType(OP32, rs1p, 0, rs1p, rs2p, 0);
                                    default -> 0;
                                };
                            }
                        }
                    }
                    case 5 -> { // c.j
                        int imm = sext((bits(c, 12, 12) << 11) | (bits(c, 11, 11) << 4) | (bits(c, 10, 9) << 8)
                                | (bits(c, 8, 8) << 10) | (bits(c, 7, 7) << 6) | (bits(c, 6, 6) << 7)
                                | (bits(c, 5, 3) << 1) | (bits(c, 2, 2) << 5), 12);
                        return jType(0, imm);
                    }
                    default -> { // c.beqz / c.bnez
                        int imm = sext((bits(c, 12, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6)
                                | (bits(c, 4, 3) << 1) | (bits(c, 2, 2) << 5), 9);
                        return bType(f3 == 6 ? 0 : 1, rs1p, 0, imm);
                    }
                }
            }
            default -> {
                switch (f3) {
                    case 0 -> { return iType(OP_IMM, rd, 1, rd, (bits(c, 12, 12) << 5) | bits(c, 6, 2)); }
                    case 1 -> { return iType(LOAD_FP, rd, 3, 2, (bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6)); }
                    case 2 -> {
                        return rd == 0 ? 0 : iType(LOAD, rd, 2, 2, (bits(c, 12, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6));
                    }
                    case 3 -> {
                        return rd == 0 ? 0 : iType(LOAD, rd, 3, 2, (bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6));
                    }
                    case 4 -> {
                        if (bits(c, 12, 12) == 0) {
                            if (rs2 == 0) return rd == 0 ? 0 : iType(JALR, 0, 0, rd, 0); // c.jr
                            return rType(OP, rd, 0, 0, rs2, 0); // c.mv
                        }
                        if (rs2 == 0) {
                            if (rd == 0) return 0x00100073; // c.ebreak
                            return iType(JALR, 1, 0, rd, 0); // c.jalr
                        }
                        return rType(OP, rd, 0, rd, rs2, 0); // c.add
                    }
                    case 5 -> { return sType(STORE_FP, 3, 2, rs2, (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6)); }
                    case 6 -> { return sType(STORE, 2, 2, rs2, (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6)); }
                    default -> { return sType(STORE, 3, 2, rs2, (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6)); }
                }
            }
        }
    }
}
