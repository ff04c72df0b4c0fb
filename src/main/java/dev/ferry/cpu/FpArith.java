package dev.ferry.cpu;

import static dev.ferry.cpu.Hart.*;

import dev.ferry.cpu.fpu.Fp;
import dev.ferry.cpu.fpu.FpFlags;

/**
 * OP-FP and the fused multiply-adds of F and D: decoding, rounding-mode resolution
 * (static or {@code frm}; a reserved mode is an illegal instruction), NaN-boxing of single
 * results, and the arithmetic itself through {@link Fp}.
 */
final class FpArith {
    private FpArith() {}

    private static final long SIGN64 = Long.MIN_VALUE;
    private static final int SIGN32 = 0x80000000;

    /** The rounding mode an instruction uses: its rm field, or frm for DYN; reserved ones trap. */
    private static int rm(Hart h, int f3) {
        int rm = f3 == 7 ? h.frm : f3;
        if (rm > 4) throw h.illegalInstruction();
        return rm;
    }

    private static long box(int v) {
        return FpExec.BOX | (v & 0xffffffffL);
    }

    static void execute(Hart h, int insn, int rd, int rs1, int rs2, int f3) {
        long[] f = h.f;
        long[] x = h.x;
        FpFlags fl = h.fpFlags;
        int op = insn & 0x7f;
        if (op != 0x53) { // FMADD 0x43, FMSUB 0x47, FNMSUB 0x4b, FNMADD 0x4f
            int fmt = (insn >>> 25) & 3, rs3 = insn >>> 27;
            boolean negProduct = op == 0x4b || op == 0x4f, negAddend = op == 0x47 || op == 0x4f;
            int rm = rm(h, f3);
            if (fmt == 0) {
                int a = FpExec.unbox(f[rs1]), b = FpExec.unbox(f[rs2]), c = FpExec.unbox(f[rs3]);
                if (negProduct) a ^= SIGN32;
                if (negAddend) c ^= SIGN32;
                f[rd] = box(Fp.fma32(a, b, c, rm, fl));
            } else if (fmt == 1) {
                long a = f[rs1], b = f[rs2], c = f[rs3];
                if (negProduct) a ^= SIGN64;
                if (negAddend) c ^= SIGN64;
                f[rd] = Fp.fma64(a, b, c, rm, fl);
            } else {
                throw h.illegalInstruction();
            }
            h.mstatus |= FS_DIRTY;
            return;
        }
        int f7 = insn >>> 25;
        int flagsBefore = fl.flags;
        switch (f7) {
            // ---- single precision ----
            case 0x00 -> f[rd] = box(Fp.add32(s(f, rs1), s(f, rs2), rm(h, f3), fl));
            case 0x04 -> f[rd] = box(Fp.sub32(s(f, rs1), s(f, rs2), rm(h, f3), fl));
            case 0x08 -> f[rd] = box(Fp.mul32(s(f, rs1), s(f, rs2), rm(h, f3), fl));
            case 0x0c -> f[rd] = box(Fp.div32(s(f, rs1), s(f, rs2), rm(h, f3), fl));
            case 0x2c -> {
                if (rs2 != 0) throw h.illegalInstruction();
                f[rd] = box(Fp.sqrt32(s(f, rs1), rm(h, f3), fl));
            }
            case 0x10 -> {
                int a = s(f, rs1), b = s(f, rs2);
                f[rd] = box(switch (f3) {
                    case 0 -> Fp.sgnj32(a, b);
                    case 1 -> Fp.sgnjn32(a, b);
                    case 2 -> Fp.sgnjx32(a, b);
                    default -> throw h.illegalInstruction();
                });
            }
            case 0x14 -> {
                if (f3 == 0) f[rd] = box(Fp.min32(s(f, rs1), s(f, rs2), fl));
                else if (f3 == 1) f[rd] = box(Fp.max32(s(f, rs1), s(f, rs2), fl));
                else throw h.illegalInstruction();
            }
            case 0x20 -> { // fcvt.s.d
                if (rs2 != 1) throw h.illegalInstruction();
                f[rd] = box(Fp.cvt32From64(f[rs1], rm(h, f3), fl));
            }
            case 0x50 -> {
                int a = s(f, rs1), b = s(f, rs2);
                boolean r = switch (f3) {
                    case 0 -> Fp.le32(a, b, fl);
                    case 1 -> Fp.lt32(a, b, fl);
                    case 2 -> Fp.eq32(a, b, fl);
                    default -> throw h.illegalInstruction();
                };
                x[rd] = r ? 1 : 0;
                integerResult(h, flagsBefore);
                return;
            }
            case 0x60 -> {
                int a = s(f, rs1), rm = rm(h, f3);
                x[rd] = switch (rs2) {
                    case 0 -> Fp.cvtWFrom32(a, rm, fl);
                    case 1 -> Fp.cvtWUFrom32(a, rm, fl);
                    case 2 -> Fp.cvtLFrom32(a, rm, fl);
                    case 3 -> Fp.cvtLUFrom32(a, rm, fl);
                    default -> throw h.illegalInstruction();
                };
                integerResult(h, flagsBefore);
                return;
            }
            case 0x68 -> {
                long v = x[rs1];
                int rm = rm(h, f3);
                f[rd] = box(switch (rs2) {
                    case 0 -> Fp.cvt32FromW((int) v, rm, fl);
                    case 1 -> Fp.cvt32FromWU((int) v, rm, fl);
                    case 2 -> Fp.cvt32FromL(v, rm, fl);
                    case 3 -> Fp.cvt32FromLU(v, rm, fl);
                    default -> throw h.illegalInstruction();
                });
            }
            case 0x70 -> {
                if (rs2 != 0) throw h.illegalInstruction();
                if (f3 == 0) x[rd] = (int) f[rs1]; // fmv.x.w: raw low bits, sign-extended
                else if (f3 == 1) x[rd] = Fp.classify32(s(f, rs1));
                else throw h.illegalInstruction();
                return; // writes only an integer register
            }
            case 0x78 -> {
                if (rs2 != 0 || f3 != 0) throw h.illegalInstruction();
                f[rd] = box((int) x[rs1]);
            }
            // ---- double precision ----
            case 0x01 -> f[rd] = Fp.add64(f[rs1], f[rs2], rm(h, f3), fl);
            case 0x05 -> f[rd] = Fp.sub64(f[rs1], f[rs2], rm(h, f3), fl);
            case 0x09 -> f[rd] = Fp.mul64(f[rs1], f[rs2], rm(h, f3), fl);
            case 0x0d -> f[rd] = Fp.div64(f[rs1], f[rs2], rm(h, f3), fl);
            case 0x2d -> {
                if (rs2 != 0) throw h.illegalInstruction();
                f[rd] = Fp.sqrt64(f[rs1], rm(h, f3), fl);
            }
            case 0x11 -> {
                long a = f[rs1], b = f[rs2];
                f[rd] = switch (f3) {
                    case 0 -> Fp.sgnj64(a, b);
                    case 1 -> Fp.sgnjn64(a, b);
                    case 2 -> Fp.sgnjx64(a, b);
                    default -> throw h.illegalInstruction();
                };
            }
            case 0x15 -> {
                if (f3 == 0) f[rd] = Fp.min64(f[rs1], f[rs2], fl);
                else if (f3 == 1) f[rd] = Fp.max64(f[rs1], f[rs2], fl);
                else throw h.illegalInstruction();
            }
            case 0x21 -> { // fcvt.d.s (exact, but the rm field is still checked)
                if (rs2 != 0) throw h.illegalInstruction();
                rm(h, f3);
                f[rd] = Fp.cvt64From32(s(f, rs1), fl);
            }
            case 0x51 -> {
                long a = f[rs1], b = f[rs2];
                boolean r = switch (f3) {
                    case 0 -> Fp.le64(a, b, fl);
                    case 1 -> Fp.lt64(a, b, fl);
                    case 2 -> Fp.eq64(a, b, fl);
                    default -> throw h.illegalInstruction();
                };
                x[rd] = r ? 1 : 0;
                integerResult(h, flagsBefore);
                return;
            }
            case 0x61 -> {
                long a = f[rs1];
                int rm = rm(h, f3);
                x[rd] = switch (rs2) {
                    case 0 -> Fp.cvtWFrom64(a, rm, fl);
                    case 1 -> Fp.cvtWUFrom64(a, rm, fl);
                    case 2 -> Fp.cvtLFrom64(a, rm, fl);
                    case 3 -> Fp.cvtLUFrom64(a, rm, fl);
                    default -> throw h.illegalInstruction();
                };
                integerResult(h, flagsBefore);
                return;
            }
            case 0x69 -> {
                long v = x[rs1];
                int rm = rm(h, f3);
                f[rd] = switch (rs2) {
                    case 0 -> Fp.cvt64FromW((int) v, rm, fl);
                    case 1 -> Fp.cvt64FromWU((int) v, rm, fl);
                    case 2 -> Fp.cvt64FromL(v, rm, fl);
                    case 3 -> Fp.cvt64FromLU(v, rm, fl);
                    default -> throw h.illegalInstruction();
                };
            }
            case 0x71 -> {
                if (rs2 != 0) throw h.illegalInstruction();
                if (f3 == 0) x[rd] = f[rs1];
                else if (f3 == 1) x[rd] = Fp.classify64(f[rs1]);
                else throw h.illegalInstruction();
                return;
            }
            case 0x79 -> {
                if (rs2 != 0 || f3 != 0) throw h.illegalInstruction();
                f[rd] = x[rs1];
            }
            default -> throw h.illegalInstruction();
        }
        h.mstatus |= FS_DIRTY;
    }

    /**
     * Ends a compare or a conversion to integer, which writes only an x register: FS becomes
     * Dirty if, and only if, fflags changed. QEMU 7.2 never dirties FS for these, which the
     * privileged spec does not allow once fflags has changed; leaving FS alone otherwise (FS=Clean
     * after an feq of ordinary numbers) is what QEMU does.
     */
    private static void integerResult(Hart h, int flagsBefore) {
        if (h.fpFlags.flags != flagsBefore) h.mstatus |= FS_DIRTY;
    }

    /** A single-precision operand, unboxed. */
    private static int s(long[] f, int r) {
        return FpExec.unbox(f[r]);
    }
}
