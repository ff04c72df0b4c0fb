package dev.ferry.cpu;

import static dev.ferry.cpu.Hart.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The reference execution engine: fetch, decode and execute one instruction at a time.
 * RV64I, M, A, C (through {@link Rvc}), Zicsr, Zifencei, Zba, Zbb, Zbc, Zbs, Zihintpause and
 * the privileged instructions; F and D go to {@link FpExec}.
 */
final class Interpreter {
    private Interpreter() {}

    private static final int[] RVC = Rvc.EXPAND;
    private static final VarHandle I32 = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle I64 = ValueLayout.JAVA_LONG.varHandle();

    static {
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN)
            throw new ExceptionInInitializerError("Ferry's atomics need a little-endian host");
    }

    /** Runs up to {@code budget} instructions; returns how many were attempted. */
    static int execute(Hart h, int budget) {
        h.sliceLeft = budget;
        final Mmu mmu = h.mmu;
        final long[] x = h.x;
        int done = 0;
        while (h.sliceLeft > 0) {
            h.sliceLeft--;
            done++;
            long pc = h.pc;
            try {
                int raw = mmu.fetch(pc);
                h.insnBits = raw;
                long next;
                if ((raw & 3) != 3) {
                    int insn = RVC[raw & 0xffff];
                    if (insn == 0) throw h.raise(Trap.ILLEGAL, raw & 0xffffL);
                    next = exec(h, x, mmu, insn, pc, pc + 2);
                } else {
                    next = exec(h, x, mmu, raw, pc, pc + 4);
                }
                x[0] = 0;
                h.pc = next;
                h.instret++;
            } catch (TrapException t) {
                x[0] = 0;
                h.takeTrap(t.cause, t.tval);
            }
        }
        return done;
    }

    private static TrapException illegal(Hart h) {
        return h.illegalInstruction();
    }

    private static long sext32(long v) {
        return (int) v;
    }

    static long exec(Hart h, long[] x, Mmu mmu, int insn, long pc, long next) {
        int rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
        int f3 = (insn >>> 12) & 7, f7 = insn >>> 25;
        switch (insn & 0x7f) {
            case 0x37: // LUI
                x[rd] = insn & 0xfffff000;
                return next;
            case 0x17: // AUIPC
                x[rd] = pc + (insn & 0xfffff000);
                return next;
            case 0x6f: { // JAL
                long imm = ((insn >> 31) << 20) | (((insn >>> 21) & 0x3ff) << 1) | (((insn >>> 20) & 1) << 11)
                        | (((insn >>> 12) & 0xff) << 12);
                x[rd] = next;
                return pc + imm;
            }
            case 0x67: { // JALR
                if (f3 != 0) throw illegal(h);
                long target = (x[rs1] + (insn >> 20)) & ~1L;
                x[rd] = next;
                return target;
            }
            case 0x63: { // BRANCH
                long a = x[rs1], b = x[rs2];
                boolean taken = switch (f3) {
                    case 0 -> a == b;
                    case 1 -> a != b;
                    case 4 -> a < b;
                    case 5 -> a >= b;
                    case 6 -> Long.compareUnsigned(a, b) < 0;
                    case 7 -> Long.compareUnsigned(a, b) >= 0;
                    default -> throw illegal(h);
                };
                if (!taken) return next;
                long imm = ((insn >> 31) << 12) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1)
                        | (((insn >>> 7) & 1) << 11);
                return pc + imm;
            }
            case 0x03: { // LOAD
                long va = x[rs1] + (insn >> 20);
                x[rd] = switch (f3) {
                    case 0 -> (byte) mmu.load8(va);
                    case 1 -> (short) mmu.load16(va);
                    case 2 -> (int) mmu.load32(va);
                    case 3 -> mmu.load64(va);
                    case 4 -> mmu.load8(va);
                    case 5 -> mmu.load16(va);
                    case 6 -> mmu.load32(va);
                    default -> throw illegal(h);
                };
                return next;
            }
            case 0x23: { // STORE
                long va = x[rs1] + (((insn >> 25) << 5) | ((insn >>> 7) & 31));
                long v = x[rs2];
                switch (f3) {
                    case 0 -> mmu.store8(va, v);
                    case 1 -> mmu.store16(va, v);
                    case 2 -> mmu.store32(va, v);
                    case 3 -> mmu.store64(va, v);
                    default -> throw illegal(h);
                }
                return next;
            }
            case 0x13: // OP-IMM
                x[rd] = opImm(h, insn, f3, x[rs1]);
                return next;
            case 0x1b: // OP-IMM-32
                x[rd] = opImm32(h, insn, f3, x[rs1]);
                return next;
            case 0x33: // OP
                x[rd] = op(h, f7, f3, x[rs1], x[rs2], rs2);
                return next;
            case 0x3b: // OP-32
                x[rd] = op32(h, f7, f3, x[rs1], x[rs2], rs2);
                return next;
            case 0x0f: // MISC-MEM
                if (f3 == 0) { // fence (and pause): the interpreter's accesses are already ordered
                    VarHandle.fullFence();
                    return next;
                }
                if (f3 == 1) return next; // fence.i: nothing caches decoded code yet
                throw illegal(h);
            case 0x2f: // AMO
                amo(h, x, mmu, insn, rd, rs1, rs2, f3);
                return next;
            case 0x73: // SYSTEM
                return system(h, x, mmu, insn, rd, rs1, f3, pc, next);
            case 0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53:
                FpExec.execute(h, insn);
                return next;
            default:
                throw illegal(h);
        }
    }

    private static long opImm(Hart h, int insn, int f3, long a) {
        int imm = insn >> 20;
        int shamt = imm & 63, f6 = (insn >>> 26);
        switch (f3) {
            case 0: return a + imm;
            case 2: return a < imm ? 1 : 0;
            case 3: return Long.compareUnsigned(a, imm) < 0 ? 1 : 0;
            case 4: return a ^ imm;
            case 6: return a | imm;
            case 7: return a & imm;
            case 1:
                switch (f6) {
                    case 0x00: return a << shamt;
                    case 0x0a: return a | (1L << shamt); // bseti
                    case 0x12: return a & ~(1L << shamt); // bclri
                    case 0x1a: return a ^ (1L << shamt); // binvi
                    case 0x18:
                        switch (imm & 0xfff) {
                            case 0x600: return Long.numberOfLeadingZeros(a); // clz
                            case 0x601: return Long.numberOfTrailingZeros(a); // ctz
                            case 0x602: return Long.bitCount(a); // cpop
                            case 0x604: return (byte) a; // sext.b
                            case 0x605: return (short) a; // sext.h
                            default: throw illegal(h);
                        }
                    default: throw illegal(h);
                }
            default: // 5
                switch (f6) {
                    case 0x00: return a >>> shamt;
                    case 0x10: return a >> shamt;
                    case 0x18: return Long.rotateRight(a, shamt); // rori
                    case 0x12: return (a >>> shamt) & 1; // bexti
                    case 0x0a:
                        if ((imm & 0xfff) == 0x287) return orcB(a); // orc.b
                        throw illegal(h);
                    case 0x1a:
                        if ((imm & 0xfff) == 0x6b8) return Long.reverseBytes(a); // rev8
                        throw illegal(h);
                    default: throw illegal(h);
                }
        }
    }

    private static long orcB(long a) {
        long r = 0;
        for (int i = 0; i < 64; i += 8) if (((a >>> i) & 0xff) != 0) r |= 0xffL << i;
        return r;
    }

    private static long opImm32(Hart h, int insn, int f3, long a) {
        int imm = insn >> 20;
        int shamt = imm & 31, f7 = insn >>> 25;
        switch (f3) {
            case 0: return (int) (a + imm); // addiw
            case 1:
                if (f7 == 0) return (int) a << shamt; // slliw
                if ((insn >>> 26) == 0x02) return (a & 0xffffffffL) << (imm & 63); // slli.uw
                if (f7 == 0x30) {
                    switch (imm & 0xfff) {
                        case 0x600: return Integer.numberOfLeadingZeros((int) a); // clzw
                        case 0x601: return Integer.numberOfTrailingZeros((int) a); // ctzw
                        case 0x602: return Integer.bitCount((int) a); // cpopw
                        default: throw illegal(h);
                    }
                }
                throw illegal(h);
            case 5:
                if (f7 == 0) return (int) a >>> shamt; // srliw
                if (f7 == 0x20) return (int) a >> shamt; // sraiw
                if (f7 == 0x30) return Integer.rotateRight((int) a, shamt); // roriw
                throw illegal(h);
            default:
                throw illegal(h);
        }
    }

    private static long op(Hart h, int f7, int f3, long a, long b, int rs2) {
        switch (f7) {
            case 0x00:
                switch (f3) {
                    case 0: return a + b;
                    case 1: return a << b;
                    case 2: return a < b ? 1 : 0;
                    case 3: return Long.compareUnsigned(a, b) < 0 ? 1 : 0;
                    case 4: return a ^ b;
                    case 5: return a >>> b;
                    case 6: return a | b;
                    default: return a & b;
                }
            case 0x20:
                switch (f3) {
                    case 0: return a - b;
                    case 5: return a >> b;
                    case 4: return ~(a ^ b); // xnor
                    case 6: return a | ~b; // orn
                    case 7: return a & ~b; // andn
                    default: throw illegal(h);
                }
            case 0x01:
                switch (f3) {
                    case 0: return a * b;
                    case 1: return Math.multiplyHigh(a, b);
                    case 2: return Math.multiplyHigh(a, b) + ((b >> 63) & a); // mulhsu
                    case 3: return Math.unsignedMultiplyHigh(a, b);
                    case 4: return b == 0 ? -1 : a / b;
                    case 5: return b == 0 ? -1 : Long.divideUnsigned(a, b);
                    case 6: return b == 0 ? a : a % b;
                    default: return b == 0 ? a : Long.remainderUnsigned(a, b);
                }
            case 0x10:
                switch (f3) {
                    case 2: return (a << 1) + b;
                    case 4: return (a << 2) + b;
                    case 6: return (a << 3) + b;
                    default: throw illegal(h);
                }
            case 0x05:
                switch (f3) {
                    case 1: return clmul(a, b);
                    case 2: return clmulr(a, b);
                    case 3: return clmulh(a, b);
                    case 4: return Math.min(a, b);
                    case 5: return Long.compareUnsigned(a, b) < 0 ? a : b;
                    case 6: return Math.max(a, b);
                    case 7: return Long.compareUnsigned(a, b) > 0 ? a : b;
                    default: throw illegal(h);
                }
            case 0x30:
                if (f3 == 1) return Long.rotateLeft(a, (int) b);
                if (f3 == 5) return Long.rotateRight(a, (int) b);
                throw illegal(h);
            case 0x24:
                if (f3 == 1) return a & ~(1L << b); // bclr
                if (f3 == 5) return (a >>> b) & 1; // bext
                throw illegal(h);
            case 0x14:
                if (f3 == 1) return a | (1L << b); // bset
                throw illegal(h);
            case 0x34:
                if (f3 == 1) return a ^ (1L << b); // binv
                throw illegal(h);
            default:
                throw illegal(h);
        }
    }

    static long clmul(long a, long b) {
        long r = 0;
        for (int i = 0; i < 64; i++) if (((b >>> i) & 1) != 0) r ^= a << i;
        return r;
    }

    static long clmulh(long a, long b) {
        long r = 0;
        for (int i = 1; i < 64; i++) if (((b >>> i) & 1) != 0) r ^= a >>> (64 - i);
        return r;
    }

    static long clmulr(long a, long b) {
        long r = 0;
        for (int i = 0; i < 64; i++) if (((b >>> i) & 1) != 0) r ^= a >>> (63 - i);
        return r;
    }

    private static long op32(Hart h, int f7, int f3, long a, long b, int rs2) {
        int ia = (int) a, ib = (int) b;
        switch (f7) {
            case 0x00:
                switch (f3) {
                    case 0: return ia + ib;
                    case 1: return ia << ib;
                    case 5: return ia >>> ib;
                    default: throw illegal(h);
                }
            case 0x20:
                switch (f3) {
                    case 0: return ia - ib;
                    case 5: return ia >> ib;
                    default: throw illegal(h);
                }
            case 0x01:
                switch (f3) {
                    case 0: return ia * ib;
                    case 4: return ib == 0 ? -1 : (ia == Integer.MIN_VALUE && ib == -1) ? ia : ia / ib;
                    case 5: return ib == 0 ? -1 : Integer.divideUnsigned(ia, ib);
                    case 6: return ib == 0 ? ia : (ia == Integer.MIN_VALUE && ib == -1) ? 0 : ia % ib;
                    case 7: return ib == 0 ? ia : Integer.remainderUnsigned(ia, ib);
                    default: throw illegal(h);
                }
            case 0x04:
                if (f3 == 0) return (a & 0xffffffffL) + b; // add.uw
                if (f3 == 4 && rs2 == 0) return a & 0xffff; // zext.h
                throw illegal(h);
            case 0x10:
                switch (f3) {
                    case 2: return ((a & 0xffffffffL) << 1) + b;
                    case 4: return ((a & 0xffffffffL) << 2) + b;
                    case 6: return ((a & 0xffffffffL) << 3) + b;
                    default: throw illegal(h);
                }
            case 0x30:
                if (f3 == 1) return Integer.rotateLeft(ia, ib);
                if (f3 == 5) return Integer.rotateRight(ia, ib);
                throw illegal(h);
            default:
                throw illegal(h);
        }
    }

    private static void amo(Hart h, long[] x, Mmu mmu, int insn, int rd, int rs1, int rs2, int f3) {
        if (f3 != 2 && f3 != 3) throw illegal(h);
        int f5 = insn >>> 27;
        // an undefined funct5 is illegal before any address check or memory access
        if (f5 > 0x1c || ((f5 & 3) != 0 && f5 > 3)) throw illegal(h);
        boolean dbl = f3 == 3;
        int size = dbl ? 8 : 4;
        long va = x[rs1];
        long src = x[rs2];
        MemorySegment seg = mmu.seg;
        if (f5 == 0x02) { // LR
            if (rs2 != 0) throw illegal(h);
            long off = mmu.atomicOffset(va, size, false);
            long v;
            if (off >= 0) v = dbl ? (long) I64.getVolatile(seg, off) : (int) I32.getVolatile(seg, off);
            else v = dbl ? mmu.busRead(mmu.lastAtomicPa, 8, Mmu.READ, va) : (int) mmu.busRead(mmu.lastAtomicPa, 4, Mmu.READ, va);
            h.resAddr = va;
            h.resValue = v;
            x[rd] = v;
            return;
        }
        if (f5 == 0x03) { // SC
            if ((va & (size - 1)) != 0) throw h.raise(Trap.STORE_MISALIGNED, va);
            long expect = h.resValue;
            boolean reserved = h.resAddr == va;
            h.resAddr = -1;
            if (!reserved) {
                x[rd] = 1;
                return;
            }
            long off = mmu.atomicOffset(va, size, true);
            boolean ok;
            if (off >= 0) {
                ok = dbl ? I64.compareAndSet(seg, off, expect, src) : I32.compareAndSet(seg, off, (int) expect, (int) src);
            } else {
                mmu.busWrite(mmu.lastAtomicPa, size, src, va);
                ok = true;
            }
            x[rd] = ok ? 0 : 1;
            return;
        }
        long off = mmu.atomicOffset(va, size, true);
        long old;
        if (off < 0) { // a device register: not atomic with respect to other harts
            long pa = mmu.lastAtomicPa;
            old = mmu.busRead(pa, size, Mmu.WRITE, va);
            if (!dbl) old = (int) old;
            mmu.busWrite(pa, size, amoResult(h, f5, old, src, dbl), va);
        } else if (dbl) {
            old = switch (f5) {
                case 0x01 -> (long) I64.getAndSet(seg, off, src);
                case 0x00 -> (long) I64.getAndAdd(seg, off, src);
                case 0x04 -> (long) I64.getAndBitwiseXor(seg, off, src);
                case 0x0c -> (long) I64.getAndBitwiseAnd(seg, off, src);
                case 0x08 -> (long) I64.getAndBitwiseOr(seg, off, src);
                case 0x10, 0x14, 0x18, 0x1c -> {
                    long cur;
                    do {
                        cur = (long) I64.getVolatile(seg, off);
                    } while (!I64.compareAndSet(seg, off, cur, amoResult(h, f5, cur, src, true)));
                    yield cur;
                }
                default -> throw illegal(h);
            };
        } else {
            int s = (int) src;
            old = switch (f5) {
                case 0x01 -> (int) I32.getAndSet(seg, off, s);
                case 0x00 -> (int) I32.getAndAdd(seg, off, s);
                case 0x04 -> (int) I32.getAndBitwiseXor(seg, off, s);
                case 0x0c -> (int) I32.getAndBitwiseAnd(seg, off, s);
                case 0x08 -> (int) I32.getAndBitwiseOr(seg, off, s);
                case 0x10, 0x14, 0x18, 0x1c -> {
                    int cur;
                    do {
                        cur = (int) I32.getVolatile(seg, off);
                    } while (!I32.compareAndSet(seg, off, cur, (int) amoResult(h, f5, cur, src, false)));
                    yield cur;
                }
                default -> throw illegal(h);
            };
        }
        x[rd] = old;
    }

    private static long amoResult(Hart h, int f5, long old, long src, boolean dbl) {
        if (!dbl) {
            old = (int) old;
            src = (int) src;
        }
        long cmpOld = dbl ? old : old & 0xffffffffL, cmpSrc = dbl ? src : src & 0xffffffffL;
        return switch (f5) {
            case 0x01 -> src;
            case 0x00 -> old + src;
            case 0x04 -> old ^ src;
            case 0x0c -> old & src;
            case 0x08 -> old | src;
            case 0x10 -> Math.min(old, src);
            case 0x14 -> Math.max(old, src);
            case 0x18 -> Long.compareUnsigned(cmpOld, cmpSrc) <= 0 ? old : src;
            case 0x1c -> Long.compareUnsigned(cmpOld, cmpSrc) >= 0 ? old : src;
            default -> throw illegal(h);
        };
    }

    private static long system(Hart h, long[] x, Mmu mmu, int insn, int rd, int rs1, int f3, long pc, long next) {
        if (f3 == 0) {
            int f12 = insn >>> 20;
            int f7 = insn >>> 25;
            if (f7 == 0x09) { // sfence.vma
                if (rd != 0) throw illegal(h);
                if (h.priv == PRV_U || (h.priv == PRV_S && (h.mstatus & MSTATUS_TVM) != 0)) throw illegal(h);
                mmu.fence(x[rs1], rs1 != 0);
                return next;
            }
            if (rd != 0 || rs1 != 0) throw illegal(h);
            switch (f12) {
                case 0x000:
                    throw h.raise(h.priv == PRV_U ? Trap.ECALL_U : h.priv == PRV_S ? Trap.ECALL_S : Trap.ECALL_M, 0);
                case 0x001:
                    throw h.raise(Trap.BREAKPOINT, 0);
                case 0x302:
                    h.mret();
                    return h.pc;
                case 0x102:
                    h.sret();
                    return h.pc;
                case 0x105:
                    h.wfi(h.insnBits);
                    return next;
                default:
                    throw illegal(h);
            }
        }
        if (f3 == 4) throw illegal(h);
        int csr = insn >>> 20;
        long operand = (f3 >= 5) ? rs1 : x[rs1];
        int kind = f3 & 3; // 1 = write, 2 = set, 3 = clear
        long old;
        if (kind == 1) {
            old = Csrs.read(h, csr, false); // csrrw reads even for rd=x0: the CSR must exist and be accessible
            Csrs.write(h, csr, operand);
            Csrs.writtenByInstruction(h, csr);
        } else {
            old = Csrs.read(h, csr, false);
            if (rs1 != 0) { // csrrs/csrrc with x0 (or uimm 0) do not write
                long base = Csrs.read(h, csr, true);
                Csrs.write(h, csr, kind == 2 ? base | operand : base & ~operand);
                Csrs.writtenByInstruction(h, csr);
            }
        }
        x[rd] = old;
        return next;
    }
}
