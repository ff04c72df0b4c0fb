package dev.ferry.cli;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code -d item,...} and {@code -D file}.
 *
 * @param items       the log items, in QEMU's names
 * @param traceEvents {@code trace:PATTERN} items, the patterns in order
 * @param file        {@code -D}: the log file (absent: standard error)
 */
public record DebugLog(Set<LogItem> items, List<String> traceEvents, Optional<String> file) {
    public static final DebugLog NONE = new DebugLog(Set.of(), List.of(), Optional.empty());

    public DebugLog {
        items = items.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(items));
        traceEvents = List.copyOf(traceEvents);
    }

    public boolean has(LogItem item) { return items.contains(item); }

    /** QEMU's log items (the ones {@code -d help} lists). */
    public enum LogItem {
        OUT_ASM("out_asm", "show generated host assembly code for each compiled TB"),
        IN_ASM("in_asm", "show target assembly code for each compiled TB"),
        OP("op", "show micro ops for each compiled TB"),
        OP_OPT("op_opt", "show micro ops after optimization"),
        OP_IND("op_ind", "show micro ops before indirect lowering"),
        INT("int", "show interrupts/exceptions in short format"),
        EXEC("exec", "show trace before each executed TB (lots of logs)"),
        CPU("cpu", "show CPU registers before entering a TB (lots of logs)"),
        FPU("fpu", "include FPU registers in the 'cpu' logging"),
        MMU("mmu", "log MMU-related activities"),
        PCALL("pcall", "x86 only: show protected mode far calls/returns/exceptions"),
        CPU_RESET("cpu_reset", "show CPU state before CPU resets"),
        UNIMP("unimp", "log unimplemented functionality"),
        GUEST_ERRORS("guest_errors", "log when the guest OS does something invalid (eg accessing a\nnon-existent register)"),
        PAGE("page", "dump pages at beginning of user mode emulation"),
        NOCHAIN("nochain", "do not chain compiled TBs so that \"exec\" and \"cpu\" show\ncomplete traces"),
        PLUGIN("plugin", "output from TCG plugins"),
        STRACE("strace", "log every user-mode syscall, its input, and its result"),
        TID("tid", "open a separate log file per thread; filename must contain '%d'");

        public final String spelling;
        public final String help;
        LogItem(String s, String help) { spelling = s; this.help = help; }

        public static Optional<LogItem> of(String s) {
            for (var i : values()) if (i.spelling.equals(s)) return Optional.of(i);
            return Optional.empty();
        }
    }
}
