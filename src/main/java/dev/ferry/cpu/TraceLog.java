package dev.ferry.cpu;

import java.io.PrintStream;

/** QEMU's {@code -d int}: one line per trap taken, in QEMU's riscv format. */
public final class TraceLog {
    private TraceLog() {}

    static volatile PrintStream interrupts;

    public static void enableInterrupts(PrintStream out) {
        interrupts = out;
    }

    static void trap(Hart h, long cause, long tval) {
        PrintStream out = interrupts;
        if (out == null) return;
        boolean async = cause < 0;
        out.printf("riscv_cpu_do_interrupt: hart:%d, async:%d, cause:%016x, epc:0x%016x, tval:0x%016x, desc=%s%n",
                h.hartId, async ? 1 : 0, cause & Long.MAX_VALUE, h.pc, tval,
                Trap.name(cause).replace(' ', '_').replace('/', '_'));
    }
}
