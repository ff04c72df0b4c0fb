package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * RV64I, M, Zba, Zbb, Zbc and Zbs register and immediate instructions, table-driven: each case is
 * a tiny program (the instruction with a1 and a2 as sources and a0 as destination, then exit)
 * run on one shared machine. Expected values are worked out by hand from the specification or,
 * for the high multiplies and carry-less products, with BigInteger arithmetic.
 */
class IntegerInstructionTest {
    static final long RAM_BASE = TestMachine.RAM_BASE;
    static final long MIN = Long.MIN_VALUE, MAX = Long.MAX_VALUE;
    static TestMachine m;

    @BeforeAll
    static void start() {
        m = new TestMachine(1 << 20);
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    /** Runs {@code body} with a1 = rs1 and a2 = rs2; returns a0. */
    static long exec(Consumer<Assembler> body, long rs1, long rs2) {
        m.reset();
        Assembler a = new Assembler(RAM_BASE);
        body.accept(a);
        TestMachine.exit(a, A0);
        m.load(a);
        m.hart.x[A1] = rs1;
        m.hart.x[A2] = rs2;
        return m.run(1000);
    }

    record Case(String name, Consumer<Assembler> op, long rs1, long rs2, long expected) {}

    private static Case c(String name, Consumer<Assembler> op, long rs1, long rs2, long expected) {
        return new Case(name, op, rs1, rs2, expected);
    }

    private static Case c1(String name, Consumer<Assembler> op, long rs1, long expected) {
        return new Case(name, op, rs1, 0, expected);
    }

    private static Stream<DynamicTest> run(List<Case> cases) {
        return cases.stream().map(k -> DynamicTest.dynamicTest(
                k.name + "(0x" + Long.toHexString(k.rs1) + ", 0x" + Long.toHexString(k.rs2) + ")",
                () -> assertEquals(k.expected, exec(k.op, k.rs1, k.rs2),
                        () -> k.name + " expected 0x" + Long.toHexString(k.expected))));
    }

    @TestFactory
    Stream<DynamicTest> rv64iRegisterRegister() {
        return run(List.of(
                c("add", a -> a.add(A0, A1, A2), 1, 2, 3),
                c("add", a -> a.add(A0, A1, A2), MAX, 1, MIN),
                c("add", a -> a.add(A0, A1, A2), -1, -1, -2),
                c("sub", a -> a.sub(A0, A1, A2), 0, 1, -1),
                c("sub", a -> a.sub(A0, A1, A2), MIN, 1, MAX),
                c("sll", a -> a.sll(A0, A1, A2), 1, 63, MIN),
                c("sll", a -> a.sll(A0, A1, A2), 1, 64, 1), // only rs2[5:0] counts
                c("sll", a -> a.sll(A0, A1, A2), 3, 65, 6),
                c("srl", a -> a.srl(A0, A1, A2), MIN, 63, 1),
                c("srl", a -> a.srl(A0, A1, A2), MIN, 64, MIN),
                c("srl", a -> a.srl(A0, A1, A2), -1, 1, MAX),
                c("sra", a -> a.sra(A0, A1, A2), MIN, 63, -1),
                c("sra", a -> a.sra(A0, A1, A2), MIN, 1, 0xc000_0000_0000_0000L),
                c("sra", a -> a.sra(A0, A1, A2), MAX, 127, 0),
                c("slt", a -> a.slt(A0, A1, A2), -1, 0, 1),
                c("slt", a -> a.slt(A0, A1, A2), 0, -1, 0),
                c("slt", a -> a.slt(A0, A1, A2), 5, 5, 0),
                c("sltu", a -> a.sltu(A0, A1, A2), -1, 0, 0),
                c("sltu", a -> a.sltu(A0, A1, A2), 0, -1, 1),
                c("xor", a -> a.xor(A0, A1, A2), 0xff00, 0x0ff0, 0xf0f0),
                c("or", a -> a.or(A0, A1, A2), 0xff00, 0x0ff0, 0xfff0),
                c("and", a -> a.and(A0, A1, A2), 0xff00, 0x0ff0, 0x0f00),
                c("addw", a -> a.addw(A0, A1, A2), 0x7fff_ffffL, 1, 0xffff_ffff_8000_0000L),
                c("addw", a -> a.addw(A0, A1, A2), 0xffff_ffff_0000_0000L, 0xffff_ffff_0000_0000L, 0),
                c("subw", a -> a.subw(A0, A1, A2), 0x8000_0000L, 1, 0x7fff_ffffL),
                c("subw", a -> a.subw(A0, A1, A2), 0, 1, -1),
                c("sllw", a -> a.sllw(A0, A1, A2), 1, 31, 0xffff_ffff_8000_0000L),
                c("sllw", a -> a.sllw(A0, A1, A2), 1, 32, 1), // only rs2[4:0] counts
                c("sllw", a -> a.sllw(A0, A1, A2), 1, 63, 0xffff_ffff_8000_0000L),
                c("srlw", a -> a.srlw(A0, A1, A2), 0x8000_0000L, 31, 1),
                c("srlw", a -> a.srlw(A0, A1, A2), 0x8000_0000L, 0, 0xffff_ffff_8000_0000L),
                c("srlw", a -> a.srlw(A0, A1, A2), -1, 32, -1),
                c("srlw", a -> a.srlw(A0, A1, A2), -1, 1, 0x7fff_ffffL),
                c("srlw", a -> a.srlw(A0, A1, A2), 0xffff_ffff_0000_0000L, 1, 0),
                c("sraw", a -> a.sraw(A0, A1, A2), 0x8000_0000L, 31, -1),
                c("sraw", a -> a.sraw(A0, A1, A2), 0x8000_0000L, 32, 0xffff_ffff_8000_0000L),
                c("sraw", a -> a.sraw(A0, A1, A2), 0x7fff_ffffL, 4, 0x07ff_ffffL)));
    }

    @TestFactory
    Stream<DynamicTest> rv64iImmediate() {
        return run(List.of(
                c1("addi", a -> a.addi(A0, A1, -1), 0, -1),
                c1("addi", a -> a.addi(A0, A1, 2047), 1, 2048),
                c1("addi", a -> a.addi(A0, A1, -2048), 0, -2048),
                c1("slti", a -> a.slti(A0, A1, -1), -2, 1),
                c1("slti", a -> a.slti(A0, A1, 0), 0, 0),
                c1("sltiu", a -> a.sltiu(A0, A1, -1), 5, 1), // the immediate is sign-extended, then compared unsigned
                c1("sltiu", a -> a.sltiu(A0, A1, 1), 0, 1),
                c1("sltiu", a -> a.sltiu(A0, A1, 1), -1, 0),
                c1("xori", a -> a.xori(A0, A1, -1), 0x1234, ~0x1234L),
                c1("ori", a -> a.ori(A0, A1, 0x7ff), 0x1000, 0x17ff),
                c1("andi", a -> a.andi(A0, A1, -2048), -1, 0xffff_ffff_ffff_f800L),
                c1("slli", a -> a.slli(A0, A1, 63), 1, MIN),
                c1("slli", a -> a.slli(A0, A1, 0), 0x1234, 0x1234),
                c1("srli", a -> a.srli(A0, A1, 63), MIN, 1),
                c1("srli", a -> a.srli(A0, A1, 1), -1, MAX),
                c1("srai", a -> a.srai(A0, A1, 63), MIN, -1),
                c1("srai", a -> a.srai(A0, A1, 0), MIN, MIN),
                c1("addiw", a -> a.addiw(A0, A1, 1), 0x7fff_ffffL, 0xffff_ffff_8000_0000L),
                c1("addiw", a -> a.addiw(A0, A1, 0), 0xffff_ffff_0000_0001L, 1),
                c1("addiw", a -> a.addiw(A0, A1, 1), 0x1_ffff_ffffL, 0),
                c1("slliw", a -> a.slliw(A0, A1, 31), 1, 0xffff_ffff_8000_0000L),
                c1("slliw", a -> a.slliw(A0, A1, 0), 0x1_8000_0000L, 0xffff_ffff_8000_0000L),
                c1("srliw", a -> a.srliw(A0, A1, 31), 0x8000_0000L, 1),
                c1("srliw", a -> a.srliw(A0, A1, 0), 0x8000_0000L, 0xffff_ffff_8000_0000L),
                c1("srliw", a -> a.srliw(A0, A1, 1), 0xffff_ffff_0000_0000L, 0),
                c1("srliw", a -> a.srliw(A0, A1, 4), -1, 0x0fff_ffffL),
                c1("sraiw", a -> a.sraiw(A0, A1, 31), 0x8000_0000L, -1),
                c1("sraiw", a -> a.sraiw(A0, A1, 4), 0x8000_0000L, 0xffff_ffff_f800_0000L),
                c1("sraiw", a -> a.sraiw(A0, A1, 0), 0x1_7fff_ffffL, 0x7fff_ffffL)));
    }

    @TestFactory
    Stream<DynamicTest> multiplyDivide() {
        return run(List.of(
                c("mul", a -> a.mul(A0, A1, A2), MIN, -1, MIN),
                c("mul", a -> a.mul(A0, A1, A2), 0x1_0000_0001L, 0x1_0000_0001L, 0x2_0000_0001L),
                c("mul", a -> a.mul(A0, A1, A2), -3, 7, -21),
                c("div", a -> a.div(A0, A1, A2), -7, 2, -3), // rounds towards zero
                c("div", a -> a.div(A0, A1, A2), 7, -2, -3),
                c("div", a -> a.div(A0, A1, A2), MIN, -1, MIN), // overflow
                c("div", a -> a.div(A0, A1, A2), 5, 0, -1), // by zero
                c("div", a -> a.div(A0, A1, A2), MIN, 0, -1),
                c("divu", a -> a.divu(A0, A1, A2), -1, 2, MAX),
                c("divu", a -> a.divu(A0, A1, A2), 5, 0, -1),
                c("rem", a -> a.rem(A0, A1, A2), -7, 2, -1), // sign of the dividend
                c("rem", a -> a.rem(A0, A1, A2), 7, -2, 1),
                c("rem", a -> a.rem(A0, A1, A2), MIN, -1, 0),
                c("rem", a -> a.rem(A0, A1, A2), -5, 0, -5),
                c("remu", a -> a.remu(A0, A1, A2), -1, 10, 5),
                c("remu", a -> a.remu(A0, A1, A2), MIN, 0, MIN),
                c("mulw", a -> a.mulw(A0, A1, A2), 0x7fff_ffffL, 2, -2),
                c("mulw", a -> a.mulw(A0, A1, A2), 0x1_0000_0003L, 0x2_0000_0005L, 15),
                c("mulw", a -> a.mulw(A0, A1, A2), 0x1_0000, 0x1_0000, 0),
                c("divw", a -> a.divw(A0, A1, A2), 0x8000_0000L, -1, 0xffff_ffff_8000_0000L), // overflow
                c("divw", a -> a.divw(A0, A1, A2), 5, 0, -1),
                c("divw", a -> a.divw(A0, A1, A2), 0x1_0000_0006L, 0x1_0000_0003L, 2),
                c("divw", a -> a.divw(A0, A1, A2), -7, 2, -3),
                c("divuw", a -> a.divuw(A0, A1, A2), 5, 0, -1),
                c("divuw", a -> a.divuw(A0, A1, A2), 0x8000_0000L, 1, 0xffff_ffff_8000_0000L),
                c("divuw", a -> a.divuw(A0, A1, A2), -1, 2, 0x7fff_ffffL),
                c("divuw", a -> a.divuw(A0, A1, A2), 0xffff_ffff_0000_0007L, 2, 3),
                c("remw", a -> a.remw(A0, A1, A2), 0x8000_0000L, -1, 0),
                c("remw", a -> a.remw(A0, A1, A2), 5, 0, 5),
                c("remw", a -> a.remw(A0, A1, A2), 0x1_8000_0000L, 0, 0xffff_ffff_8000_0000L),
                c("remw", a -> a.remw(A0, A1, A2), -7, 2, -1),
                c("remuw", a -> a.remuw(A0, A1, A2), 0x8000_0000L, 0, 0xffff_ffff_8000_0000L),
                c("remuw", a -> a.remuw(A0, A1, A2), -1, 10, 5),
                c("remuw", a -> a.remuw(A0, A1, A2), 7, 0x1_0000_0002L, 1)));
    }

    private static final long[] EDGES = {0, 1, -1, 2, MIN, MAX, MIN + 1, 0x1234_5678_9abc_def0L,
            -0x1234_5678_9abc_def0L, 0xffff_ffffL, 0x1_0000_0000L};
    private static final BigInteger TWO64 = BigInteger.ONE.shiftLeft(64);

    private static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v);
        return v < 0 ? b.add(TWO64) : b;
    }

    @TestFactory
    Stream<DynamicTest> multiplyHigh() {
        List<Case> cases = new ArrayList<>();
        for (long x : EDGES) {
            for (long y : EDGES) {
                BigInteger sx = BigInteger.valueOf(x), sy = BigInteger.valueOf(y);
                cases.add(c("mulh", a -> a.mulh(A0, A1, A2), x, y, sx.multiply(sy).shiftRight(64).longValue()));
                cases.add(c("mulhsu", a -> a.mulhsu(A0, A1, A2), x, y, sx.multiply(unsigned(y)).shiftRight(64).longValue()));
                cases.add(c("mulhu", a -> a.mulhu(A0, A1, A2), x, y, unsigned(x).multiply(unsigned(y)).shiftRight(64).longValue()));
            }
        }
        return run(cases);
    }

    @TestFactory
    Stream<DynamicTest> zba() {
        return run(List.of(
                c("add.uw", a -> a.add_uw(A0, A1, A2), 0xffff_ffff_8000_0000L, 1, 0x8000_0001L),
                c("add.uw", a -> a.add_uw(A0, A1, A2), -1, 0, 0xffff_ffffL),
                c("sh1add", a -> a.sh1add(A0, A1, A2), 3, 10, 16),
                c("sh2add", a -> a.sh2add(A0, A1, A2), 3, 10, 22),
                c("sh3add", a -> a.sh3add(A0, A1, A2), 3, 10, 34),
                c("sh3add", a -> a.sh3add(A0, A1, A2), MIN, 1, 1),
                c("sh1add.uw", a -> a.sh1add_uw(A0, A1, A2), 0xffff_ffff_0000_0003L, 10, 16),
                c("sh2add.uw", a -> a.sh2add_uw(A0, A1, A2), 0x1_8000_0000L, 0, 0x2_0000_0000L),
                c("sh3add.uw", a -> a.sh3add_uw(A0, A1, A2), -1, 1, 0x7_ffff_fff9L),
                c1("slli.uw", a -> a.slli_uw(A0, A1, 1), 0xffff_ffff_8000_0001L, 0x1_0000_0002L),
                c1("slli.uw", a -> a.slli_uw(A0, A1, 63), 1, MIN),
                c1("slli.uw", a -> a.slli_uw(A0, A1, 32), -1, 0xffff_ffff_0000_0000L),
                c1("slli.uw", a -> a.slli_uw(A0, A1, 0), -1, 0xffff_ffffL)));
    }

    @TestFactory
    Stream<DynamicTest> zbb() {
        return run(List.of(
                c("andn", a -> a.andn(A0, A1, A2), 0xff, 0x0f, 0xf0),
                c("orn", a -> a.orn(A0, A1, A2), 0, 0, -1),
                c("orn", a -> a.orn(A0, A1, A2), 0xf0, -1, 0xf0),
                c("xnor", a -> a.xnor(A0, A1, A2), 0xff, 0x0f, ~0xf0L),
                c1("clz", a -> a.clz(A0, A1), 0, 64),
                c1("clz", a -> a.clz(A0, A1), 1, 63),
                c1("clz", a -> a.clz(A0, A1), MIN, 0),
                c1("ctz", a -> a.ctz(A0, A1), 0, 64),
                c1("ctz", a -> a.ctz(A0, A1), MIN, 63),
                c1("ctz", a -> a.ctz(A0, A1), -2, 1),
                c1("cpop", a -> a.cpop(A0, A1), 0, 0),
                c1("cpop", a -> a.cpop(A0, A1), -1, 64),
                c1("cpop", a -> a.cpop(A0, A1), 0x5555_5555_5555_5555L, 32),
                c1("clzw", a -> a.clzw(A0, A1), 0, 32),
                c1("clzw", a -> a.clzw(A0, A1), 0xffff_ffff_0000_0000L, 32),
                c1("clzw", a -> a.clzw(A0, A1), 1, 31),
                c1("clzw", a -> a.clzw(A0, A1), 0x8000_0000L, 0),
                c1("ctzw", a -> a.ctzw(A0, A1), 0, 32),
                c1("ctzw", a -> a.ctzw(A0, A1), 0x1_0000_0000L, 32),
                c1("ctzw", a -> a.ctzw(A0, A1), 0x8000_0000L, 31),
                c1("cpopw", a -> a.cpopw(A0, A1), -1, 32),
                c1("cpopw", a -> a.cpopw(A0, A1), 0xffff_ffff_0000_0001L, 1),
                c("max", a -> a.max(A0, A1, A2), -1, 1, 1),
                c("max", a -> a.max(A0, A1, A2), MIN, MAX, MAX),
                c("maxu", a -> a.maxu(A0, A1, A2), -1, 1, -1),
                c("min", a -> a.min(A0, A1, A2), -1, 1, -1),
                c("minu", a -> a.minu(A0, A1, A2), -1, 1, 1),
                c("minu", a -> a.minu(A0, A1, A2), MIN, MAX, MAX),
                c1("sext.b", a -> a.sext_b(A0, A1), 0x80, -128),
                c1("sext.b", a -> a.sext_b(A0, A1), 0x7f, 127),
                c1("sext.b", a -> a.sext_b(A0, A1), 0x1234_5680L, -128),
                c1("sext.h", a -> a.sext_h(A0, A1), 0x8000, -32768),
                c1("sext.h", a -> a.sext_h(A0, A1), 0x1_7fff, 32767),
                c1("zext.h", a -> a.zext_h(A0, A1), -1, 0xffff),
                c1("zext.h", a -> a.zext_h(A0, A1), 0x12345, 0x2345),
                c("rol", a -> a.rol(A0, A1, A2), MIN, 1, 1),
                c("rol", a -> a.rol(A0, A1, A2), 0x1234_5678_9abc_def0L, 0, 0x1234_5678_9abc_def0L),
                c("rol", a -> a.rol(A0, A1, A2), 0x1234_5678_9abc_def0L, 64, 0x1234_5678_9abc_def0L),
                c("rol", a -> a.rol(A0, A1, A2), 0x1234, 68, 0x12340),
                c("ror", a -> a.ror(A0, A1, A2), 1, 1, MIN),
                c("ror", a -> a.ror(A0, A1, A2), 0x1234_5678_9abc_def0L, 0, 0x1234_5678_9abc_def0L),
                c("ror", a -> a.ror(A0, A1, A2), 1, 65, MIN),
                c("rolw", a -> a.rolw(A0, A1, A2), 0x8000_0000L, 1, 1),
                c("rolw", a -> a.rolw(A0, A1, A2), 1, 31, 0xffff_ffff_8000_0000L),
                c("rolw", a -> a.rolw(A0, A1, A2), 0xffff_ffff_0000_0001L, 0, 1),
                c("rolw", a -> a.rolw(A0, A1, A2), 0x4000_0000L, 33, 0xffff_ffff_8000_0000L),
                c("rorw", a -> a.rorw(A0, A1, A2), 1, 1, 0xffff_ffff_8000_0000L),
                c("rorw", a -> a.rorw(A0, A1, A2), 0x8000_0000L, 0, 0xffff_ffff_8000_0000L),
                c("rorw", a -> a.rorw(A0, A1, A2), 2, 1, 1),
                c1("rori", a -> a.rori(A0, A1, 1), 1, MIN),
                c1("rori", a -> a.rori(A0, A1, 0), 0x1234_5678_9abc_def0L, 0x1234_5678_9abc_def0L),
                c1("rori", a -> a.rori(A0, A1, 63), 1, 2),
                c1("roriw", a -> a.roriw(A0, A1, 1), 1, 0xffff_ffff_8000_0000L),
                c1("roriw", a -> a.roriw(A0, A1, 0), 0x8000_0000L, 0xffff_ffff_8000_0000L),
                c1("roriw", a -> a.roriw(A0, A1, 0), 0x1_0000_0001L, 1),
                c1("roriw", a -> a.roriw(A0, A1, 31), 1, 2),
                c1("orc.b", a -> a.orc_b(A0, A1), 0x0001_0000_ff00_0100L, 0x00ff_0000_ff00_ff00L),
                c1("orc.b", a -> a.orc_b(A0, A1), 0, 0),
                c1("orc.b", a -> a.orc_b(A0, A1), 0x8000_0000_0000_0001L, 0xff00_0000_0000_00ffL),
                c1("rev8", a -> a.rev8(A0, A1), 0x0102_0304_0506_0708L, 0x0807_0605_0403_0201L)));
    }

    /** Carry-less product of a and b as a 128-bit number, by polynomial arithmetic on BigIntegers. */
    private static BigInteger clmul128(long a, long b) {
        BigInteger r = BigInteger.ZERO, x = unsigned(a);
        for (int i = 0; i < 64; i++) if (((b >>> i) & 1) != 0) r = r.xor(x.shiftLeft(i));
        return r;
    }

    @TestFactory
    Stream<DynamicTest> zbc() {
        List<Case> cases = new ArrayList<>(List.of(
                // hand-computed vectors
                c("clmul", a -> a.clmul(A0, A1, A2), 3, 3, 5),
                c("clmul", a -> a.clmul(A0, A1, A2), 0x8000_0000_0000_0001L, 3, 0x8000_0000_0000_0003L),
                c("clmulh", a -> a.clmulh(A0, A1, A2), 0x8000_0000_0000_0001L, 3, 1),
                c("clmulr", a -> a.clmulr(A0, A1, A2), 0x8000_0000_0000_0001L, 3, 3),
                c("clmul", a -> a.clmul(A0, A1, A2), MIN, MIN, 0),
                c("clmulh", a -> a.clmulh(A0, A1, A2), MIN, MIN, 0x4000_0000_0000_0000L),
                c("clmulr", a -> a.clmulr(A0, A1, A2), MIN, MIN, MIN),
                c("clmul", a -> a.clmul(A0, A1, A2), -1, -1, 0x5555_5555_5555_5555L),
                c("clmulh", a -> a.clmulh(A0, A1, A2), -1, -1, 0x5555_5555_5555_5555L),
                c("clmulr", a -> a.clmulr(A0, A1, A2), -1, -1, 0xaaaa_aaaa_aaaa_aaaaL)));
        for (long x : EDGES) {
            for (long y : new long[] {0x1234_5678_9abc_def0L, -1, 0x87, MIN + 1}) {
                BigInteger p = clmul128(x, y);
                cases.add(c("clmul", a -> a.clmul(A0, A1, A2), x, y, p.longValue()));
                cases.add(c("clmulh", a -> a.clmulh(A0, A1, A2), x, y, p.shiftRight(64).longValue()));
                cases.add(c("clmulr", a -> a.clmulr(A0, A1, A2), x, y, p.shiftRight(63).longValue()));
            }
        }
        return run(cases);
    }

    @TestFactory
    Stream<DynamicTest> zbs() {
        return run(List.of(
                c("bset", a -> a.bset(A0, A1, A2), 0, 63, MIN),
                c("bset", a -> a.bset(A0, A1, A2), 0, 64, 1), // index taken modulo 64
                c("bclr", a -> a.bclr(A0, A1, A2), -1, 63, MAX),
                c("binv", a -> a.binv(A0, A1, A2), 0, 5, 32),
                c("binv", a -> a.binv(A0, A1, A2), -1, 0, -2),
                c("bext", a -> a.bext(A0, A1, A2), MIN, 63, 1),
                c("bext", a -> a.bext(A0, A1, A2), MIN, 127, 1),
                c("bext", a -> a.bext(A0, A1, A2), 1, 1, 0),
                c1("bseti", a -> a.bseti(A0, A1, 63), 0, MIN),
                c1("bclri", a -> a.bclri(A0, A1, 63), -1, MAX),
                c1("binvi", a -> a.binvi(A0, A1, 0), 1, 0),
                c1("bexti", a -> a.bexti(A0, A1, 63), MIN, 1),
                c1("bexti", a -> a.bexti(A0, A1, 0), 2, 0)));
    }

    // ---- upper immediates, jumps, branches, x0 ----

    @Test
    void luiAndAuipc() {
        assertEquals(0xffff_ffff_8000_0000L, exec(a -> a.lui(A0, 0x80000), 0, 0));
        assertEquals(0x7fff_f000L, exec(a -> a.lui(A0, 0x7ffff), 0, 0));
        assertEquals(RAM_BASE, exec(a -> a.auipc(A0, 0), 0, 0));
        // the upper immediate is sign-extended: 0x80000000 - 0x80000000
        assertEquals(0, exec(a -> a.auipc(A0, 0x80000), 0, 0));
        assertEquals(RAM_BASE + 8 + 0x1000, exec(a -> a.nop().nop().auipc(A0, 1), 0, 0));
    }

    @Test
    void jalAndJalrLinkAndTarget() {
        long r = exec(a -> {
            Label target = a.newLabel();
            a.jal(RA, target);           // at RAM_BASE: ra = RAM_BASE + 4
            a.li(A0, -1);
            a.bind(target);
            a.mv(A0, RA);
        }, 0, 0);
        assertEquals(RAM_BASE + 4, r);
        // jalr clears bit 0 of the target; rd is written after the target is computed (rd == rs1)
        r = exec(a -> {
            Label target = a.newLabel();
            a.la(A1, target);       // 8 bytes
            a.addi(A1, A1, 1);      // odd address
            a.jalr(A1, A1, 0);      // at RAM_BASE + 12
            a.li(A0, -1);
            TestMachine.exit(a, A0);
            a.bind(target);
            a.mv(A0, A1);
        }, 0, 0);
        assertEquals(RAM_BASE + 16, r);
        // negative offset
        r = exec(a -> {
            Label over = a.newLabel(), back = a.newLabel();
            a.j(over);
            a.bind(back);
            a.li(A0, 77);
            TestMachine.exit(a, A0);
            a.bind(over);
            a.la(A1, back);
            a.addi(A1, A1, 16);
            a.jalr(ZERO, A1, -16);
        }, 0, 0);
        assertEquals(77, r);
    }

    record Branch(String name, Consumer<Assembler> emit, long x, long y, boolean taken) {}

    @TestFactory
    Stream<DynamicTest> branches() {
        List<Branch> cases = new ArrayList<>();
        long[][] pairs = {{1, 1}, {1, 2}, {-1, 1}, {1, -1}, {MIN, MAX}, {0, 0}};
        for (long[] p : pairs) {
            long x = p[0], y = p[1];
            // taken, the branch jumps 12 bytes forward over "li a0, 0; j end" to "li a0, 1"
            cases.add(new Branch("beq", a -> a.beq(A1, A2, 12), x, y, x == y));
            cases.add(new Branch("bne", a -> a.bne(A1, A2, 12), x, y, x != y));
            cases.add(new Branch("blt", a -> a.blt(A1, A2, 12), x, y, x < y));
            cases.add(new Branch("bge", a -> a.bge(A1, A2, 12), x, y, x >= y));
            cases.add(new Branch("bltu", a -> a.bltu(A1, A2, 12), x, y, Long.compareUnsigned(x, y) < 0));
            cases.add(new Branch("bgeu", a -> a.bgeu(A1, A2, 12), x, y, Long.compareUnsigned(x, y) >= 0));
        }
        return cases.stream().map(b -> DynamicTest.dynamicTest(b.name + "(" + b.x + ", " + b.y + ")", () -> {
            long r = exec(a -> {
                Label end = a.newLabel();
                a.li(A0, 2);
                b.emit.accept(a);
                a.li(A0, 0);
                a.j(end);
                a.li(A0, 1);
                a.bind(end);
            }, b.x, b.y);
            assertEquals(b.taken ? 1 : 0, r, b.name);
        }));
    }

    @Test
    void backwardBranch() {
        long r = exec(a -> {
            Label loop = a.newLabel();
            a.li(A0, 0);
            a.li(A1, 10);
            a.bind(loop);
            a.addi(A0, A0, 3);
            a.addi(A1, A1, -1);
            a.bnez(A1, loop);
        }, 0, 0);
        assertEquals(30, r);
    }

    @Test
    void x0IsHardwiredZero() {
        long r = exec(a -> {
            a.li(A1, 1234);
            a.addi(ZERO, A1, 5);
            a.lui(ZERO, 0x12345);
            a.add(A0, ZERO, ZERO);
            a.add(A0, A0, ZERO);
        }, 0, 0);
        assertEquals(0, r);
        // a load into x0 still performs the access but leaves x0 zero
        r = exec(a -> {
            a.li(A1, RAM_BASE + 0x8000);
            a.li(A2, 99);
            a.sd(A2, 0, A1);
            a.ld(ZERO, 0, A1);
            a.mv(A0, ZERO);
        }, 0, 0);
        assertEquals(0, r);
    }

    @Test
    void fencesAndPauseAreNoOps() {
        long r = exec(a -> {
            a.li(A0, 5);
            a.fence();
            a.fence_tso();
            a.fence_i();
            a.pause();
            a.addi(A0, A0, 1);
        }, 0, 0);
        assertEquals(6, r);
    }

    @Test
    void fenceIMakesStoresToCodeVisibleToFetch() {
        int patched = GuestTest.word(a -> a.addi(A0, ZERO, 42));
        long r = exec(a -> {
            Label target = a.newLabel();
            a.la(A1, target);
            a.li(T0, patched);
            a.sw(T0, 0, A1);
            a.fence_i();
            a.bind(target);
            a.addi(A0, ZERO, 1);
        }, 0, 0);
        assertEquals(42, r);
    }

    // ---- loads and stores ----

    @Test
    void loadsSignAndZeroExtend() {
        long base = RAM_BASE + 0x8000;
        long pattern = 0x8182_8384_f5f6_f7f8L;
        record L(String name, Consumer<Assembler> emit, long expected) {}
        List<L> cases = List.of(
                new L("lb", a -> a.lb(A0, 0, A1), (byte) 0xf8),
                new L("lbu", a -> a.lbu(A0, 0, A1), 0xf8),
                new L("lb+7", a -> a.lb(A0, 7, A1), (byte) 0x81),
                new L("lh", a -> a.lh(A0, 0, A1), (short) 0xf7f8),
                new L("lhu", a -> a.lhu(A0, 0, A1), 0xf7f8),
                new L("lw", a -> a.lw(A0, 0, A1), (int) 0xf5f6_f7f8),
                new L("lwu", a -> a.lwu(A0, 0, A1), 0xf5f6_f7f8L),
                new L("lw+4", a -> a.lw(A0, 4, A1), (int) 0x8182_8384),
                new L("ld", a -> a.ld(A0, 0, A1), pattern),
                new L("ld-8", a -> a.ld(A0, -8, A2), pattern));
        for (L l : cases) {
            long r = exec(a -> {
                a.li(A1, base);
                a.li(A3, pattern);
                a.sd(A3, 0, A1);
                a.addi(A2, A1, 8);
                l.emit.accept(a);
            }, 0, 0);
            assertEquals(l.expected, r, l.name);
        }
    }

    @Test
    void storesWriteOnlyTheirBytes() {
        long base = RAM_BASE + 0x8000;
        Consumer<Assembler> fill = a -> {
            a.li(A1, base);
            a.li(A2, -1);
            a.sd(A2, 0, A1);
        };
        record S(String name, Consumer<Assembler> emit, long expected) {}
        List<S> cases = List.of(
                new S("sb", a -> a.sb(A3, 1, A1), 0xffff_ffff_ffff_88ffL),
                new S("sh", a -> a.sh(A3, 2, A1), 0xffff_ffff_7788_ffffL),
                new S("sw", a -> a.sw(A3, 4, A1), 0x5566_7788_ffff_ffffL),
                new S("sd", a -> a.sd(A3, 0, A1), 0x1122_3344_5566_7788L));
        for (S s : cases) {
            long r = exec(a -> {
                fill.accept(a);
                a.li(A3, 0x1122_3344_5566_7788L);
                s.emit.accept(a);
                a.ld(A0, 0, A1);
            }, 0, 0);
            assertEquals(s.expected, r, s.name);
        }
    }

    @Test
    void loadsSeeTheirOwnStoresWithinAPage() {
        // the data lives in the program's own memory: initialised by stores, read back
        long r = exec(a -> {
            a.li(A1, RAM_BASE + 0x9000);
            a.li(A2, 0x0123_4567_89ab_cdefL);
            a.sd(A2, 0, A1);
            a.lbu(A3, 7, A1);   // 0x01
            a.lhu(A4, 6, A1);   // 0x0123
            a.lwu(A5, 0, A1);   // 0x89abcdef
            a.slli(A3, A3, 48);
            a.slli(A4, A4, 16);
            a.add(A0, A3, A4);
            a.add(A0, A0, A5);
        }, 0, 0);
        assertEquals(0x0001_0000_0123_0000L + 0x89ab_cdefL, r);
    }
}
