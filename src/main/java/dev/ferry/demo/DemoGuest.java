package dev.ferry.demo;

import static dev.ferry.asm.Reg.*;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;

/**
 * The built-in demo guest: a bare-metal RV64 program (made with Ferry's own assembler) that
 * runs from 0x80000000 with {@code -bios none}. Each pass it checks that every page of a memory
 * region still holds the previous pass's value, rewrites the region with the new pass number,
 * and prints {@code demo: pass N ok} (or {@code demo: FAIL ...} on a lost write) on the UART.
 * Memory that changes all the time and a counter that must keep counting: what a migration
 * has to carry across intact.
 */
public final class DemoGuest {
    private DemoGuest() {}

    public static final long LOAD_ADDRESS = 0x8000_0000L;
    static final long UART = 0x1000_0000L;

    /**
     * @param regionMiB  size of the rewritten region (placed 1 MiB above the load address)
     * @param periodTicks time between passes, in 10 MHz timer ticks
     */
    public static byte[] build(int regionMiB, long periodTicks) {
        Assembler a = new Assembler(LOAD_ADDRESS);
        Label loop = a.newLabel(), check = a.newLabel(), fill = a.newLabel(), wait = a.newLabel();
        Label fail = a.newLabel(), putc = a.newLabel(), puts = a.newLabel(), putdec = a.newLabel();
        Label msgPass = a.newLabel(), msgOk = a.newLabel(), msgFail = a.newLabel(), msgStart = a.newLabel();
        long region = LOAD_ADDRESS + (1L << 20);
        long regionBytes = (long) regionMiB << 20;

        a.li(SP, LOAD_ADDRESS + (1L << 20) - 16); // stack below the region
        a.li(S0, UART);
        a.li(S1, 0); // pass number
        a.li(S2, region);
        a.li(S3, region + regionBytes);
        a.la(A0, msgStart);
        a.call(puts);
        a.rdtime(S4); // next deadline
        a.bind(loop);
        // check: every page's first dword holds the previous pass number
        a.mv(T0, S2);
        a.bind(check);
        a.ld(T1, 0, T0);
        a.bne(T1, S1, fail);
        a.li(T2, 4096);
        a.add(T0, T0, T2);
        a.bltu(T0, S3, check);
        // rewrite: every 64th byte of the region gets the new pass number
        a.addi(S1, S1, 1);
        a.mv(T0, S2);
        a.bind(fill);
        a.sd(S1, 0, T0);
        a.addi(T0, T0, 64);
        a.bltu(T0, S3, fill);
        // report
        a.la(A0, msgPass);
        a.call(puts);
        a.mv(A0, S1);
        a.call(putdec);
        a.la(A0, msgOk);
        a.call(puts);
        // wait for the next period
        a.li(T2, periodTicks);
        a.add(S4, S4, T2);
        a.bind(wait);
        a.rdtime(T1);
        a.bltu(T1, S4, wait);
        a.j(loop);

        a.bind(fail); // print the failing address, then stop checking (keep counting)
        a.mv(S5, T0);
        a.la(A0, msgFail);
        a.call(puts);
        a.mv(A0, S5);
        a.call(putdec);
        a.li(A0, '\n');
        a.call(putc);
        a.sd(S1, 0, S5); // repair so later passes report new losses only
        a.j(loop);

        // putc(a0): wait for THR empty (LSR bit 5), then write
        a.bind(putc);
        Label busy = a.newLabel();
        a.bind(busy);
        a.lbu(T3, 5, S0);
        a.andi(T3, T3, 0x20);
        a.beqz(T3, busy);
        a.sb(A0, 0, S0);
        a.ret();

        // puts(a0): NUL-terminated string
        a.bind(puts);
        Label pl = a.newLabel(), pdone = a.newLabel();
        a.addi(SP, SP, -16);
        a.sd(RA, 8, SP);
        a.sd(S6, 0, SP);
        a.mv(S6, A0);
        a.bind(pl);
        a.lbu(A0, 0, S6);
        a.beqz(A0, pdone);
        a.call(putc);
        a.addi(S6, S6, 1);
        a.j(pl);
        a.bind(pdone);
        a.ld(RA, 8, SP);
        a.ld(S6, 0, SP);
        a.addi(SP, SP, 16);
        a.ret();

        // putdec(a0): unsigned decimal
        a.bind(putdec);
        Label dl = a.newLabel(), ol = a.newLabel();
        a.addi(SP, SP, -48);
        a.sd(RA, 40, SP);
        a.sd(S7, 32, SP);
        a.addi(S7, SP, 31); // digits grow downwards from sp+31
        a.sb(ZERO, 0, S7);
        a.li(T4, 10);
        a.bind(dl);
        a.remu(T5, A0, T4);
        a.divu(A0, A0, T4);
        a.addi(T5, T5, '0');
        a.addi(S7, S7, -1);
        a.sb(T5, 0, S7);
        a.bnez(A0, dl);
        a.mv(A0, S7);
        a.bind(ol);
        a.call(puts);
        a.ld(RA, 40, SP);
        a.ld(S7, 32, SP);
        a.addi(SP, SP, 48);
        a.ret();

        a.bind(msgStart);
        a.asciz("demo: Ferry demo guest started\n");
        a.bind(msgPass);
        a.asciz("demo: pass ");
        a.bind(msgOk);
        a.asciz(" ok\n");
        a.bind(msgFail);
        a.asciz("demo: FAIL lost write at ");
        return a.assemble();
    }
}
