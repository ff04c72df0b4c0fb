package dev.ferry.hw;

import dev.ferry.memory.MmioHandler;
import dev.ferry.migration.vmstate.VMStateDescription;
import java.lang.System.Logger.Level;

/**
 * SiFive's test finisher, which the virt board exposes as {@code syscon} for the guest's
 * poweroff and reboot: a 32-bit write at offset 0 of {@link #FINISHER_PASS} powers off with
 * status 0, {@code FINISHER_FAIL | code << 16} exits with status {@code code}, and
 * {@link #FINISHER_RESET} resets the machine. Everything else is ignored and reads are zero.
 */
public final class SifiveTest implements MmioHandler {
    public static final long BASE = 0x10_0000L;
    public static final long SIZE = 0x1000;
    public static final int FINISHER_FAIL = 0x3333, FINISHER_PASS = 0x5555, FINISHER_RESET = 0x7777;

    private static final System.Logger LOG = System.getLogger(SifiveTest.class.getName());

    /** The finisher keeps no state: an empty section, so that the device is accounted for. */
    public static final VMStateDescription<SifiveTest> VMSTATE = VMStateDescription.<SifiveTest>builder("sifive_test")
            .version(1).minimumVersion(1)
            .build();

    private final BoardControl board;

    public SifiveTest(BoardControl board) {
        this.board = board;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == 0 && (size == 4 || size == 2)) { // QEMU accepts 2- and 4-byte accesses
            int status = (int) (value & 0xffff);
            int code = (int) ((value >>> 16) & 0xffff);
            switch (status) {
                case FINISHER_PASS -> {
                    board.shutdown(0, "guest-shutdown");
                    return;
                }
                case FINISHER_FAIL -> {
                    board.shutdown(code, "guest-shutdown");
                    return;
                }
                case FINISHER_RESET -> {
                    board.reset();
                    return;
                }
                default -> {
                }
            }
        }
        LOG.log(Level.DEBUG, () -> String.format("sifive_test: ignored write of 0x%x (%d bytes) at +0x%x", value, size, offset));
    }
}
