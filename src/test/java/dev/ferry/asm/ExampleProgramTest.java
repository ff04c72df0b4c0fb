package dev.ferry.asm;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The example of the package documentation, byte for byte as GNU as + ld build it. */
class ExampleProgramTest {

    /*
     * _start: li t0, 0x10000000
     *         la a0, msg
     * loop:   lbu a1, 0(a0)
     *         beqz a1, done
     *         sb a1, 0(t0)
     *         addi a0, a0, 1
     *         j loop
     * done:   wfi
     * msg:    .asciz "hello\n"
     */
    static final String EXPECTED = "b7020010170500001305050283450500638805002380b200130515006ff01fff73005010"
            + "68656c6c6f0a00";

    @Test
    void helloLoop() {
        Assembler a = new Assembler(0x8000_0000L);
        Label loop = a.newLabel(), done = a.newLabel(), msg = a.newLabel();
        a.li(T0, 0x1000_0000L);
        a.la(A0, msg);
        a.bind(loop);
        a.lbu(A1, 0, A0);
        a.beqz(A1, done);
        a.sb(A1, 0, T0);
        a.addi(A0, A0, 1);
        a.j(loop);
        a.bind(done).wfi();
        a.bind(msg).asciz("hello\n");
        assertEquals(EXPECTED, HexFormat.of().formatHex(a.assemble()));
        assertEquals(0x8000_0024L, a.addressOf(msg));
    }
}
