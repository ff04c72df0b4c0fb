package dev.ferry.cpu;

/** Exception and interrupt cause codes (mcause/scause), as the privileged specification numbers them. */
public final class Trap {
    private Trap() {}

    public static final int INSN_MISALIGNED = 0, INSN_ACCESS = 1, ILLEGAL = 2, BREAKPOINT = 3,
            LOAD_MISALIGNED = 4, LOAD_ACCESS = 5, STORE_MISALIGNED = 6, STORE_ACCESS = 7,
            ECALL_U = 8, ECALL_S = 9, ECALL_M = 11, INSN_PAGE = 12, LOAD_PAGE = 13, STORE_PAGE = 15;

    public static final int IRQ_SSI = 1, IRQ_MSI = 3, IRQ_STI = 5, IRQ_MTI = 7, IRQ_SEI = 9, IRQ_MEI = 11;

    public static final long INTERRUPT_BIT = 1L << 63;

    public static String name(long cause) {
        boolean irq = cause < 0;
        int c = (int) (cause & 0xff);
        if (irq) {
            return switch (c) {
                case IRQ_SSI -> "supervisor software interrupt";
                case IRQ_MSI -> "machine software interrupt";
                case IRQ_STI -> "supervisor timer interrupt";
                case IRQ_MTI -> "machine timer interrupt";
                case IRQ_SEI -> "supervisor external interrupt";
                case IRQ_MEI -> "machine external interrupt";
                default -> "interrupt " + c;
            };
        }
        return switch (c) {
            case INSN_MISALIGNED -> "instruction address misaligned";
            case INSN_ACCESS -> "instruction access fault";
            case ILLEGAL -> "illegal instruction";
            case BREAKPOINT -> "breakpoint";
            case LOAD_MISALIGNED -> "load address misaligned";
            case LOAD_ACCESS -> "load access fault";
            case STORE_MISALIGNED -> "store/AMO address misaligned";
            case STORE_ACCESS -> "store/AMO access fault";
            case ECALL_U -> "environment call from U-mode";
            case ECALL_S -> "environment call from S-mode";
            case ECALL_M -> "environment call from M-mode";
            case INSN_PAGE -> "instruction page fault";
            case LOAD_PAGE -> "load page fault";
            case STORE_PAGE -> "store/AMO page fault";
            default -> "exception " + c;
        };
    }
}
