package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import org.junit.jupiter.api.Test;

class HartBasicsTest {
    private static long runProgram(java.util.function.Consumer<Assembler> body) {
        Assembler a = new Assembler(TestMachine.RAM_BASE);
        body.accept(a);
        TestMachine.exit(a, A0);
        try (TestMachine m = new TestMachine()) {
            return m.load(a).run();
        }
    }

    @Test
    void sumLoop() {
        long r = runProgram(a -> {
            Label loop = a.newLabel();
            a.li(A0, 0);
            a.li(T0, 100);
            a.bind(loop);
            a.add(A0, A0, T0);
            a.addi(T0, T0, -1);
            a.bnez(T0, loop);
        });
        assertEquals(5050, r);
    }

    @Test
    void compressedAndMemory() {
        long r = runProgram(a -> {
            a.li(SP, TestMachine.RAM_BASE + 0x10000);
            a.li(A1, 0x1234_5678_9abc_def0L);
            a.c_sdsp(A1, 8);
            a.c_ldsp(A2, 8);
            a.c_lwsp(A3, 8);   // sign-extended low word
            a.lhu(A4, 8 + 6, SP); // 0x1234
            a.sub(A0, A2, A1);  // 0
            a.add(A0, A0, A3);
            a.add(A0, A0, A4);
        });
        assertEquals((long) (int) 0x9abc_def0L + 0x1234, r);
    }

    @Test
    void divisionEdgeCases() {
        long r = runProgram(a -> {
            a.li(T0, Long.MIN_VALUE);
            a.li(T1, -1);
            a.div(A0, T0, T1);      // overflow: MIN
            a.rem(A1, T0, T1);      // 0
            a.div(A2, T0, ZERO);    // -1
            a.remu(A3, T0, ZERO);   // dividend
            a.sub(A0, A0, T0);      // 0
            a.or(A0, A0, A1);
            a.addi(A2, A2, 1);      // 0
            a.or(A0, A0, A2);
            a.sub(A3, A3, T0);      // 0
            a.or(A0, A0, A3);
        });
        assertEquals(0, r);
    }
}
