package dev.ferry.cpu;

import static dev.ferry.asm.Reg.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Csr;
import dev.ferry.asm.Label;
import dev.ferry.migration.vmstate.VMStateException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The hart's state description is complete: save mid-run, load into a fresh hart, and both continue identically. */
class HartStateTest {
    /** A program that touches many CSRs, runs in S-mode with PMP, and keeps a running checksum. */
    private static Assembler program() {
        Assembler a = new Assembler(TestMachine.RAM_BASE);
        Label sMode = a.newLabel(), loop = a.newLabel(), trap = a.newLabel();
        a.li(T0, -1L >>> 10);
        a.csrw(Csr.PMPADDR0, T0);
        a.li(T0, 0x1f);
        a.csrw(Csr.PMPCFG0, T0);
        a.la(T0, trap);
        a.csrw(Csr.MTVEC, T0);
        a.li(T0, 0xabcdef);
        a.csrw(Csr.MSCRATCH, T0);
        a.csrw(Csr.SSCRATCH, T0);
        a.li(T0, 1L << 11); // MPP = S
        a.csrw(Csr.MSTATUS, T0);
        a.la(T0, sMode);
        a.csrw(Csr.MEPC, T0);
        a.mret();
        a.bind(sMode);
        a.li(A0, 0);
        a.li(S1, 200_000);
        a.bind(loop);
        a.mul(T1, A0, S1);
        a.xor(A0, A0, T1);
        a.addi(A0, A0, 7);
        a.csrr(T2, Csr.SSCRATCH);
        a.add(A0, A0, T2);
        a.addi(S1, S1, -1);
        a.bnez(S1, loop);
        a.ecall(); // to M: exits with a0
        a.bind(trap);
        TestMachine.exit(a, A0);
        return a;
    }

    @Test
    void saveMidRunAndContinueOnAFreshHart() throws VMStateException {
        Assembler prog = program();
        long expected;
        try (TestMachine ref = new TestMachine()) {
            expected = ref.load(prog).run(10_000_000);
        }
        try (TestMachine src = new TestMachine(); TestMachine dst = new TestMachine()) {
            src.load(prog);
            src.hart.run(300_000); // somewhere in the S-mode loop
            assertEquals(Hart.PRV_S, src.hart.priv);
            byte[] state = HartState.VMSTATE.save(src.hart);
            byte[] ram = new byte[(int) src.ram.size()];
            src.ram.readBytes(0, ram, 0, ram.length);

            dst.ram.load(0, ram);
            HartState.VMSTATE.load(dst.hart, state, HartState.VMSTATE.versionId());
            assertEquals(src.hart.pc, dst.hart.pc);
            assertArrayEquals(src.hart.x, dst.hart.x);
            assertEquals(src.hart.mstatus, dst.hart.mstatus);
            assertEquals(src.hart.pmp.readCfg(0), dst.hart.pmp.readCfg(0));
            assertArrayEquals(HartState.VMSTATE.save(src.hart), HartState.VMSTATE.save(dst.hart), "identical state saves identically");
            assertEquals(expected, dst.run(10_000_000));
            assertEquals(expected, src.run(10_000_000));
            assertEquals(src.hart.instret, dst.hart.instret);
        }
    }

    @Test
    void corruptStateIsRejectedAndLeavesTheHartUnchanged() throws VMStateException {
        try (TestMachine m = new TestMachine(); TestMachine other = new TestMachine()) {
            m.load(program());
            m.hart.run(1000);
            byte[] good = HartState.VMSTATE.save(m.hart);
            byte[] before = HartState.VMSTATE.save(other.hart);
            // priv is the byte after 32 gpr, pc, 32 fpr, fflags, frm (4 + 256 + 8 + 256 + 2)
            byte[] bad = good.clone();
            bad[4 + 256 + 8 + 256 + 2] = 2;
            VMStateException e = assertThrows(VMStateException.class,
                    () -> HartState.VMSTATE.load(other.hart, bad, 1));
            assertTrue(e.getMessage().contains("priv"), e.getMessage());
            assertArrayEquals(before, HartState.VMSTATE.save(other.hart));
            for (int cut = 0; cut < good.length; cut += 7) {
                byte[] t = Arrays.copyOf(good, cut);
                assertThrows(VMStateException.class, () -> HartState.VMSTATE.load(other.hart, t, 1), "cut at " + cut);
            }
            assertArrayEquals(before, HartState.VMSTATE.save(other.hart));
        }
    }
}
