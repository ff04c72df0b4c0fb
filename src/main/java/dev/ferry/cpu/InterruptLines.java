package dev.ferry.cpu;

/**
 * What the board's interrupt sources see of a hart: level-sensitive lines into mip
 * (MSIP from the CLINT, MEIP/SEIP from the PLIC) and the CLINT's mtimecmp comparator, which the
 * hart checks against the machine clock itself (so that a sleeping hart wakes on time).
 * All methods are safe to call from any thread.
 */
public interface InterruptLines {
    int MSIP = 3, MTIP = 7, MEIP = 11, SSIP = 1, STIP = 5, SEIP = 9;

    int hartId();

    /** Drives one of the externally wired mip bits (MSIP, MEIP, SEIP) to a level. */
    void setInterruptLine(int mipBit, boolean level);

    long mtimecmp();

    void setMtimecmp(long value);
}
