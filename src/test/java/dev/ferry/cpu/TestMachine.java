package dev.ferry.cpu;

import dev.ferry.asm.Assembler;
import dev.ferry.asm.Label;
import dev.ferry.asm.Reg;
import dev.ferry.memory.AddressSpace;
import dev.ferry.memory.MmioHandler;
import dev.ferry.memory.RamBlock;
import dev.ferry.time.GuestClock;

/**
 * A minimal machine for hart tests: RAM at 0x80000000, a manual clock, and an "exit" register
 * at {@link #EXIT} (a store there stops the run and records the value).
 */
public final class TestMachine implements AutoCloseable {
    public static final long RAM_BASE = 0x8000_0000L;
    public static final long EXIT = 0x0010_0000L;
    /** A device register: 8 bytes of plain storage ({@link #scratch}), for accesses that are not to RAM. */
    public static final long SCRATCH = 0x0020_0000L;
    public volatile long scratch;
    /** A physical address where nothing is mapped. */
    public static final long UNMAPPED = 0x4000_0000L;

    public final AddressSpace bus = new AddressSpace();
    public final RamBlock ram;
    public final GuestClock clock = new GuestClock();
    public final Hart hart;
    public volatile Long exitValue;
    /** Offset in the exit page of the store that ended the run (see {@link #EXIT_M_TRAP}). */
    public volatile long exitOffset;
    /** Exit offsets used by the trap handlers of {@link #causeExitHandler}. */
    public static final int EXIT_M_TRAP = 8, EXIT_S_TRAP = 16;

    public TestMachine() {
        this(16 << 20);
    }

    public TestMachine(long ramSize) {
        ram = bus.addRam("ram", RAM_BASE, ramSize, false);
        bus.addMmio("exit", EXIT, 0x1000, new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                exitOffset = offset;
                exitValue = value;
                hart.kick();
                hart.sliceLeft = 0; // stop at once rather than spinning to the end of the slice
            }
        });
        bus.addMmio("scratch", SCRATCH, 0x1000, new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return (scratch >>> (8 * (offset & 7))) & (size == 8 ? -1L : (1L << (8 * size)) - 1);
            }

            @Override
            public void write(long offset, int size, long value) {
                long mask = (size == 8 ? -1L : (1L << (8 * size)) - 1) << (8 * (offset & 7));
                scratch = (scratch & ~mask) | ((value << (8 * (offset & 7))) & mask);
            }
        });
        hart = new Hart(0, bus, clock, ram);
        hart.reset(RAM_BASE);
    }

    /** Resets the hart (M-mode, every CSR at its reset value) so the machine can run another program. */
    public TestMachine reset() {
        exitValue = null;
        exitOffset = 0;
        hart.reset(RAM_BASE);
        clock.stop();
        clock.set(0);
        for (int line : new int[] {InterruptLines.MSIP, InterruptLines.MEIP, InterruptLines.SEIP}) {
            hart.setInterruptLine(line, false);
        }
        return this;
    }

    /** Assembles at RAM_BASE, loads, and resets the hart to run it in M-mode. */
    public TestMachine load(Assembler a) {
        byte[] code = a.assemble();
        ram.load(a.origin() - RAM_BASE, code);
        hart.setPc(a.origin());
        return this;
    }

    /** One NAPOT PMP entry covering all of memory with RWX, so that S and U may access anything. */
    public TestMachine openPmp() {
        hart.writeCsr(Csrs.PMPADDR0, -1L);
        hart.writeCsr(Csrs.PMPCFG0, 0x1f);
        return this;
    }

    /** Starts the loaded program in privilege {@code p} instead of M. */
    public TestMachine startIn(int p) {
        hart.enterPrivilege(p);
        return this;
    }

    public void write64(long pa, long v) {
        bus.write(pa, 8, v);
    }

    public long read64(long pa) {
        return bus.read(pa, 8);
    }

    public void write32(long pa, long v) {
        bus.write(pa, 4, v);
    }

    public long read32(long pa) {
        return bus.read(pa, 4);
    }

    public long read8(long pa) {
        return bus.read(pa, 1);
    }

    /** Runs until the program stores to EXIT; fails after {@code maxInstructions}. */
    public long run(long maxInstructions) {
        long left = maxInstructions;
        while (exitValue == null) {
            if (left <= 0) throw new AssertionError("program did not exit; pc=0x" + Long.toHexString(hart.pc)
                    + " priv=" + hart.priv + " mcause=" + hart.mcause + " scause=" + hart.scause);
            long before = hart.instret;
            Hart.Exit e = hart.run(Math.min(left, 100_000));
            left -= Math.max(1, hart.instret - before);
            if (e == Hart.Exit.WAITING) hart.waitForInterrupt(1_000_000);
        }
        return exitValue;
    }

    public long run() {
        return run(1_000_000);
    }

    /** Emits the store that ends the run: exit value taken from {@code reg}. */
    public static void exit(Assembler a, int reg) {
        exit(a, reg, 0);
    }

    private static void exit(Assembler a, int reg, int offset) {
        a.li(Reg.T6, EXIT);
        a.sd(reg, offset, Reg.T6);
        Label self = a.newLabel();
        a.bind(self);
        a.j(self);
    }

    /**
     * Emits, at the current position, a trap handler that ends the run with xcause as the exit
     * value (M-mode: mcause; S-mode: scause), stored at offset {@link #EXIT_M_TRAP} or
     * {@link #EXIT_S_TRAP} of the exit page. Returns its label; point xtvec at it.
     */
    public static Label causeExitHandler(Assembler a, boolean machine) {
        a.align(4);
        Label l = a.label();
        a.csrr(Reg.T5, machine ? Csrs.MCAUSE : Csrs.SCAUSE);
        exit(a, Reg.T5, machine ? EXIT_M_TRAP : EXIT_S_TRAP);
        return l;
    }

    /** True when the run ended in the M-mode handler of {@link #causeExitHandler}. */
    public boolean trappedToM() {
        return exitValue != null && exitOffset == EXIT_M_TRAP;
    }

    /** True when the run ended in the S-mode handler of {@link #causeExitHandler}. */
    public boolean trappedToS() {
        return exitValue != null && exitOffset == EXIT_S_TRAP;
    }

    @Override
    public void close() {
        bus.close();
    }
}
