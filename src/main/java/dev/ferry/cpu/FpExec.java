package dev.ferry.cpu;

import static dev.ferry.cpu.Hart.*;

/**
 * The F and D extensions: loads, stores, moves and sign injection here; arithmetic through
 * {@code dev.ferry.cpu.fpu}. Single values live NaN-boxed in the 64-bit f registers.
 */
final class FpExec {
    private FpExec() {}

    static final long BOX = 0xffffffff00000000L;
    static final int CANONICAL_NAN32 = 0x7fc00000;

    /** Reads a single-precision operand: an improperly NaN-boxed value reads as the canonical NaN. */
    static int unbox(long v) {
        return (v & BOX) == BOX ? (int) v : CANONICAL_NAN32;
    }

    static void execute(Hart h, int insn) {
        if ((h.mstatus & MSTATUS_FS) == FS_OFF) throw h.illegalInstruction();
        int rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
        int f3 = (insn >>> 12) & 7;
        long[] f = h.f;
        long[] x = h.x;
        Mmu mmu = h.mmu;
        switch (insn & 0x7f) {
            case 0x07 -> { // FLW / FLD
                long va = x[rs1] + (insn >> 20);
                if (f3 == 2) f[rd] = BOX | mmu.load32(va);
                else if (f3 == 3) f[rd] = mmu.load64(va);
                else throw h.illegalInstruction();
                h.mstatus |= FS_DIRTY;
            }
            case 0x27 -> { // FSW / FSD
                long va = x[rs1] + (((insn >> 25) << 5) | ((insn >>> 7) & 31));
                if (f3 == 2) mmu.store32(va, f[rs2]);
                else if (f3 == 3) mmu.store64(va, f[rs2]);
                else throw h.illegalInstruction();
            }
            default -> FpArith.execute(h, insn, rd, rs1, rs2, f3);
        }
    }
}
