package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** LR/SC reservations and every AMO, .w and .d, in RAM and on a device register. */
class AtomicTest extends GuestTest {
    static final long GUARD = 0xa5a5_a5a5_0000_0000L;

    // ---- LR/SC ----

    @Test
    void lrScSucceeds() {
        runIn(M, () -> m.write64(DATA, 0x1111), a -> {
            a.li(A1, DATA);
            a.lr_d(A0, A1);
            a.li(A2, 0x2222);
            a.sc_d(A3, A2, A1);
        });
        assertNoTrap();
        assertEquals(0x1111, h.x[A0]);
        assertEquals(0, h.x[A3], "success");
        assertEquals(0x2222, m.read64(DATA));
    }

    @Test
    void lrWSignExtendsAndScWWritesOneWord() {
        runIn(M, () -> m.write64(DATA, GUARD | 0x8000_0001L), a -> {
            a.li(A1, DATA);
            a.lr_w(A0, A1, true, false);
            a.li(A2, 0x7777_7777_1234_5678L);
            a.sc_w(A3, A2, A1, false, true);
        });
        assertNoTrap();
        assertEquals(0xffff_ffff_8000_0001L, h.x[A0]);
        assertEquals(0, h.x[A3]);
        assertEquals(GUARD | 0x1234_5678L, m.read64(DATA));
    }

    @Test
    void scWithoutAReservationFails() {
        runIn(M, () -> m.write64(DATA, 5), a -> {
            a.li(A1, DATA);
            a.li(A2, 6);
            a.sc_d(A3, A2, A1);
        });
        assertEquals(1, h.x[A3]);
        assertEquals(5, m.read64(DATA));
    }

    @Test
    void scToAnotherAddressFails() {
        runIn(M, () -> {
            m.write64(DATA, 5);
            m.write64(DATA + 8, 7);
        }, a -> {
            a.li(A1, DATA);
            a.lr_d(A0, A1);
            a.addi(A4, A1, 8);
            a.li(A2, 6);
            a.sc_d(A3, A2, A4);
        });
        assertEquals(1, h.x[A3]);
        assertEquals(5, m.read64(DATA));
        assertEquals(7, m.read64(DATA + 8));
    }

    @Test
    void anInterveningStoreOfADifferentValueMakesScFail() {
        runIn(M, () -> m.write64(DATA, 5), a -> {
            a.li(A1, DATA);
            a.lr_d(A0, A1);
            a.li(T0, 9);
            a.sd(T0, 0, A1);
            a.li(A2, 6);
            a.sc_d(A3, A2, A1);
        });
        assertEquals(1, h.x[A3]);
        assertEquals(9, m.read64(DATA));
    }

    @Test
    void scConsumesTheReservation() {
        runIn(M, () -> m.write64(DATA, 5), a -> {
            a.li(A1, DATA);
            a.lr_d(A0, A1);
            a.li(A2, 6);
            a.sc_d(A3, A2, A1);
            a.li(A2, 7);
            a.sc_d(A4, A2, A1);
            // a failed sc consumes it too
            a.lr_d(A0, A1);
            a.addi(A5, A1, 8);
            a.sc_d(A6, A2, A5);
            a.sc_d(A7, A2, A1);
        });
        assertEquals(0, h.x[A3]);
        assertEquals(1, h.x[A4]);
        assertEquals(1, h.x[A6]);
        assertEquals(1, h.x[A7]);
        assertEquals(6, m.read64(DATA));
    }

    @Test
    void lrScRetryLoop() {
        runIn(S, () -> m.write64(DATA, 40), a -> {
            a.li(A1, DATA);
            var retry = a.label();
            a.lr_d(A0, A1);
            a.addi(A0, A0, 2);
            a.sc_d(A3, A0, A1);
            a.bnez(A3, retry);
            a.ecall();
        });
        assertTrapM(Trap.ECALL_S);
        assertEquals(42, m.read64(DATA));
    }

    // ---- AMOs ----

    record Amo(String name, int funct5, boolean word, long old, long src) {}

    /** The value an AMO leaves in memory, by the definition of each operation. */
    private static long combine(String op, long old, long src, boolean word) {
        if (word) {
            int o = (int) old, s = (int) src;
            int r = switch (op) {
                case "swap" -> s;
                case "add" -> o + s;
                case "xor" -> o ^ s;
                case "and" -> o & s;
                case "or" -> o | s;
                case "min" -> o < s ? o : s;
                case "max" -> o > s ? o : s;
                case "minu" -> Integer.compareUnsigned(o, s) < 0 ? o : s;
                default -> Integer.compareUnsigned(o, s) > 0 ? o : s;
            };
            return r & 0xffff_ffffL;
        }
        return switch (op) {
            case "swap" -> src;
            case "add" -> old + src;
            case "xor" -> old ^ src;
            case "and" -> old & src;
            case "or" -> old | src;
            case "min" -> old < src ? old : src;
            case "max" -> old > src ? old : src;
            case "minu" -> Long.compareUnsigned(old, src) < 0 ? old : src;
            default -> Long.compareUnsigned(old, src) > 0 ? old : src;
        };
    }

    private static void emit(Assembler a, String op, boolean word, int rd, int rs2, int rs1) {
        switch (op + (word ? ".w" : ".d")) {
            case "swap.w" -> a.amoswap_w(rd, rs2, rs1);
            case "add.w" -> a.amoadd_w(rd, rs2, rs1);
            case "xor.w" -> a.amoxor_w(rd, rs2, rs1);
            case "and.w" -> a.amoand_w(rd, rs2, rs1);
            case "or.w" -> a.amoor_w(rd, rs2, rs1);
            case "min.w" -> a.amomin_w(rd, rs2, rs1);
            case "max.w" -> a.amomax_w(rd, rs2, rs1);
            case "minu.w" -> a.amominu_w(rd, rs2, rs1);
            case "maxu.w" -> a.amomaxu_w(rd, rs2, rs1);
            case "swap.d" -> a.amoswap_d(rd, rs2, rs1);
            case "add.d" -> a.amoadd_d(rd, rs2, rs1);
            case "xor.d" -> a.amoxor_d(rd, rs2, rs1);
            case "and.d" -> a.amoand_d(rd, rs2, rs1);
            case "or.d" -> a.amoor_d(rd, rs2, rs1);
            case "min.d" -> a.amomin_d(rd, rs2, rs1);
            case "max.d" -> a.amomax_d(rd, rs2, rs1);
            case "minu.d" -> a.amominu_d(rd, rs2, rs1);
            default -> a.amomaxu_d(rd, rs2, rs1);
        }
    }

    static final String[] OPS = {"swap", "add", "xor", "and", "or", "min", "max", "minu", "maxu"};

    @TestFactory
    Stream<DynamicTest> everyAmoInRam() {
        long[][] pairs = {
            {-1, 1}, {1, -1}, {0x8000_0000L, 0x7fff_ffffL}, {5, 7}, {0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L},
            {Long.MIN_VALUE, Long.MAX_VALUE}, {0xffff_ffffL, 0xdead_beef_0000_0001L}, {0x7fff_ffff, 1},
        };
        List<DynamicTest> tests = new ArrayList<>();
        for (String op : OPS) {
            for (boolean word : new boolean[] {true, false}) {
                for (long[] p : pairs) {
                    long old = p[0], src = p[1];
                    String name = "amo" + op + (word ? ".w" : ".d") + "(0x" + Long.toHexString(old) + ", 0x" + Long.toHexString(src) + ")";
                    tests.add(DynamicTest.dynamicTest(name, () -> {
                        long initial = word ? GUARD | (old & 0xffff_ffffL) : old;
                        runIn(M, () -> {
                            m.write64(DATA, initial);
                            h.x[A2] = src;
                        }, a -> {
                            a.li(A1, DATA);
                            emit(a, op, word, A0, A2, A1);
                        });
                        assertNoTrap();
                        long expectedRd = word ? (int) old : old;
                        long expectedMem = word ? GUARD | combine(op, old, src, true) : combine(op, old, src, false);
                        assertEquals(expectedRd, h.x[A0], name + ": rd is the old value" + (word ? ", sign-extended" : ""));
                        assertEquals(expectedMem, m.read64(DATA), name + ": memory");
                        assertEquals(src, h.x[A2], "rs2 unchanged");
                    }));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void signedAndUnsignedMinMaxDiffer() {
        // -1 vs 1: signed min is -1, unsigned min is 1
        assertEquals(0xffff_ffffL, combine("min", -1, 1, true));
        assertEquals(1, combine("minu", -1, 1, true));
        assertEquals(1, combine("max", -1, 1, true));
        assertEquals(0xffff_ffffL, combine("maxu", -1, 1, true));
        runIn(M, () -> m.write64(DATA, GUARD | 0xffff_ffffL), a -> {
            a.li(A1, DATA);
            a.li(A2, 1);
            a.amomin_w(A3, A2, A1);   // stays -1
            a.amominu_w(A4, A2, A1);  // becomes 1
            a.amomax_w(A5, A2, A1);   // stays 1
            a.li(A2, -2);
            a.amomaxu_w(A6, A2, A1);  // becomes 0xfffffffe
            a.lwu(A7, 0, A1);
        });
        assertEquals(-1, h.x[A3]);
        assertEquals(-1, h.x[A4]);
        assertEquals(1, h.x[A5]);
        assertEquals(1, h.x[A6]);
        assertEquals(0xffff_fffeL, h.x[A7]);
        assertEquals(GUARD | 0xffff_fffeL, m.read64(DATA));
    }

    @Test
    void amoWithRdEqualToRs2OrX0() {
        runIn(M, () -> m.write64(DATA, 10), a -> {
            a.li(A1, DATA);
            a.li(A2, 3);
            a.amoadd_d(A2, A2, A1);   // a2 = 10, memory 13
            a.li(A3, 4);
            a.amoadd_d(ZERO, A3, A1); // memory 17, x0 stays zero
            a.mv(A4, ZERO);
        });
        assertEquals(10, h.x[A2]);
        assertEquals(0, h.x[A4]);
        assertEquals(17, m.read64(DATA));
    }

    @Test
    void atomicsOnADeviceRegister() {
        long dev = TestMachine.SCRATCH;
        runIn(M, () -> m.scratch = GUARD | 0x8000_0000L, a -> {
            a.li(A1, dev);
            a.li(A2, 1);
            a.amoadd_w(A0, A2, A1);     // old sign-extended, new low word 0x80000001
            a.lr_d(A3, A1);
            a.li(A2, 0x55);
            a.sc_d(A4, A2, A1);
            a.li(A2, 0x60);
            a.amomaxu_d(A5, A2, A1);
        });
        assertNoTrap();
        assertEquals(0xffff_ffff_8000_0000L, h.x[A0]);
        assertEquals(GUARD | 0x8000_0001L, h.x[A3]);
        assertEquals(0, h.x[A4]);
        assertEquals(0x55, h.x[A5]);
        assertEquals(0x60, m.scratch);
    }
}
