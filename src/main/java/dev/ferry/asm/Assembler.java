package dev.ferry.asm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An assembler-style builder of RISC-V 64 guest programs (RV64GC plus Zba, Zbb, Zbc, Zbs,
 * Zihintpause and the privileged instructions).
 *
 * <p>One method per mnemonic, named after it with dots turned into underscores ({@code fence_i},
 * {@code fadd_d}, {@code amoadd_w}, {@code c_addi}), operands in assembly order:
 * {@code add(rd, rs1, rs2)}, {@code lw(rd, imm, rs1)} for {@code lw rd, imm(rs1)},
 * {@code sw(rs2, imm, rs1)}, {@code beq(rs1, rs2, label)}. Registers are ints ({@link Reg},
 * {@link FReg}); CSR numbers are in {@link Csr}. Every method returns {@code this}.
 *
 * <p>Nothing is ever compressed behind the caller's back: the compressed instructions are only
 * emitted by the explicit {@code c_*} methods. Immediates are checked when an instruction is
 * emitted; label references are resolved by {@link #assemble()}. Every error is an
 * {@link IllegalArgumentException} naming the mnemonic and the bad operand.
 */
public final class Assembler {

    // Rounding modes for the rm field of floating-point instructions.
    public static final int RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7;

    // Fence predecessor/successor sets (fence(pred, succ)).
    public static final int FENCE_I = 8, FENCE_O = 4, FENCE_R = 2, FENCE_W = 1, FENCE_IORW = 15;

    private static final int OP_LOAD = 0x03, OP_LOAD_FP = 0x07, OP_MISC_MEM = 0x0f, OP_IMM = 0x13,
            OP_AUIPC = 0x17, OP_IMM_32 = 0x1b, OP_STORE = 0x23, OP_STORE_FP = 0x27, OP_AMO = 0x2f,
            OP_OP = 0x33, OP_LUI = 0x37, OP_OP_32 = 0x3b, OP_MADD = 0x43, OP_MSUB = 0x47,
            OP_NMSUB = 0x4b, OP_NMADD = 0x4f, OP_FP = 0x53, OP_BRANCH = 0x63, OP_JALR = 0x67,
            OP_JAL = 0x6f, OP_SYSTEM = 0x73;

    private static final int FMT_S = 0, FMT_D = 1;

    private enum Kind { BRANCH, JAL, PCREL_DATA, PCREL_JUMP, CJ, CB, ABS32, ABS64 }

    private record Fixup(Kind kind, int position, Label target, String mnemonic) {}

    private final long origin;
    private byte[] buf = new byte[256];
    private int size;
    private final List<Fixup> fixups = new ArrayList<>();
    private int labelCount;

    /** A builder whose first byte will be at guest address {@code origin}. */
    public Assembler(long origin) {
        this.origin = origin;
    }

    // ------------------------------------------------------------------------------------------
    // Positions, labels, output

    public long origin() {
        return origin;
    }

    /** Number of bytes emitted so far. */
    public int size() {
        return size;
    }

    /** Guest address of the next byte to be emitted. */
    public long here() {
        return origin + size;
    }

    public Label newLabel() {
        return new Label(this, "L" + labelCount++);
    }

    /** A new label with a name that is used in error messages. */
    public Label newLabel(String name) {
        labelCount++;
        return new Label(this, name);
    }

    /** Binds {@code label} to the current position. */
    public Assembler bind(Label label) {
        own(label);
        if (label.isBound()) throw new IllegalArgumentException("label " + label.name() + " is already bound");
        label.position = size;
        return this;
    }

    /** A new label bound to the current position. */
    public Label label() {
        Label l = newLabel();
        bind(l);
        return l;
    }

    /** Guest address of a bound label. */
    public long addressOf(Label label) {
        own(label);
        if (!label.isBound()) throw new IllegalArgumentException("label " + label.name() + " is not bound");
        return origin + label.position;
    }

    /**
     * The program, with every label reference resolved. May be called again after more code has
     * been added.
     */
    public byte[] assemble() {
        byte[] out = Arrays.copyOf(buf, size);
        for (Fixup f : fixups) resolve(f, out);
        return out;
    }

    private void own(Label label) {
        if (label == null) throw new IllegalArgumentException("label is null");
        if (label.owner != this) throw new IllegalArgumentException("label " + label.name() + " belongs to another assembler");
    }

    private void resolve(Fixup f, byte[] out) {
        Label t = f.target;
        if (!t.isBound()) {
            throw new IllegalArgumentException(f.mnemonic + " at 0x" + Long.toHexString(origin + f.position)
                    + ": label " + t.name() + " is not bound");
        }
        long target = origin + t.position;
        long off = (long) t.position - f.position;
        String where = f.mnemonic + " at 0x" + Long.toHexString(origin + f.position) + " to " + t.name()
                + " (0x" + Long.toHexString(target) + ")";
        switch (f.kind) {
            case ABS64 -> putLong(out, f.position, target);
            case ABS32 -> {
                if ((target >>> 32) != 0) throw new IllegalArgumentException(where + ": address does not fit in 32 bits");
                putInt(out, f.position, (int) target);
            }
            case BRANCH -> {
                checkTargetOffset(where, off, 13);
                putInt(out, f.position, getInt(out, f.position) | bImm((int) off));
            }
            case JAL -> {
                checkTargetOffset(where, off, 21);
                putInt(out, f.position, getInt(out, f.position) | jImm((int) off));
            }
            case CJ -> {
                checkTargetOffset(where, off, 12);
                putShort(out, f.position, getShort(out, f.position) | cjImm((int) off));
            }
            case CB -> {
                checkTargetOffset(where, off, 9);
                putShort(out, f.position, getShort(out, f.position) | cbImm((int) off));
            }
            case PCREL_DATA, PCREL_JUMP -> {
                if (f.kind == Kind.PCREL_JUMP && (off & 1) != 0) throw new IllegalArgumentException(where + ": target is misaligned (odd offset " + off + ")");
                long hi = (off + 0x800) >> 12;
                if (hi < -(1L << 19) || hi >= (1L << 19)) {
                    throw new IllegalArgumentException(where + ": offset " + off + " out of range of auipc");
                }
                long lo = off - (hi << 12);
                putInt(out, f.position, getInt(out, f.position) | (int) (hi << 12));
                putInt(out, f.position + 4, getInt(out, f.position + 4) | ((int) lo << 20));
            }
        }
    }

    private static void checkTargetOffset(String where, long off, int bits) {
        if ((off & 1) != 0) throw new IllegalArgumentException(where + ": target is misaligned (odd offset " + off + ")");
        long lim = 1L << (bits - 1);
        if (off < -lim || off >= lim) {
            throw new IllegalArgumentException(where + ": offset " + off + " out of range [" + (-lim) + ", " + (lim - 2) + "]");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Raw output and data

    /** Emits an arbitrary 32-bit word (any encoding, legal or not), little-endian. */
    public Assembler emit32(int word) {
        ensure(4);
        putInt(buf, size, word);
        size += 4;
        return this;
    }

    /** Emits an arbitrary 16-bit parcel (any encoding, legal or not), little-endian. */
    public Assembler emit16(int half) {
        if (half < -0x8000 || half > 0xffff) throw new IllegalArgumentException("emit16: value 0x" + Integer.toHexString(half) + " does not fit in 16 bits");
        ensure(2);
        putShort(buf, size, half);
        size += 2;
        return this;
    }

    /** A 32-bit data word. */
    public Assembler word(int value) {
        return emit32(value);
    }

    /** The absolute address of {@code label} as a 32-bit data word (it must fit). */
    public Assembler word(Label label) {
        own(label);
        fixups.add(new Fixup(Kind.ABS32, size, label, ".word"));
        return emit32(0);
    }

    /** A 16-bit data halfword. */
    public Assembler half(int value) {
        if (value < -0x8000 || value > 0xffff) throw new IllegalArgumentException("half: value " + value + " does not fit in 16 bits");
        ensure(2);
        putShort(buf, size, value);
        size += 2;
        return this;
    }

    /** A 64-bit data doubleword. */
    public Assembler dword(long value) {
        ensure(8);
        putLong(buf, size, value);
        size += 8;
        return this;
    }

    /** The absolute address of {@code label} as a 64-bit data doubleword. */
    public Assembler dword(Label label) {
        own(label);
        fixups.add(new Fixup(Kind.ABS64, size, label, ".dword"));
        return dword(0);
    }

    public Assembler bytes(byte[] data) {
        ensure(data.length);
        System.arraycopy(data, 0, buf, size, data.length);
        size += data.length;
        return this;
    }

    /** Bytes given as ints, each in -128..255. */
    public Assembler bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < -128 || values[i] > 255) throw new IllegalArgumentException("bytes: value " + values[i] + " does not fit in a byte");
            b[i] = (byte) values[i];
        }
        return bytes(b);
    }

    /** {@code n} zero bytes. */
    public Assembler zero(int n) {
        if (n < 0) throw new IllegalArgumentException("zero: negative count " + n);
        ensure(n);
        size += n; // the buffer is zero beyond size
        return this;
    }

    /** Pads with zero bytes until {@link #here()} is a multiple of {@code alignment} (a power of two). */
    public Assembler align(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw new IllegalArgumentException("align: " + alignment + " is not a power of two");
        int pad = (int) (-here() & (alignment - 1));
        return zero(pad);
    }

    /** UTF-8 bytes of {@code s}, without terminator. */
    public Assembler ascii(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** UTF-8 bytes of {@code s} followed by a NUL byte. */
    public Assembler asciz(String s) {
        ascii(s);
        return zero(1);
    }

    // ------------------------------------------------------------------------------------------
    // RV64I

    /** {@code lui rd, imm20}: imm20 is the upper 20 bits, as 0..0xfffff or -0x80000..0x7ffff. */
    public Assembler lui(int rd, int imm20) {
        return u("lui", OP_LUI, rd, imm20);
    }

    /** {@code auipc rd, imm20}: imm20 is the upper 20 bits, as 0..0xfffff or -0x80000..0x7ffff. */
    public Assembler auipc(int rd, int imm20) {
        return u("auipc", OP_AUIPC, rd, imm20);
    }

    public Assembler jal(int rd, Label target) {
        xreg("jal", rd);
        return fixup(Kind.JAL, target, "jal").emit32(OP_JAL | rd << 7);
    }

    /** {@code jal rd, offset} with a byte offset relative to this instruction. */
    public Assembler jal(int rd, int offset) {
        xreg("jal", rd);
        checkOffset("jal", offset, 21);
        return emit32(OP_JAL | rd << 7 | jImm(offset));
    }

    /** {@code jal label} (pseudo): {@code jal ra, label}. */
    public Assembler jal(Label target) {
        return jal(Reg.RA, target);
    }

    public Assembler jalr(int rd, int rs1, int imm) {
        return i("jalr", OP_JALR, 0, rd, rs1, imm);
    }

    /** {@code jalr rs1} (pseudo): {@code jalr ra, 0(rs1)}. */
    public Assembler jalr(int rs1) {
        return jalr(Reg.RA, rs1, 0);
    }

    public Assembler beq(int rs1, int rs2, Label target) { return branch("beq", 0, rs1, rs2, target); }
    public Assembler bne(int rs1, int rs2, Label target) { return branch("bne", 1, rs1, rs2, target); }
    public Assembler blt(int rs1, int rs2, Label target) { return branch("blt", 4, rs1, rs2, target); }
    public Assembler bge(int rs1, int rs2, Label target) { return branch("bge", 5, rs1, rs2, target); }
    public Assembler bltu(int rs1, int rs2, Label target) { return branch("bltu", 6, rs1, rs2, target); }
    public Assembler bgeu(int rs1, int rs2, Label target) { return branch("bgeu", 7, rs1, rs2, target); }

    public Assembler beq(int rs1, int rs2, int offset) { return branch("beq", 0, rs1, rs2, offset); }
    public Assembler bne(int rs1, int rs2, int offset) { return branch("bne", 1, rs1, rs2, offset); }
    public Assembler blt(int rs1, int rs2, int offset) { return branch("blt", 4, rs1, rs2, offset); }
    public Assembler bge(int rs1, int rs2, int offset) { return branch("bge", 5, rs1, rs2, offset); }
    public Assembler bltu(int rs1, int rs2, int offset) { return branch("bltu", 6, rs1, rs2, offset); }
    public Assembler bgeu(int rs1, int rs2, int offset) { return branch("bgeu", 7, rs1, rs2, offset); }

    public Assembler lb(int rd, int imm, int rs1) { return i("lb", OP_LOAD, 0, rd, rs1, imm); }
    public Assembler lh(int rd, int imm, int rs1) { return i("lh", OP_LOAD, 1, rd, rs1, imm); }
    public Assembler lw(int rd, int imm, int rs1) { return i("lw", OP_LOAD, 2, rd, rs1, imm); }
    public Assembler ld(int rd, int imm, int rs1) { return i("ld", OP_LOAD, 3, rd, rs1, imm); }
    public Assembler lbu(int rd, int imm, int rs1) { return i("lbu", OP_LOAD, 4, rd, rs1, imm); }
    public Assembler lhu(int rd, int imm, int rs1) { return i("lhu", OP_LOAD, 5, rd, rs1, imm); }
    public Assembler lwu(int rd, int imm, int rs1) { return i("lwu", OP_LOAD, 6, rd, rs1, imm); }

    public Assembler sb(int rs2, int imm, int rs1) { return s("sb", OP_STORE, 0, rs2, rs1, imm); }
    public Assembler sh(int rs2, int imm, int rs1) { return s("sh", OP_STORE, 1, rs2, rs1, imm); }
    public Assembler sw(int rs2, int imm, int rs1) { return s("sw", OP_STORE, 2, rs2, rs1, imm); }
    public Assembler sd(int rs2, int imm, int rs1) { return s("sd", OP_STORE, 3, rs2, rs1, imm); }

    public Assembler addi(int rd, int rs1, int imm) { return i("addi", OP_IMM, 0, rd, rs1, imm); }
    public Assembler slti(int rd, int rs1, int imm) { return i("slti", OP_IMM, 2, rd, rs1, imm); }
    public Assembler sltiu(int rd, int rs1, int imm) { return i("sltiu", OP_IMM, 3, rd, rs1, imm); }
    public Assembler xori(int rd, int rs1, int imm) { return i("xori", OP_IMM, 4, rd, rs1, imm); }
    public Assembler ori(int rd, int rs1, int imm) { return i("ori", OP_IMM, 6, rd, rs1, imm); }
    public Assembler andi(int rd, int rs1, int imm) { return i("andi", OP_IMM, 7, rd, rs1, imm); }

    public Assembler slli(int rd, int rs1, int shamt) { return shift6("slli", OP_IMM, 0x00, 1, rd, rs1, shamt); }
    public Assembler srli(int rd, int rs1, int shamt) { return shift6("srli", OP_IMM, 0x00, 5, rd, rs1, shamt); }
    public Assembler srai(int rd, int rs1, int shamt) { return shift6("srai", OP_IMM, 0x10, 5, rd, rs1, shamt); }

    public Assembler add(int rd, int rs1, int rs2) { return r("add", OP_OP, 0x00, 0, rd, rs1, rs2); }
    public Assembler sub(int rd, int rs1, int rs2) { return r("sub", OP_OP, 0x20, 0, rd, rs1, rs2); }
    public Assembler sll(int rd, int rs1, int rs2) { return r("sll", OP_OP, 0x00, 1, rd, rs1, rs2); }
    public Assembler slt(int rd, int rs1, int rs2) { return r("slt", OP_OP, 0x00, 2, rd, rs1, rs2); }
    public Assembler sltu(int rd, int rs1, int rs2) { return r("sltu", OP_OP, 0x00, 3, rd, rs1, rs2); }
    public Assembler xor(int rd, int rs1, int rs2) { return r("xor", OP_OP, 0x00, 4, rd, rs1, rs2); }
    public Assembler srl(int rd, int rs1, int rs2) { return r("srl", OP_OP, 0x00, 5, rd, rs1, rs2); }
    public Assembler sra(int rd, int rs1, int rs2) { return r("sra", OP_OP, 0x20, 5, rd, rs1, rs2); }
    public Assembler or(int rd, int rs1, int rs2) { return r("or", OP_OP, 0x00, 6, rd, rs1, rs2); }
    public Assembler and(int rd, int rs1, int rs2) { return r("and", OP_OP, 0x00, 7, rd, rs1, rs2); }

    public Assembler addiw(int rd, int rs1, int imm) { return i("addiw", OP_IMM_32, 0, rd, rs1, imm); }
    public Assembler slliw(int rd, int rs1, int shamt) { return shift5("slliw", OP_IMM_32, 0x00, 1, rd, rs1, shamt); }
    public Assembler srliw(int rd, int rs1, int shamt) { return shift5("srliw", OP_IMM_32, 0x00, 5, rd, rs1, shamt); }
    public Assembler sraiw(int rd, int rs1, int shamt) { return shift5("sraiw", OP_IMM_32, 0x20, 5, rd, rs1, shamt); }

    public Assembler addw(int rd, int rs1, int rs2) { return r("addw", OP_OP_32, 0x00, 0, rd, rs1, rs2); }
    public Assembler subw(int rd, int rs1, int rs2) { return r("subw", OP_OP_32, 0x20, 0, rd, rs1, rs2); }
    public Assembler sllw(int rd, int rs1, int rs2) { return r("sllw", OP_OP_32, 0x00, 1, rd, rs1, rs2); }
    public Assembler srlw(int rd, int rs1, int rs2) { return r("srlw", OP_OP_32, 0x00, 5, rd, rs1, rs2); }
    public Assembler sraw(int rd, int rs1, int rs2) { return r("sraw", OP_OP_32, 0x20, 5, rd, rs1, rs2); }

    /** {@code fence iorw, iorw}. */
    public Assembler fence() {
        return fence(FENCE_IORW, FENCE_IORW);
    }

    /** {@code fence pred, succ} with sets built from {@link #FENCE_I}, {@link #FENCE_O}, {@link #FENCE_R}, {@link #FENCE_W}. */
    public Assembler fence(int pred, int succ) {
        if (pred < 0 || pred > 15 || succ < 0 || succ > 15) throw new IllegalArgumentException("fence: sets must be in 0..15, got " + pred + ", " + succ);
        return emit32(pred << 24 | succ << 20 | OP_MISC_MEM);
    }

    /** {@code fence pred, succ} with sets written as in assembly: "iorw", "rw", "w", ... */
    public Assembler fence(String pred, String succ) {
        return fence(fenceSet(pred), fenceSet(succ));
    }

    private static int fenceSet(String s) {
        int v = 0;
        for (char c : s.toLowerCase().toCharArray()) {
            int bit = switch (c) {
                case 'i' -> FENCE_I;
                case 'o' -> FENCE_O;
                case 'r' -> FENCE_R;
                case 'w' -> FENCE_W;
                default -> throw new IllegalArgumentException("fence: bad set \"" + s + "\"");
            };
            if ((v & bit) != 0) throw new IllegalArgumentException("fence: bad set \"" + s + "\"");
            v |= bit;
        }
        return v;
    }

    public Assembler fence_tso() {
        return emit32(0x8 << 28 | (FENCE_R | FENCE_W) << 24 | (FENCE_R | FENCE_W) << 20 | OP_MISC_MEM);
    }

    public Assembler fence_i() {
        return emit32(1 << 12 | OP_MISC_MEM);
    }

    public Assembler ecall() {
        return emit32(OP_SYSTEM);
    }

    public Assembler ebreak() {
        return emit32(1 << 20 | OP_SYSTEM);
    }

    // ------------------------------------------------------------------------------------------
    // Zihintpause, privileged

    /** {@code pause}: a fence with predecessor set W and empty successor set. */
    public Assembler pause() {
        return fence(FENCE_W, 0);
    }

    public Assembler mret() {
        return emit32(0x302 << 20 | OP_SYSTEM);
    }

    public Assembler sret() {
        return emit32(0x102 << 20 | OP_SYSTEM);
    }

    public Assembler wfi() {
        return emit32(0x105 << 20 | OP_SYSTEM);
    }

    public Assembler sfence_vma(int rs1, int rs2) {
        return r("sfence.vma", OP_SYSTEM, 0x09, 0, 0, rs1, rs2);
    }

    /** {@code sfence.vma zero, zero}. */
    public Assembler sfence_vma() {
        return sfence_vma(Reg.ZERO, Reg.ZERO);
    }

    // ------------------------------------------------------------------------------------------
    // M

    public Assembler mul(int rd, int rs1, int rs2) { return r("mul", OP_OP, 0x01, 0, rd, rs1, rs2); }
    public Assembler mulh(int rd, int rs1, int rs2) { return r("mulh", OP_OP, 0x01, 1, rd, rs1, rs2); }
    public Assembler mulhsu(int rd, int rs1, int rs2) { return r("mulhsu", OP_OP, 0x01, 2, rd, rs1, rs2); }
    public Assembler mulhu(int rd, int rs1, int rs2) { return r("mulhu", OP_OP, 0x01, 3, rd, rs1, rs2); }
    public Assembler div(int rd, int rs1, int rs2) { return r("div", OP_OP, 0x01, 4, rd, rs1, rs2); }
    public Assembler divu(int rd, int rs1, int rs2) { return r("divu", OP_OP, 0x01, 5, rd, rs1, rs2); }
    public Assembler rem(int rd, int rs1, int rs2) { return r("rem", OP_OP, 0x01, 6, rd, rs1, rs2); }
    public Assembler remu(int rd, int rs1, int rs2) { return r("remu", OP_OP, 0x01, 7, rd, rs1, rs2); }
    public Assembler mulw(int rd, int rs1, int rs2) { return r("mulw", OP_OP_32, 0x01, 0, rd, rs1, rs2); }
    public Assembler divw(int rd, int rs1, int rs2) { return r("divw", OP_OP_32, 0x01, 4, rd, rs1, rs2); }
    public Assembler divuw(int rd, int rs1, int rs2) { return r("divuw", OP_OP_32, 0x01, 5, rd, rs1, rs2); }
    public Assembler remw(int rd, int rs1, int rs2) { return r("remw", OP_OP_32, 0x01, 6, rd, rs1, rs2); }
    public Assembler remuw(int rd, int rs1, int rs2) { return r("remuw", OP_OP_32, 0x01, 7, rd, rs1, rs2); }

    // ------------------------------------------------------------------------------------------
    // A: lr.x rd, (rs1); sc.x rd, rs2, (rs1); amo*.x rd, rs2, (rs1); overloads with aq, rl bits

    public Assembler lr_w(int rd, int rs1) { return amo("lr.w", 0x02, 2, rd, rs1, 0, false, false); }
    public Assembler lr_w(int rd, int rs1, boolean aq, boolean rl) { return amo("lr.w", 0x02, 2, rd, rs1, 0, aq, rl); }
    public Assembler lr_d(int rd, int rs1) { return amo("lr.d", 0x02, 3, rd, rs1, 0, false, false); }
    public Assembler lr_d(int rd, int rs1, boolean aq, boolean rl) { return amo("lr.d", 0x02, 3, rd, rs1, 0, aq, rl); }
    public Assembler sc_w(int rd, int rs2, int rs1) { return amo("sc.w", 0x03, 2, rd, rs1, rs2, false, false); }
    public Assembler sc_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("sc.w", 0x03, 2, rd, rs1, rs2, aq, rl); }
    public Assembler sc_d(int rd, int rs2, int rs1) { return amo("sc.d", 0x03, 3, rd, rs1, rs2, false, false); }
    public Assembler sc_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("sc.d", 0x03, 3, rd, rs1, rs2, aq, rl); }

    public Assembler amoswap_w(int rd, int rs2, int rs1) { return amo("amoswap.w", 0x01, 2, rd, rs1, rs2, false, false); }
    public Assembler amoswap_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoswap.w", 0x01, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amoswap_d(int rd, int rs2, int rs1) { return amo("amoswap.d", 0x01, 3, rd, rs1, rs2, false, false); }
    public Assembler amoswap_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoswap.d", 0x01, 3, rd, rs1, rs2, aq, rl); }
    public Assembler amoadd_w(int rd, int rs2, int rs1) { return amo("amoadd.w", 0x00, 2, rd, rs1, rs2, false, false); }
    public Assembler amoadd_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoadd.w", 0x00, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amoadd_d(int rd, int rs2, int rs1) { return amo("amoadd.d", 0x00, 3, rd, rs1, rs2, false, false); }
    public Assembler amoadd_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoadd.d", 0x00, 3, rd, rs1, rs2, aq, rl); }
    public Assembler amoxor_w(int rd, int rs2, int rs1) { return amo("amoxor.w", 0x04, 2, rd, rs1, rs2, false, false); }
    public Assembler amoxor_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoxor.w", 0x04, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amoxor_d(int rd, int rs2, int rs1) { return amo("amoxor.d", 0x04, 3, rd, rs1, rs2, false, false); }
    public Assembler amoxor_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoxor.d", 0x04, 3, rd, rs1, rs2, aq, rl); }
    public Assembler amoand_w(int rd, int rs2, int rs1) { return amo("amoand.w", 0x0c, 2, rd, rs1, rs2, false, false); }
    public Assembler amoand_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoand.w", 0x0c, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amoand_d(int rd, int rs2, int rs1) { return amo("amoand.d", 0x0c, 3, rd, rs1, rs2, false, false); }
    public Assembler amoand_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoand.d", 0x0c, 3, rd, rs1, rs2, aq, rl); }
    public Assembler amoor_w(int rd, int rs2, int rs1) { return amo("amoor.w", 0x08, 2, rd, rs1, rs2, false, false); }
    public Assembler amoor_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoor.w", 0x08, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amoor_d(int rd, int rs2, int rs1) { return amo("amoor.d", 0x08, 3, rd, rs1, rs2, false, false); }
    public Assembler amoor_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amoor.d", 0x08, 3, rd, rs1, rs2, aq, rl); }
    public Assembler amomin_w(int rd, int rs2, int rs1) { return amo("amomin.w", 0x10, 2, rd, rs1, rs2, false, false); }
    public Assembler amomin_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amomin.w", 0x10, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amomin_d(int rd, int rs2, int rs1) { return amo("amomin.d", 0x10, 3, rd, rs1, rs2, false, false); }
    public Assembler amomin_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amomin.d", 0x10, 3, rd, rs1, rs2, aq, rl); }
    public Assembler amomax_w(int rd, int rs2, int rs1) { return amo("amomax.w", 0x14, 2, rd, rs1, rs2, false, false); }
    public Assembler amomax_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amomax.w", 0x14, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amomax_d(int rd, int rs2, int rs1) { return amo("amomax.d", 0x14, 3, rd, rs1, rs2, false, false); }
    public Assembler amomax_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amomax.d", 0x14, 3, rd, rs1, rs2, aq, rl); }
    public Assembler amominu_w(int rd, int rs2, int rs1) { return amo("amominu.w", 0x18, 2, rd, rs1, rs2, false, false); }
    public Assembler amominu_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amominu.w", 0x18, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amominu_d(int rd, int rs2, int rs1) { return amo("amominu.d", 0x18, 3, rd, rs1, rs2, false, false); }
    public Assembler amominu_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amominu.d", 0x18, 3, rd, rs1, rs2, aq, rl); }
    public Assembler amomaxu_w(int rd, int rs2, int rs1) { return amo("amomaxu.w", 0x1c, 2, rd, rs1, rs2, false, false); }
    public Assembler amomaxu_w(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amomaxu.w", 0x1c, 2, rd, rs1, rs2, aq, rl); }
    public Assembler amomaxu_d(int rd, int rs2, int rs1) { return amo("amomaxu.d", 0x1c, 3, rd, rs1, rs2, false, false); }
    public Assembler amomaxu_d(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo("amomaxu.d", 0x1c, 3, rd, rs1, rs2, aq, rl); }

    // ------------------------------------------------------------------------------------------
    // F and D. Methods taking a rounding mode have an overload without it that uses DYN (except
    // the exact conversions fcvt.d.s, fcvt.d.w and fcvt.d.wu, which use RNE as GNU as does).

    public Assembler flw(int rd, int imm, int rs1) { return i("flw", OP_LOAD_FP, 2, rd, rs1, imm); }
    public Assembler fld(int rd, int imm, int rs1) { return i("fld", OP_LOAD_FP, 3, rd, rs1, imm); }
    public Assembler fsw(int rs2, int imm, int rs1) { return s("fsw", OP_STORE_FP, 2, rs2, rs1, imm); }
    public Assembler fsd(int rs2, int imm, int rs1) { return s("fsd", OP_STORE_FP, 3, rs2, rs1, imm); }

    public Assembler fadd_s(int rd, int rs1, int rs2) { return fop("fadd.s", 0x00, FMT_S, rd, rs1, rs2, DYN); }
    public Assembler fadd_s(int rd, int rs1, int rs2, int rm) { return fop("fadd.s", 0x00, FMT_S, rd, rs1, rs2, rm); }
    public Assembler fsub_s(int rd, int rs1, int rs2) { return fop("fsub.s", 0x01, FMT_S, rd, rs1, rs2, DYN); }
    public Assembler fsub_s(int rd, int rs1, int rs2, int rm) { return fop("fsub.s", 0x01, FMT_S, rd, rs1, rs2, rm); }
    public Assembler fmul_s(int rd, int rs1, int rs2) { return fop("fmul.s", 0x02, FMT_S, rd, rs1, rs2, DYN); }
    public Assembler fmul_s(int rd, int rs1, int rs2, int rm) { return fop("fmul.s", 0x02, FMT_S, rd, rs1, rs2, rm); }
    public Assembler fdiv_s(int rd, int rs1, int rs2) { return fop("fdiv.s", 0x03, FMT_S, rd, rs1, rs2, DYN); }
    public Assembler fdiv_s(int rd, int rs1, int rs2, int rm) { return fop("fdiv.s", 0x03, FMT_S, rd, rs1, rs2, rm); }
    public Assembler fsqrt_s(int rd, int rs1) { return fop("fsqrt.s", 0x0b, FMT_S, rd, rs1, 0, DYN); }
    public Assembler fsqrt_s(int rd, int rs1, int rm) { return fop("fsqrt.s", 0x0b, FMT_S, rd, rs1, 0, rm); }
    public Assembler fadd_d(int rd, int rs1, int rs2) { return fop("fadd.d", 0x00, FMT_D, rd, rs1, rs2, DYN); }
    public Assembler fadd_d(int rd, int rs1, int rs2, int rm) { return fop("fadd.d", 0x00, FMT_D, rd, rs1, rs2, rm); }
    public Assembler fsub_d(int rd, int rs1, int rs2) { return fop("fsub.d", 0x01, FMT_D, rd, rs1, rs2, DYN); }
    public Assembler fsub_d(int rd, int rs1, int rs2, int rm) { return fop("fsub.d", 0x01, FMT_D, rd, rs1, rs2, rm); }
    public Assembler fmul_d(int rd, int rs1, int rs2) { return fop("fmul.d", 0x02, FMT_D, rd, rs1, rs2, DYN); }
    public Assembler fmul_d(int rd, int rs1, int rs2, int rm) { return fop("fmul.d", 0x02, FMT_D, rd, rs1, rs2, rm); }
    public Assembler fdiv_d(int rd, int rs1, int rs2) { return fop("fdiv.d", 0x03, FMT_D, rd, rs1, rs2, DYN); }
    public Assembler fdiv_d(int rd, int rs1, int rs2, int rm) { return fop("fdiv.d", 0x03, FMT_D, rd, rs1, rs2, rm); }
    public Assembler fsqrt_d(int rd, int rs1) { return fop("fsqrt.d", 0x0b, FMT_D, rd, rs1, 0, DYN); }
    public Assembler fsqrt_d(int rd, int rs1, int rm) { return fop("fsqrt.d", 0x0b, FMT_D, rd, rs1, 0, rm); }

    public Assembler fmadd_s(int rd, int rs1, int rs2, int rs3) { return r4("fmadd.s", OP_MADD, FMT_S, rd, rs1, rs2, rs3, DYN); }
    public Assembler fmadd_s(int rd, int rs1, int rs2, int rs3, int rm) { return r4("fmadd.s", OP_MADD, FMT_S, rd, rs1, rs2, rs3, rm); }
    public Assembler fmsub_s(int rd, int rs1, int rs2, int rs3) { return r4("fmsub.s", OP_MSUB, FMT_S, rd, rs1, rs2, rs3, DYN); }
    public Assembler fmsub_s(int rd, int rs1, int rs2, int rs3, int rm) { return r4("fmsub.s", OP_MSUB, FMT_S, rd, rs1, rs2, rs3, rm); }
    public Assembler fnmsub_s(int rd, int rs1, int rs2, int rs3) { return r4("fnmsub.s", OP_NMSUB, FMT_S, rd, rs1, rs2, rs3, DYN); }
    public Assembler fnmsub_s(int rd, int rs1, int rs2, int rs3, int rm) { return r4("fnmsub.s", OP_NMSUB, FMT_S, rd, rs1, rs2, rs3, rm); }
    public Assembler fnmadd_s(int rd, int rs1, int rs2, int rs3) { return r4("fnmadd.s", OP_NMADD, FMT_S, rd, rs1, rs2, rs3, DYN); }
    public Assembler fnmadd_s(int rd, int rs1, int rs2, int rs3, int rm) { return r4("fnmadd.s", OP_NMADD, FMT_S, rd, rs1, rs2, rs3, rm); }
    public Assembler fmadd_d(int rd, int rs1, int rs2, int rs3) { return r4("fmadd.d", OP_MADD, FMT_D, rd, rs1, rs2, rs3, DYN); }
    public Assembler fmadd_d(int rd, int rs1, int rs2, int rs3, int rm) { return r4("fmadd.d", OP_MADD, FMT_D, rd, rs1, rs2, rs3, rm); }
    public Assembler fmsub_d(int rd, int rs1, int rs2, int rs3) { return r4("fmsub.d", OP_MSUB, FMT_D, rd, rs1, rs2, rs3, DYN); }
    public Assembler fmsub_d(int rd, int rs1, int rs2, int rs3, int rm) { return r4("fmsub.d", OP_MSUB, FMT_D, rd, rs1, rs2, rs3, rm); }
    public Assembler fnmsub_d(int rd, int rs1, int rs2, int rs3) { return r4("fnmsub.d", OP_NMSUB, FMT_D, rd, rs1, rs2, rs3, DYN); }
    public Assembler fnmsub_d(int rd, int rs1, int rs2, int rs3, int rm) { return r4("fnmsub.d", OP_NMSUB, FMT_D, rd, rs1, rs2, rs3, rm); }
    public Assembler fnmadd_d(int rd, int rs1, int rs2, int rs3) { return r4("fnmadd.d", OP_NMADD, FMT_D, rd, rs1, rs2, rs3, DYN); }
    public Assembler fnmadd_d(int rd, int rs1, int rs2, int rs3, int rm) { return r4("fnmadd.d", OP_NMADD, FMT_D, rd, rs1, rs2, rs3, rm); }

    public Assembler fsgnj_s(int rd, int rs1, int rs2) { return fop("fsgnj.s", 0x04, FMT_S, rd, rs1, rs2, 0); }
    public Assembler fsgnjn_s(int rd, int rs1, int rs2) { return fop("fsgnjn.s", 0x04, FMT_S, rd, rs1, rs2, 1); }
    public Assembler fsgnjx_s(int rd, int rs1, int rs2) { return fop("fsgnjx.s", 0x04, FMT_S, rd, rs1, rs2, 2); }
    public Assembler fmin_s(int rd, int rs1, int rs2) { return fop("fmin.s", 0x05, FMT_S, rd, rs1, rs2, 0); }
    public Assembler fmax_s(int rd, int rs1, int rs2) { return fop("fmax.s", 0x05, FMT_S, rd, rs1, rs2, 1); }
    public Assembler fsgnj_d(int rd, int rs1, int rs2) { return fop("fsgnj.d", 0x04, FMT_D, rd, rs1, rs2, 0); }
    public Assembler fsgnjn_d(int rd, int rs1, int rs2) { return fop("fsgnjn.d", 0x04, FMT_D, rd, rs1, rs2, 1); }
    public Assembler fsgnjx_d(int rd, int rs1, int rs2) { return fop("fsgnjx.d", 0x04, FMT_D, rd, rs1, rs2, 2); }
    public Assembler fmin_d(int rd, int rs1, int rs2) { return fop("fmin.d", 0x05, FMT_D, rd, rs1, rs2, 0); }
    public Assembler fmax_d(int rd, int rs1, int rs2) { return fop("fmax.d", 0x05, FMT_D, rd, rs1, rs2, 1); }

    public Assembler feq_s(int rd, int rs1, int rs2) { return fop("feq.s", 0x14, FMT_S, rd, rs1, rs2, 2); }
    public Assembler flt_s(int rd, int rs1, int rs2) { return fop("flt.s", 0x14, FMT_S, rd, rs1, rs2, 1); }
    public Assembler fle_s(int rd, int rs1, int rs2) { return fop("fle.s", 0x14, FMT_S, rd, rs1, rs2, 0); }
    public Assembler feq_d(int rd, int rs1, int rs2) { return fop("feq.d", 0x14, FMT_D, rd, rs1, rs2, 2); }
    public Assembler flt_d(int rd, int rs1, int rs2) { return fop("flt.d", 0x14, FMT_D, rd, rs1, rs2, 1); }
    public Assembler fle_d(int rd, int rs1, int rs2) { return fop("fle.d", 0x14, FMT_D, rd, rs1, rs2, 0); }

    public Assembler fclass_s(int rd, int rs1) { return fop("fclass.s", 0x1c, FMT_S, rd, rs1, 0, 1); }
    public Assembler fclass_d(int rd, int rs1) { return fop("fclass.d", 0x1c, FMT_D, rd, rs1, 0, 1); }
    public Assembler fmv_x_w(int rd, int rs1) { return fop("fmv.x.w", 0x1c, FMT_S, rd, rs1, 0, 0); }
    public Assembler fmv_x_d(int rd, int rs1) { return fop("fmv.x.d", 0x1c, FMT_D, rd, rs1, 0, 0); }
    public Assembler fmv_w_x(int rd, int rs1) { return fop("fmv.w.x", 0x1e, FMT_S, rd, rs1, 0, 0); }
    public Assembler fmv_d_x(int rd, int rs1) { return fop("fmv.d.x", 0x1e, FMT_D, rd, rs1, 0, 0); }

    // float -> integer (funct5 0x18, rs2 selects w/wu/l/lu)
    public Assembler fcvt_w_s(int rd, int rs1) { return fop("fcvt.w.s", 0x18, FMT_S, rd, rs1, 0, DYN); }
    public Assembler fcvt_w_s(int rd, int rs1, int rm) { return fop("fcvt.w.s", 0x18, FMT_S, rd, rs1, 0, rm); }
    public Assembler fcvt_wu_s(int rd, int rs1) { return fop("fcvt.wu.s", 0x18, FMT_S, rd, rs1, 1, DYN); }
    public Assembler fcvt_wu_s(int rd, int rs1, int rm) { return fop("fcvt.wu.s", 0x18, FMT_S, rd, rs1, 1, rm); }
    public Assembler fcvt_l_s(int rd, int rs1) { return fop("fcvt.l.s", 0x18, FMT_S, rd, rs1, 2, DYN); }
    public Assembler fcvt_l_s(int rd, int rs1, int rm) { return fop("fcvt.l.s", 0x18, FMT_S, rd, rs1, 2, rm); }
    public Assembler fcvt_lu_s(int rd, int rs1) { return fop("fcvt.lu.s", 0x18, FMT_S, rd, rs1, 3, DYN); }
    public Assembler fcvt_lu_s(int rd, int rs1, int rm) { return fop("fcvt.lu.s", 0x18, FMT_S, rd, rs1, 3, rm); }
    public Assembler fcvt_w_d(int rd, int rs1) { return fop("fcvt.w.d", 0x18, FMT_D, rd, rs1, 0, DYN); }
    public Assembler fcvt_w_d(int rd, int rs1, int rm) { return fop("fcvt.w.d", 0x18, FMT_D, rd, rs1, 0, rm); }
    public Assembler fcvt_wu_d(int rd, int rs1) { return fop("fcvt.wu.d", 0x18, FMT_D, rd, rs1, 1, DYN); }
    public Assembler fcvt_wu_d(int rd, int rs1, int rm) { return fop("fcvt.wu.d", 0x18, FMT_D, rd, rs1, 1, rm); }
    public Assembler fcvt_l_d(int rd, int rs1) { return fop("fcvt.l.d", 0x18, FMT_D, rd, rs1, 2, DYN); }
    public Assembler fcvt_l_d(int rd, int rs1, int rm) { return fop("fcvt.l.d", 0x18, FMT_D, rd, rs1, 2, rm); }
    public Assembler fcvt_lu_d(int rd, int rs1) { return fop("fcvt.lu.d", 0x18, FMT_D, rd, rs1, 3, DYN); }
    public Assembler fcvt_lu_d(int rd, int rs1, int rm) { return fop("fcvt.lu.d", 0x18, FMT_D, rd, rs1, 3, rm); }

    // integer -> float (funct5 0x1a)
    public Assembler fcvt_s_w(int rd, int rs1) { return fop("fcvt.s.w", 0x1a, FMT_S, rd, rs1, 0, DYN); }
    public Assembler fcvt_s_w(int rd, int rs1, int rm) { return fop("fcvt.s.w", 0x1a, FMT_S, rd, rs1, 0, rm); }
    public Assembler fcvt_s_wu(int rd, int rs1) { return fop("fcvt.s.wu", 0x1a, FMT_S, rd, rs1, 1, DYN); }
    public Assembler fcvt_s_wu(int rd, int rs1, int rm) { return fop("fcvt.s.wu", 0x1a, FMT_S, rd, rs1, 1, rm); }
    public Assembler fcvt_s_l(int rd, int rs1) { return fop("fcvt.s.l", 0x1a, FMT_S, rd, rs1, 2, DYN); }
    public Assembler fcvt_s_l(int rd, int rs1, int rm) { return fop("fcvt.s.l", 0x1a, FMT_S, rd, rs1, 2, rm); }
    public Assembler fcvt_s_lu(int rd, int rs1) { return fop("fcvt.s.lu", 0x1a, FMT_S, rd, rs1, 3, DYN); }
    public Assembler fcvt_s_lu(int rd, int rs1, int rm) { return fop("fcvt.s.lu", 0x1a, FMT_S, rd, rs1, 3, rm); }
    public Assembler fcvt_d_w(int rd, int rs1) { return fop("fcvt.d.w", 0x1a, FMT_D, rd, rs1, 0, RNE); }
    public Assembler fcvt_d_w(int rd, int rs1, int rm) { return fop("fcvt.d.w", 0x1a, FMT_D, rd, rs1, 0, rm); }
    public Assembler fcvt_d_wu(int rd, int rs1) { return fop("fcvt.d.wu", 0x1a, FMT_D, rd, rs1, 1, RNE); }
    public Assembler fcvt_d_wu(int rd, int rs1, int rm) { return fop("fcvt.d.wu", 0x1a, FMT_D, rd, rs1, 1, rm); }
    public Assembler fcvt_d_l(int rd, int rs1) { return fop("fcvt.d.l", 0x1a, FMT_D, rd, rs1, 2, DYN); }
    public Assembler fcvt_d_l(int rd, int rs1, int rm) { return fop("fcvt.d.l", 0x1a, FMT_D, rd, rs1, 2, rm); }
    public Assembler fcvt_d_lu(int rd, int rs1) { return fop("fcvt.d.lu", 0x1a, FMT_D, rd, rs1, 3, DYN); }
    public Assembler fcvt_d_lu(int rd, int rs1, int rm) { return fop("fcvt.d.lu", 0x1a, FMT_D, rd, rs1, 3, rm); }

    // float <-> float (funct5 0x08, fmt is the destination, rs2 the source format)
    public Assembler fcvt_s_d(int rd, int rs1) { return fop("fcvt.s.d", 0x08, FMT_S, rd, rs1, FMT_D, DYN); }
    public Assembler fcvt_s_d(int rd, int rs1, int rm) { return fop("fcvt.s.d", 0x08, FMT_S, rd, rs1, FMT_D, rm); }
    public Assembler fcvt_d_s(int rd, int rs1) { return fop("fcvt.d.s", 0x08, FMT_D, rd, rs1, FMT_S, RNE); }
    public Assembler fcvt_d_s(int rd, int rs1, int rm) { return fop("fcvt.d.s", 0x08, FMT_D, rd, rs1, FMT_S, rm); }

    // pseudo-instructions of F and D
    public Assembler fmv_s(int rd, int rs) { return fsgnj_s(rd, rs, rs); }
    public Assembler fneg_s(int rd, int rs) { return fsgnjn_s(rd, rs, rs); }
    public Assembler fabs_s(int rd, int rs) { return fsgnjx_s(rd, rs, rs); }
    public Assembler fmv_d(int rd, int rs) { return fsgnj_d(rd, rs, rs); }
    public Assembler fneg_d(int rd, int rs) { return fsgnjn_d(rd, rs, rs); }
    public Assembler fabs_d(int rd, int rs) { return fsgnjx_d(rd, rs, rs); }
    public Assembler frcsr(int rd) { return csrrs(rd, Csr.FCSR, Reg.ZERO); }
    public Assembler fscsr(int rs) { return csrrw(Reg.ZERO, Csr.FCSR, rs); }
    public Assembler fscsr(int rd, int rs) { return csrrw(rd, Csr.FCSR, rs); }
    public Assembler frrm(int rd) { return csrrs(rd, Csr.FRM, Reg.ZERO); }
    public Assembler fsrm(int rs) { return csrrw(Reg.ZERO, Csr.FRM, rs); }
    public Assembler fsrm(int rd, int rs) { return csrrw(rd, Csr.FRM, rs); }
    public Assembler frflags(int rd) { return csrrs(rd, Csr.FFLAGS, Reg.ZERO); }
    public Assembler fsflags(int rs) { return csrrw(Reg.ZERO, Csr.FFLAGS, rs); }
    public Assembler fsflags(int rd, int rs) { return csrrw(rd, Csr.FFLAGS, rs); }

    // ------------------------------------------------------------------------------------------
    // Zicsr

    public Assembler csrrw(int rd, int csr, int rs1) { return csr("csrrw", 1, rd, csr, xreg("csrrw", rs1)); }
    public Assembler csrrs(int rd, int csr, int rs1) { return csr("csrrs", 2, rd, csr, xreg("csrrs", rs1)); }
    public Assembler csrrc(int rd, int csr, int rs1) { return csr("csrrc", 3, rd, csr, xreg("csrrc", rs1)); }
    public Assembler csrrwi(int rd, int csr, int uimm) { return csr("csrrwi", 5, rd, csr, uimm5("csrrwi", uimm)); }
    public Assembler csrrsi(int rd, int csr, int uimm) { return csr("csrrsi", 6, rd, csr, uimm5("csrrsi", uimm)); }
    public Assembler csrrci(int rd, int csr, int uimm) { return csr("csrrci", 7, rd, csr, uimm5("csrrci", uimm)); }

    public Assembler csrr(int rd, int csr) { return csrrs(rd, csr, Reg.ZERO); }
    public Assembler csrw(int csr, int rs) { return csrrw(Reg.ZERO, csr, rs); }
    public Assembler csrs(int csr, int rs) { return csrrs(Reg.ZERO, csr, rs); }
    public Assembler csrc(int csr, int rs) { return csrrc(Reg.ZERO, csr, rs); }
    public Assembler csrwi(int csr, int uimm) { return csrrwi(Reg.ZERO, csr, uimm); }
    public Assembler csrsi(int csr, int uimm) { return csrrsi(Reg.ZERO, csr, uimm); }
    public Assembler csrci(int csr, int uimm) { return csrrci(Reg.ZERO, csr, uimm); }
    public Assembler rdcycle(int rd) { return csrr(rd, Csr.CYCLE); }
    public Assembler rdtime(int rd) { return csrr(rd, Csr.TIME); }
    public Assembler rdinstret(int rd) { return csrr(rd, Csr.INSTRET); }

    // ------------------------------------------------------------------------------------------
    // Zba

    public Assembler add_uw(int rd, int rs1, int rs2) { return r("add.uw", OP_OP_32, 0x04, 0, rd, rs1, rs2); }
    public Assembler sh1add(int rd, int rs1, int rs2) { return r("sh1add", OP_OP, 0x10, 2, rd, rs1, rs2); }
    public Assembler sh2add(int rd, int rs1, int rs2) { return r("sh2add", OP_OP, 0x10, 4, rd, rs1, rs2); }
    public Assembler sh3add(int rd, int rs1, int rs2) { return r("sh3add", OP_OP, 0x10, 6, rd, rs1, rs2); }
    public Assembler sh1add_uw(int rd, int rs1, int rs2) { return r("sh1add.uw", OP_OP_32, 0x10, 2, rd, rs1, rs2); }
    public Assembler sh2add_uw(int rd, int rs1, int rs2) { return r("sh2add.uw", OP_OP_32, 0x10, 4, rd, rs1, rs2); }
    public Assembler sh3add_uw(int rd, int rs1, int rs2) { return r("sh3add.uw", OP_OP_32, 0x10, 6, rd, rs1, rs2); }
    public Assembler slli_uw(int rd, int rs1, int shamt) { return shift6("slli.uw", OP_IMM_32, 0x02, 1, rd, rs1, shamt); }
    /** {@code zext.w rd, rs} (pseudo, Zba): {@code add.uw rd, rs, zero}. */
    public Assembler zext_w(int rd, int rs) { return add_uw(rd, rs, Reg.ZERO); }

    // ------------------------------------------------------------------------------------------
    // Zbb

    public Assembler andn(int rd, int rs1, int rs2) { return r("andn", OP_OP, 0x20, 7, rd, rs1, rs2); }
    public Assembler orn(int rd, int rs1, int rs2) { return r("orn", OP_OP, 0x20, 6, rd, rs1, rs2); }
    public Assembler xnor(int rd, int rs1, int rs2) { return r("xnor", OP_OP, 0x20, 4, rd, rs1, rs2); }
    public Assembler clz(int rd, int rs1) { return r("clz", OP_IMM, 0x30, 1, rd, rs1, 0); }
    public Assembler ctz(int rd, int rs1) { return r("ctz", OP_IMM, 0x30, 1, rd, rs1, 1); }
    public Assembler cpop(int rd, int rs1) { return r("cpop", OP_IMM, 0x30, 1, rd, rs1, 2); }
    public Assembler sext_b(int rd, int rs1) { return r("sext.b", OP_IMM, 0x30, 1, rd, rs1, 4); }
    public Assembler sext_h(int rd, int rs1) { return r("sext.h", OP_IMM, 0x30, 1, rd, rs1, 5); }
    public Assembler clzw(int rd, int rs1) { return r("clzw", OP_IMM_32, 0x30, 1, rd, rs1, 0); }
    public Assembler ctzw(int rd, int rs1) { return r("ctzw", OP_IMM_32, 0x30, 1, rd, rs1, 1); }
    public Assembler cpopw(int rd, int rs1) { return r("cpopw", OP_IMM_32, 0x30, 1, rd, rs1, 2); }
    public Assembler max(int rd, int rs1, int rs2) { return r("max", OP_OP, 0x05, 6, rd, rs1, rs2); }
    public Assembler maxu(int rd, int rs1, int rs2) { return r("maxu", OP_OP, 0x05, 7, rd, rs1, rs2); }
    public Assembler min(int rd, int rs1, int rs2) { return r("min", OP_OP, 0x05, 4, rd, rs1, rs2); }
    public Assembler minu(int rd, int rs1, int rs2) { return r("minu", OP_OP, 0x05, 5, rd, rs1, rs2); }
    /** {@code zext.h rd, rs1} (RV64 encoding, in OP-32). */
    public Assembler zext_h(int rd, int rs1) { return r("zext.h", OP_OP_32, 0x04, 4, rd, rs1, 0); }
    public Assembler rol(int rd, int rs1, int rs2) { return r("rol", OP_OP, 0x30, 1, rd, rs1, rs2); }
    public Assembler ror(int rd, int rs1, int rs2) { return r("ror", OP_OP, 0x30, 5, rd, rs1, rs2); }
    public Assembler rolw(int rd, int rs1, int rs2) { return r("rolw", OP_OP_32, 0x30, 1, rd, rs1, rs2); }
    public Assembler rorw(int rd, int rs1, int rs2) { return r("rorw", OP_OP_32, 0x30, 5, rd, rs1, rs2); }
    public Assembler rori(int rd, int rs1, int shamt) { return shift6("rori", OP_IMM, 0x18, 5, rd, rs1, shamt); }
    public Assembler roriw(int rd, int rs1, int shamt) { return shift5("roriw", OP_IMM_32, 0x30, 5, rd, rs1, shamt); }
    public Assembler orc_b(int rd, int rs1) { return i("orc.b", OP_IMM, 5, rd, rs1, 0x287); }
    /** {@code rev8 rd, rs1} (RV64 encoding). */
    public Assembler rev8(int rd, int rs1) { return i("rev8", OP_IMM, 5, rd, rs1, 0x6b8); }

    // ------------------------------------------------------------------------------------------
    // Zbc

    public Assembler clmul(int rd, int rs1, int rs2) { return r("clmul", OP_OP, 0x05, 1, rd, rs1, rs2); }
    public Assembler clmulr(int rd, int rs1, int rs2) { return r("clmulr", OP_OP, 0x05, 2, rd, rs1, rs2); }
    public Assembler clmulh(int rd, int rs1, int rs2) { return r("clmulh", OP_OP, 0x05, 3, rd, rs1, rs2); }

    // ------------------------------------------------------------------------------------------
    // Zbs

    public Assembler bclr(int rd, int rs1, int rs2) { return r("bclr", OP_OP, 0x24, 1, rd, rs1, rs2); }
    public Assembler bext(int rd, int rs1, int rs2) { return r("bext", OP_OP, 0x24, 5, rd, rs1, rs2); }
    public Assembler binv(int rd, int rs1, int rs2) { return r("binv", OP_OP, 0x34, 1, rd, rs1, rs2); }
    public Assembler bset(int rd, int rs1, int rs2) { return r("bset", OP_OP, 0x14, 1, rd, rs1, rs2); }
    public Assembler bclri(int rd, int rs1, int shamt) { return shift6("bclri", OP_IMM, 0x12, 1, rd, rs1, shamt); }
    public Assembler bexti(int rd, int rs1, int shamt) { return shift6("bexti", OP_IMM, 0x12, 5, rd, rs1, shamt); }
    public Assembler binvi(int rd, int rs1, int shamt) { return shift6("binvi", OP_IMM, 0x1a, 1, rd, rs1, shamt); }
    public Assembler bseti(int rd, int rs1, int shamt) { return shift6("bseti", OP_IMM, 0x0a, 1, rd, rs1, shamt); }

    // ------------------------------------------------------------------------------------------
    // Pseudo-instructions

    public Assembler nop() { return addi(Reg.ZERO, Reg.ZERO, 0); }
    public Assembler mv(int rd, int rs) { return addi(rd, rs, 0); }
    public Assembler not(int rd, int rs) { return xori(rd, rs, -1); }
    public Assembler neg(int rd, int rs) { return sub(rd, Reg.ZERO, rs); }
    public Assembler negw(int rd, int rs) { return subw(rd, Reg.ZERO, rs); }
    public Assembler sext_w(int rd, int rs) { return addiw(rd, rs, 0); }
    public Assembler zext_b(int rd, int rs) { return andi(rd, rs, 0xff); }
    public Assembler seqz(int rd, int rs) { return sltiu(rd, rs, 1); }
    public Assembler snez(int rd, int rs) { return sltu(rd, Reg.ZERO, rs); }
    public Assembler sltz(int rd, int rs) { return slt(rd, rs, Reg.ZERO); }
    public Assembler sgtz(int rd, int rs) { return slt(rd, Reg.ZERO, rs); }

    public Assembler j(Label target) { return jal(Reg.ZERO, target); }
    public Assembler j(int offset) { return jal(Reg.ZERO, offset); }
    public Assembler jr(int rs) { return jalr(Reg.ZERO, rs, 0); }
    public Assembler ret() { return jalr(Reg.ZERO, Reg.RA, 0); }

    /** {@code call label}: {@code auipc ra, %pcrel_hi(label); jalr ra, %pcrel_lo(label)(ra)} (±2 GiB). */
    public Assembler call(Label target) {
        return pcrelPair("call", Kind.PCREL_JUMP, target, OP_AUIPC | Reg.RA << 7, OP_JALR | Reg.RA << 7 | Reg.RA << 15);
    }

    /** {@code tail label}: {@code auipc t1, %pcrel_hi(label); jalr zero, %pcrel_lo(label)(t1)}. */
    public Assembler tail(Label target) {
        return pcrelPair("tail", Kind.PCREL_JUMP, target, OP_AUIPC | Reg.T1 << 7, OP_JALR | Reg.T1 << 15);
    }

    /** {@code la rd, label}: {@code auipc rd, %pcrel_hi(label); addi rd, rd, %pcrel_lo(label)} (±2 GiB). */
    public Assembler la(int rd, Label target) {
        xreg("la", rd);
        return pcrelPair("la", Kind.PCREL_DATA, target, OP_AUIPC | rd << 7, OP_IMM | rd << 7 | rd << 15);
    }

    /** {@code lla rd, label}: the same as {@link #la(int, Label)} (this builder never uses a GOT). */
    public Assembler lla(int rd, Label target) {
        return la(rd, target);
    }

    public Assembler beqz(int rs, Label target) { return beq(rs, Reg.ZERO, target); }
    public Assembler bnez(int rs, Label target) { return bne(rs, Reg.ZERO, target); }
    public Assembler blez(int rs, Label target) { return bge(Reg.ZERO, rs, target); }
    public Assembler bgez(int rs, Label target) { return bge(rs, Reg.ZERO, target); }
    public Assembler bltz(int rs, Label target) { return blt(rs, Reg.ZERO, target); }
    public Assembler bgtz(int rs, Label target) { return blt(Reg.ZERO, rs, target); }
    public Assembler beqz(int rs, int offset) { return beq(rs, Reg.ZERO, offset); }
    public Assembler bnez(int rs, int offset) { return bne(rs, Reg.ZERO, offset); }
    public Assembler blez(int rs, int offset) { return bge(Reg.ZERO, rs, offset); }
    public Assembler bgez(int rs, int offset) { return bge(rs, Reg.ZERO, offset); }
    public Assembler bltz(int rs, int offset) { return blt(rs, Reg.ZERO, offset); }
    public Assembler bgtz(int rs, int offset) { return blt(Reg.ZERO, rs, offset); }
    public Assembler bgt(int rs, int rt, Label target) { return blt(rt, rs, target); }
    public Assembler ble(int rs, int rt, Label target) { return bge(rt, rs, target); }
    public Assembler bgtu(int rs, int rt, Label target) { return bltu(rt, rs, target); }
    public Assembler bleu(int rs, int rt, Label target) { return bgeu(rt, rs, target); }
    public Assembler bgt(int rs, int rt, int offset) { return blt(rt, rs, offset); }
    public Assembler ble(int rs, int rt, int offset) { return bge(rt, rs, offset); }
    public Assembler bgtu(int rs, int rt, int offset) { return bltu(rt, rs, offset); }
    public Assembler bleu(int rs, int rt, int offset) { return bgeu(rt, rs, offset); }

    /** {@code unimp}: {@code csrrw zero, cycle, zero}, an illegal instruction (the read-only CSR is written). */
    public Assembler unimp() {
        return csrrw(Reg.ZERO, Csr.CYCLE, Reg.ZERO);
    }

    /**
     * {@code li rd, value}: loads any 64-bit constant with a short sequence of lui, addi, addiw,
     * slli and srli (base RV64I only; at most 8 instructions, usually far fewer).
     */
    public Assembler li(int rd, long value) {
        xreg("li", rd);
        boolean first = true;
        for (long[] op : LoadImmediate.sequence(value)) {
            int imm = (int) op[1];
            int src = first ? Reg.ZERO : rd;
            switch ((int) op[0]) {
                case LoadImmediate.LUI -> lui(rd, imm);
                case LoadImmediate.ADDI -> addi(rd, src, imm);
                case LoadImmediate.ADDIW -> addiw(rd, src, imm);
                case LoadImmediate.SLLI -> slli(rd, rd, imm);
                case LoadImmediate.SRLI -> srli(rd, rd, imm);
                default -> throw new IllegalStateException("li: bad step " + op[0]);
            }
            first = false;
        }
        return this;
    }

    // ------------------------------------------------------------------------------------------
    // C extension (RV64C), explicit forms only. Registers written rd'/rs1'/rs2' must be x8..x15
    // (f8..f15 for c.fld/c.fsd); forms whose encoding would mean another instruction or a
    // reserved one are refused (use emit16 for those).

    /** {@code c.addi4spn rd', sp, nzuimm}: nzuimm a non-zero multiple of 4 below 1024. */
    public Assembler c_addi4spn(int rd, int nzuimm) {
        String m = "c.addi4spn";
        int r = creg(m, rd);
        if (nzuimm <= 0 || nzuimm > 1020 || (nzuimm & 3) != 0) throw bad(m, "immediate " + nzuimm + " must be a non-zero multiple of 4 in [4, 1020]");
        return emit16(bits(nzuimm, 5, 4, 11) | bits(nzuimm, 9, 6, 7) | bits(nzuimm, 2, 2, 6) | bits(nzuimm, 3, 3, 5) | r << 2);
    }

    public Assembler c_fld(int rd, int uimm, int rs1) { return clsD("c.fld", 1, rd, uimm, rs1); }
    public Assembler c_lw(int rd, int uimm, int rs1) { return clsW("c.lw", 2, rd, uimm, rs1); }
    public Assembler c_ld(int rd, int uimm, int rs1) { return clsD("c.ld", 3, rd, uimm, rs1); }
    public Assembler c_fsd(int rs2, int uimm, int rs1) { return clsD("c.fsd", 5, rs2, uimm, rs1); }
    public Assembler c_sw(int rs2, int uimm, int rs1) { return clsW("c.sw", 6, rs2, uimm, rs1); }
    public Assembler c_sd(int rs2, int uimm, int rs1) { return clsD("c.sd", 7, rs2, uimm, rs1); }

    public Assembler c_nop() {
        return emit16(0x0001);
    }

    /** {@code c.addi rd, imm} (imm in -32..31; rd=0 or imm=0 are the HINT/nop encodings). */
    public Assembler c_addi(int rd, int imm) { return ci("c.addi", 0, 1, xreg("c.addi", rd), simm6("c.addi", imm)); }

    /** {@code c.addiw rd, imm} (rd != 0). */
    public Assembler c_addiw(int rd, int imm) {
        if (xreg("c.addiw", rd) == 0) throw bad("c.addiw", "rd must not be zero");
        return ci("c.addiw", 1, 1, rd, simm6("c.addiw", imm));
    }

    /** {@code c.li rd, imm} (imm in -32..31). */
    public Assembler c_li(int rd, int imm) { return ci("c.li", 2, 1, xreg("c.li", rd), simm6("c.li", imm)); }

    /** {@code c.addi16sp sp, nzimm}: nzimm a non-zero multiple of 16 in -512..496. */
    public Assembler c_addi16sp(int nzimm) {
        String m = "c.addi16sp";
        if (nzimm == 0 || nzimm < -512 || nzimm > 496 || (nzimm & 15) != 0) throw bad(m, "immediate " + nzimm + " must be a non-zero multiple of 16 in [-512, 496]");
        return emit16(3 << 13 | bits(nzimm, 9, 9, 12) | Reg.SP << 7 | bits(nzimm, 4, 4, 6) | bits(nzimm, 6, 6, 5)
                | bits(nzimm, 8, 7, 3) | bits(nzimm, 5, 5, 2) | 1);
    }

    /**
     * {@code c.lui rd, nzimm}: nzimm gives bits 17:12 of the value, as -32..31 or as the 20-bit
     * field GNU as prints (1..0x1f, 0xfffe0..0xfffff); non-zero; rd not zero or sp.
     */
    public Assembler c_lui(int rd, int nzimm) {
        String m = "c.lui";
        xreg(m, rd);
        if (rd == Reg.ZERO || rd == Reg.SP) throw bad(m, "rd must not be zero or sp");
        int v = nzimm >= 0xfffe0 && nzimm <= 0xfffff ? nzimm - 0x100000 : nzimm;
        if (v == 0 || v < -32 || v > 31) throw bad(m, "immediate " + nzimm + " must be non-zero in [-32, 31] (or 0xfffe0..0xfffff)");
        return ci(m, 3, 1, rd, v);
    }

    public Assembler c_srli(int rd, int shamt) { return cShift("c.srli", 0, rd, shamt); }
    public Assembler c_srai(int rd, int shamt) { return cShift("c.srai", 1, rd, shamt); }

    public Assembler c_andi(int rd, int imm) {
        int r = creg("c.andi", rd);
        int v = simm6("c.andi", imm);
        return emit16(4 << 13 | bits(v, 5, 5, 12) | 2 << 10 | r << 7 | bits(v, 4, 0, 2) | 1);
    }

    public Assembler c_sub(int rd, int rs2) { return ca("c.sub", 0, 0, rd, rs2); }
    public Assembler c_xor(int rd, int rs2) { return ca("c.xor", 0, 1, rd, rs2); }
    public Assembler c_or(int rd, int rs2) { return ca("c.or", 0, 2, rd, rs2); }
    public Assembler c_and(int rd, int rs2) { return ca("c.and", 0, 3, rd, rs2); }
    public Assembler c_subw(int rd, int rs2) { return ca("c.subw", 1, 0, rd, rs2); }
    public Assembler c_addw(int rd, int rs2) { return ca("c.addw", 1, 1, rd, rs2); }

    public Assembler c_j(Label target) {
        return fixup(Kind.CJ, target, "c.j").emit16(5 << 13 | 1);
    }

    /** {@code c.j offset}: byte offset, even, in -2048..2046. */
    public Assembler c_j(int offset) {
        checkOffset("c.j", offset, 12);
        return emit16(5 << 13 | cjImm(offset) | 1);
    }

    public Assembler c_beqz(int rs1, Label target) {
        int r = creg("c.beqz", rs1);
        return fixup(Kind.CB, target, "c.beqz").emit16(6 << 13 | r << 7 | 1);
    }

    public Assembler c_bnez(int rs1, Label target) {
        int r = creg("c.bnez", rs1);
        return fixup(Kind.CB, target, "c.bnez").emit16(7 << 13 | r << 7 | 1);
    }

    /** {@code c.beqz rs1', offset}: byte offset, even, in -256..254. */
    public Assembler c_beqz(int rs1, int offset) {
        int r = creg("c.beqz", rs1);
        checkOffset("c.beqz", offset, 9);
        return emit16(6 << 13 | r << 7 | cbImm(offset) | 1);
    }

    /** {@code c.bnez rs1', offset}: byte offset, even, in -256..254. */
    public Assembler c_bnez(int rs1, int offset) {
        int r = creg("c.bnez", rs1);
        checkOffset("c.bnez", offset, 9);
        return emit16(7 << 13 | r << 7 | cbImm(offset) | 1);
    }

    /** {@code c.slli rd, shamt} (shamt 0..63; rd=0 or shamt=0 are HINT encodings). */
    public Assembler c_slli(int rd, int shamt) {
        xreg("c.slli", rd);
        if (shamt < 0 || shamt > 63) throw bad("c.slli", "shift amount " + shamt + " out of range [0, 63]");
        return emit16(bits(shamt, 5, 5, 12) | rd << 7 | bits(shamt, 4, 0, 2) | 2);
    }

    /** {@code c.fldsp rd, uimm(sp)}: uimm a multiple of 8 in 0..504. */
    public Assembler c_fldsp(int rd, int uimm) { return clspD("c.fldsp", 1, freg("c.fldsp", rd), uimm); }

    /** {@code c.lwsp rd, uimm(sp)}: rd != 0, uimm a multiple of 4 in 0..252. */
    public Assembler c_lwsp(int rd, int uimm) {
        String m = "c.lwsp";
        if (xreg(m, rd) == 0) throw bad(m, "rd must not be zero");
        checkUimm(m, uimm, 4, 252);
        return emit16(2 << 13 | bits(uimm, 5, 5, 12) | rd << 7 | bits(uimm, 4, 2, 4) | bits(uimm, 7, 6, 2) | 2);
    }

    /** {@code c.ldsp rd, uimm(sp)}: rd != 0, uimm a multiple of 8 in 0..504. */
    public Assembler c_ldsp(int rd, int uimm) {
        if (xreg("c.ldsp", rd) == 0) throw bad("c.ldsp", "rd must not be zero");
        return clspD("c.ldsp", 3, rd, uimm);
    }

    /** {@code c.jr rs1} (rs1 != 0). */
    public Assembler c_jr(int rs1) {
        if (xreg("c.jr", rs1) == 0) throw bad("c.jr", "rs1 must not be zero");
        return emit16(4 << 13 | rs1 << 7 | 2);
    }

    /** {@code c.mv rd, rs2} (rs2 != 0; rd=0 is a HINT encoding). */
    public Assembler c_mv(int rd, int rs2) {
        xreg("c.mv", rd);
        if (xreg("c.mv", rs2) == 0) throw bad("c.mv", "rs2 must not be zero");
        return emit16(4 << 13 | rd << 7 | rs2 << 2 | 2);
    }

    public Assembler c_ebreak() {
        return emit16(0x9002);
    }

    /** {@code c.jalr rs1} (rs1 != 0). */
    public Assembler c_jalr(int rs1) {
        if (xreg("c.jalr", rs1) == 0) throw bad("c.jalr", "rs1 must not be zero");
        return emit16(4 << 13 | 1 << 12 | rs1 << 7 | 2);
    }

    /** {@code c.add rd, rs2} (rs2 != 0; rd=0 is a HINT encoding). */
    public Assembler c_add(int rd, int rs2) {
        xreg("c.add", rd);
        if (xreg("c.add", rs2) == 0) throw bad("c.add", "rs2 must not be zero");
        return emit16(4 << 13 | 1 << 12 | rd << 7 | rs2 << 2 | 2);
    }

    /** {@code c.fsdsp rs2, uimm(sp)}: uimm a multiple of 8 in 0..504. */
    public Assembler c_fsdsp(int rs2, int uimm) { return csspD("c.fsdsp", 5, freg("c.fsdsp", rs2), uimm); }

    /** {@code c.swsp rs2, uimm(sp)}: uimm a multiple of 4 in 0..252. */
    public Assembler c_swsp(int rs2, int uimm) {
        String m = "c.swsp";
        xreg(m, rs2);
        checkUimm(m, uimm, 4, 252);
        return emit16(6 << 13 | bits(uimm, 5, 2, 9) | bits(uimm, 7, 6, 7) | rs2 << 2 | 2);
    }

    /** {@code c.sdsp rs2, uimm(sp)}: uimm a multiple of 8 in 0..504. */
    public Assembler c_sdsp(int rs2, int uimm) { return csspD("c.sdsp", 7, xreg("c.sdsp", rs2), uimm); }

    /** {@code c.unimp}: the all-zero parcel, defined to be illegal. */
    public Assembler c_unimp() {
        return emit16(0);
    }

    // ------------------------------------------------------------------------------------------
    // Encoding helpers

    private Assembler r(String m, int opcode, int funct7, int funct3, int rd, int rs1, int rs2) {
        return emit32(funct7 << 25 | reg(m, rs2) << 20 | reg(m, rs1) << 15 | funct3 << 12 | reg(m, rd) << 7 | opcode);
    }

    private Assembler i(String m, int opcode, int funct3, int rd, int rs1, int imm) {
        checkSigned(m, imm, 12);
        return emit32((imm & 0xfff) << 20 | reg(m, rs1) << 15 | funct3 << 12 | reg(m, rd) << 7 | opcode);
    }

    private Assembler s(String m, int opcode, int funct3, int rs2, int rs1, int imm) {
        checkSigned(m, imm, 12);
        return emit32((imm >> 5 & 0x7f) << 25 | reg(m, rs2) << 20 | reg(m, rs1) << 15 | funct3 << 12
                | (imm & 0x1f) << 7 | opcode);
    }

    private Assembler u(String m, int opcode, int rd, int imm20) {
        if (imm20 < -0x80000 || imm20 > 0xfffff) throw bad(m, "immediate 0x" + Integer.toHexString(imm20) + " out of range [-0x80000, 0xfffff]");
        return emit32((imm20 & 0xfffff) << 12 | reg(m, rd) << 7 | opcode);
    }

    private Assembler shift6(String m, int opcode, int funct6, int funct3, int rd, int rs1, int shamt) {
        if (shamt < 0 || shamt > 63) throw bad(m, "shift amount " + shamt + " out of range [0, 63]");
        return emit32(funct6 << 26 | shamt << 20 | reg(m, rs1) << 15 | funct3 << 12 | reg(m, rd) << 7 | opcode);
    }

    private Assembler shift5(String m, int opcode, int funct7, int funct3, int rd, int rs1, int shamt) {
        if (shamt < 0 || shamt > 31) throw bad(m, "shift amount " + shamt + " out of range [0, 31]");
        return r(m, opcode, funct7, funct3, rd, rs1, shamt);
    }

    private Assembler branch(String m, int funct3, int rs1, int rs2, Label target) {
        int word = reg(m, rs2) << 20 | reg(m, rs1) << 15 | funct3 << 12 | OP_BRANCH;
        return fixup(Kind.BRANCH, target, m).emit32(word);
    }

    private Assembler branch(String m, int funct3, int rs1, int rs2, int offset) {
        checkOffset(m, offset, 13);
        return emit32(bImm(offset) | reg(m, rs2) << 20 | reg(m, rs1) << 15 | funct3 << 12 | OP_BRANCH);
    }

    private Assembler amo(String m, int funct5, int funct3, int rd, int rs1, int rs2, boolean aq, boolean rl) {
        return r(m, OP_AMO, funct5 << 2 | (aq ? 2 : 0) | (rl ? 1 : 0), funct3, rd, rs1, rs2);
    }

    private Assembler fop(String m, int funct5, int fmt, int rd, int rs1, int rs2, int rmOrFunct3) {
        return r(m, OP_FP, funct5 << 2 | fmt, rm(m, rmOrFunct3), rd, rs1, rs2);
    }

    private Assembler r4(String m, int opcode, int fmt, int rd, int rs1, int rs2, int rs3, int rm) {
        return emit32(reg(m, rs3) << 27 | fmt << 25 | reg(m, rs2) << 20 | reg(m, rs1) << 15 | rm(m, rm) << 12
                | reg(m, rd) << 7 | opcode);
    }

    private Assembler csr(String m, int funct3, int rd, int csr, int src) {
        if (csr < 0 || csr > 0xfff) throw bad(m, "CSR number 0x" + Integer.toHexString(csr) + " out of range [0, 0xfff]");
        return emit32(csr << 20 | src << 15 | funct3 << 12 | reg(m, rd) << 7 | OP_SYSTEM);
    }

    private Assembler pcrelPair(String m, Kind kind, Label target, int first, int second) {
        fixup(kind, target, m);
        emit32(first);
        return emit32(second);
    }

    private Assembler fixup(Kind kind, Label target, String m) {
        own(target);
        fixups.add(new Fixup(kind, size, target, m));
        return this;
    }

    // compressed

    private Assembler ci(String m, int funct3, int quadrant, int rd, int imm6) {
        return emit16(funct3 << 13 | bits(imm6, 5, 5, 12) | rd << 7 | bits(imm6, 4, 0, 2) | quadrant);
    }

    private Assembler cShift(String m, int funct2, int rd, int shamt) {
        int r = creg(m, rd);
        if (shamt < 0 || shamt > 63) throw bad(m, "shift amount " + shamt + " out of range [0, 63]");
        return emit16(4 << 13 | bits(shamt, 5, 5, 12) | funct2 << 10 | r << 7 | bits(shamt, 4, 0, 2) | 1);
    }

    private Assembler ca(String m, int bit12, int funct2, int rd, int rs2) {
        return emit16(4 << 13 | bit12 << 12 | 3 << 10 | creg(m, rd) << 7 | funct2 << 5 | creg(m, rs2) << 2 | 1);
    }

    /** c.lw/c.sw: uimm multiple of 4 in 0..124. */
    private Assembler clsW(String m, int funct3, int r, int uimm, int rs1) {
        checkUimm(m, uimm, 4, 124);
        return emit16(funct3 << 13 | bits(uimm, 5, 3, 10) | creg(m, rs1) << 7 | bits(uimm, 2, 2, 6)
                | bits(uimm, 6, 6, 5) | creg(m, r) << 2);
    }

    /** c.ld/c.sd/c.fld/c.fsd: uimm multiple of 8 in 0..248. */
    private Assembler clsD(String m, int funct3, int r, int uimm, int rs1) {
        checkUimm(m, uimm, 8, 248);
        return emit16(funct3 << 13 | bits(uimm, 5, 3, 10) | creg(m, rs1) << 7 | bits(uimm, 7, 6, 5) | creg(m, r) << 2);
    }

    private Assembler clspD(String m, int funct3, int rd, int uimm) {
        checkUimm(m, uimm, 8, 504);
        return emit16(funct3 << 13 | bits(uimm, 5, 5, 12) | rd << 7 | bits(uimm, 4, 3, 5) | bits(uimm, 8, 6, 2) | 2);
    }

    private Assembler csspD(String m, int funct3, int rs2, int uimm) {
        checkUimm(m, uimm, 8, 504);
        return emit16(funct3 << 13 | bits(uimm, 5, 3, 10) | bits(uimm, 8, 6, 7) | rs2 << 2 | 2);
    }

    /** value[hi:lo] placed at bit {@code at}. */
    private static int bits(int value, int hi, int lo, int at) {
        return ((value >>> lo) & ((1 << (hi - lo + 1)) - 1)) << at;
    }

    private static int bImm(int off) {
        return bits(off, 12, 12, 31) | bits(off, 10, 5, 25) | bits(off, 4, 1, 8) | bits(off, 11, 11, 7);
    }

    private static int jImm(int off) {
        return bits(off, 20, 20, 31) | bits(off, 10, 1, 21) | bits(off, 11, 11, 20) | bits(off, 19, 12, 12);
    }

    private static int cjImm(int off) {
        return bits(off, 11, 11, 12) | bits(off, 4, 4, 11) | bits(off, 9, 8, 9) | bits(off, 10, 10, 8)
                | bits(off, 6, 6, 7) | bits(off, 7, 7, 6) | bits(off, 3, 1, 3) | bits(off, 5, 5, 2);
    }

    private static int cbImm(int off) {
        return bits(off, 8, 8, 12) | bits(off, 4, 3, 10) | bits(off, 7, 6, 5) | bits(off, 2, 1, 3) | bits(off, 5, 5, 2);
    }

    // checks

    private static IllegalArgumentException bad(String m, String what) {
        return new IllegalArgumentException(m + ": " + what);
    }

    private static int reg(String m, int r) {
        if (r < 0 || r > 31) throw bad(m, "no register " + r);
        return r;
    }

    private static int xreg(String m, int r) {
        return reg(m, r);
    }

    private static int freg(String m, int r) {
        return reg(m, r);
    }

    /** A register of the compressed set x8..x15 (f8..f15), as its 3-bit field. */
    private static int creg(String m, int r) {
        if (r < 8 || r > 15) throw bad(m, "register " + r + " is not one of x8..x15 (s0, s1, a0..a5) / f8..f15");
        return r - 8;
    }

    private static int rm(String m, int rm) {
        if (rm < 0 || rm > 7) throw bad(m, "rounding mode " + rm + " out of range [0, 7]");
        return rm;
    }

    private static int uimm5(String m, int v) {
        if (v < 0 || v > 31) throw bad(m, "immediate " + v + " out of range [0, 31]");
        return v;
    }

    private static int simm6(String m, int v) {
        if (v < -32 || v > 31) throw bad(m, "immediate " + v + " out of range [-32, 31]");
        return v;
    }

    private static void checkUimm(String m, int v, int scale, int max) {
        if (v < 0 || v > max || v % scale != 0) throw bad(m, "offset " + v + " must be a multiple of " + scale + " in [0, " + max + "]");
    }

    private static void checkSigned(String m, int v, int bits) {
        int lim = 1 << (bits - 1);
        if (v < -lim || v >= lim) throw bad(m, "immediate " + v + " out of range [" + (-lim) + ", " + (lim - 1) + "]");
    }

    private static void checkOffset(String m, int off, int bits) {
        if ((off & 1) != 0) throw bad(m, "offset " + off + " is odd (targets must be 2-byte aligned)");
        int lim = 1 << (bits - 1);
        if (off < -lim || off >= lim) throw bad(m, "offset " + off + " out of range [" + (-lim) + ", " + (lim - 2) + "]");
    }

    // byte buffer

    private void ensure(int n) {
        if (size + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
        b[at + 2] = (byte) (v >> 16);
        b[at + 3] = (byte) (v >> 24);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    private static int getShort(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) v);
        putInt(b, at + 4, (int) (v >>> 32));
    }
}
