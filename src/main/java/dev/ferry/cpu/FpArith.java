package dev.ferry.cpu;

import static dev.ferry.cpu.Hart.*;

/** OP-FP and the fused multiply-adds. Arithmetic comes with the fpu library. */
final class FpArith {
    private FpArith() {}

    static void execute(Hart h, int insn, int rd, int rs1, int rs2, int f3) {
        long[] f = h.f;
        long[] x = h.x;
        int f7 = insn >>> 25;
        if ((insn & 0x7f) == 0x53) {
            switch (f7) {
                case 0x10 -> { // fsgnj.s family
                    int a = FpExec.unbox(f[rs1]), b = FpExec.unbox(f[rs2]);
                    int r = switch (f3) {
                        case 0 -> (a & 0x7fffffff) | (b & 0x80000000);
                        case 1 -> (a & 0x7fffffff) | (~b & 0x80000000);
                        case 2 -> a ^ (b & 0x80000000);
                        default -> throw h.illegalInstruction();
                    };
                    f[rd] = FpExec.BOX | (r & 0xffffffffL);
                    h.mstatus |= FS_DIRTY;
                    return;
                }
                case 0x11 -> { // fsgnj.d family
                    long a = f[rs1], b = f[rs2];
                    f[rd] = switch (f3) {
                        case 0 -> (a & Long.MAX_VALUE) | (b & Long.MIN_VALUE);
                        case 1 -> (a & Long.MAX_VALUE) | (~b & Long.MIN_VALUE);
                        case 2 -> a ^ (b & Long.MIN_VALUE);
                        default -> throw h.illegalInstruction();
                    };
                    h.mstatus |= FS_DIRTY;
                    return;
                }
                case 0x70 -> { // fmv.x.w (fclass.s comes with arithmetic)
                    if (rs2 == 0 && f3 == 0) { x[rd] = (int) f[rs1]; return; }
                }
                case 0x71 -> {
                    if (rs2 == 0 && f3 == 0) { x[rd] = f[rs1]; return; }
                }
                case 0x78 -> {
                    if (rs2 == 0 && f3 == 0) { f[rd] = FpExec.BOX | (x[rs1] & 0xffffffffL); h.mstatus |= FS_DIRTY; return; }
                }
                case 0x79 -> {
                    if (rs2 == 0 && f3 == 0) { f[rd] = x[rs1]; h.mstatus |= FS_DIRTY; return; }
                }
                default -> { }
            }
        }
        throw h.illegalInstruction();
    }
}
