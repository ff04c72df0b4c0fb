package dev.ferry.cpu;

import dev.ferry.asm.Assembler;
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

    public final AddressSpace bus = new AddressSpace();
    public final RamBlock ram;
    public final GuestClock clock = new GuestClock();
    public final Hart hart;
    public volatile Long exitValue;

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
                exitValue = value;
                hart.kick();
            }
        });
        hart = new Hart(0, bus, clock, ram);
        hart.reset(RAM_BASE);
    }

    /** Assembles at RAM_BASE, loads, and resets the hart to run it in M-mode. */
    public TestMachine load(Assembler a) {
        byte[] code = a.assemble();
        ram.load(a.origin() - RAM_BASE, code);
        hart.setPc(a.origin());
        return this;
    }

    public void write64(long pa, long v) {
        bus.write(pa, 8, v);
    }

    public long read64(long pa) {
        return bus.read(pa, 8);
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
        a.li(dev.ferry.asm.Reg.T6, EXIT);
        a.sd(reg, 0, dev.ferry.asm.Reg.T6);
        dev.ferry.asm.Label self = a.newLabel();
        a.bind(self);
        a.j(self);
    }

    @Override
    public void close() {
        bus.close();
    }
}
