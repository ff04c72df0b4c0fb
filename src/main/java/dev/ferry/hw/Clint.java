package dev.ferry.hw;

import dev.ferry.cpu.InterruptLines;
import dev.ferry.memory.MmioHandler;
import dev.ferry.migration.vmstate.VMStateDescription;
import dev.ferry.migration.vmstate.VMStateException;
import dev.ferry.migration.vmstate.VMStateReader;
import dev.ferry.migration.vmstate.VMStateWriter;
import dev.ferry.time.GuestClock;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * The core-local interruptor of QEMU's virt board (SiFive CLINT layout, i.e. an ACLINT MSWI
 * followed by an MTIMER in one window): per-hart {@code msip} words at +0, per-hart 64-bit
 * {@code mtimecmp} at +0x4000 and the shared {@code mtime} at +0xbff8.
 *
 * <p>{@code mtimecmp} lives in each hart's {@link InterruptLines} because the hart compares it with
 * the clock itself; {@code mtime} is the {@link GuestClock}. Only naturally aligned 4- and 8-byte
 * accesses are decoded (8-byte ones only on the 64-bit registers); anything else reads as zero and
 * is ignored on write.
 */
public final class Clint implements MmioHandler {
    public static final long BASE = 0x200_0000L;
    public static final long SIZE = 0x1_0000L;
    public static final int MSIP_BASE = 0x0;
    public static final int MTIMECMP_BASE = 0x4000;
    public static final int MTIME = 0xbff8;
    /** The window holds at most this many harts' registers (QEMU's ACLINT limit for this layout). */
    public static final int MAX_HARTS = 4095;

    private static final System.Logger LOG = System.getLogger(Clint.class.getName());

    /**
     * The CLINT's state: each hart's msip bit and mtimecmp. mtime is the machine clock's (saved
     * with it). Loading drives the MSIP lines and sets each hart's comparator.
     */
    public static final VMStateDescription<Clint> VMSTATE = VMStateDescription.<Clint>builder("riscv_clint")
            .version(1).minimumVersion(1)
            .uint32Equal("num_harts", c -> c.harts.length)
            .boolArray("msip", c -> c.msip)
            .uint64Array("timecmp", c -> c.timecmp)
            .preSave(c -> {
                for (int h = 0; h < c.harts.length; h++) c.timecmp[h] = c.harts[h].mtimecmp();
            })
            .postLoad((c, v) -> {
                for (int h = 0; h < c.harts.length; h++) {
                    c.harts[h].setMtimecmp(c.timecmp[h]);
                    c.harts[h].setInterruptLine(InterruptLines.MSIP, c.msip[h]);
                }
            })
            .build();

    private final InterruptLines[] harts;
    private final GuestClock clock;
    private final boolean[] msip;
    /** mtimecmp values in transit (filled before saving, applied after loading); the harts hold the live ones. */
    private final long[] timecmp;

    public Clint(List<? extends InterruptLines> harts, GuestClock clock) {
        if (harts.isEmpty() || harts.size() > MAX_HARTS)
            throw new IllegalArgumentException("CLINT needs 1.." + MAX_HARTS + " harts, got " + harts.size());
        this.harts = harts.toArray(InterruptLines[]::new);
        this.clock = clock;
        this.msip = new boolean[this.harts.length];
        this.timecmp = new long[this.harts.length];
    }

    /** Writes this CLINT's section body (see {@link #VMSTATE}). */
    public synchronized void saveState(VMStateWriter out) throws VMStateException {
        VMSTATE.save(this, out);
    }

    /** Loads a section body saved at {@code versionId}; on failure nothing changes. */
    public synchronized void loadState(VMStateReader in, int versionId) throws VMStateException {
        VMSTATE.load(this, in, versionId);
    }

    public int hartCount() {
        return harts.length;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset < MTIMECMP_BASE) {
            int h = (int) (offset >>> 2);
            if (size == 4 && (offset & 3) == 0 && h < harts.length) return msip[h] ? 1 : 0;
        } else if (offset < MTIMECMP_BASE + 8L * harts.length) {
            int h = (int) ((offset - MTIMECMP_BASE) >>> 3);
            Long v = read64(harts[h].mtimecmp(), offset & 7, size);
            if (v != null) return v;
        } else if (offset >= MTIME && offset < MTIME + 8) {
            Long v = read64(clock.now(), offset - MTIME, size);
            if (v != null) return v;
        }
        LOG.log(Level.DEBUG, () -> String.format("CLINT: unimplemented read of %d bytes at +0x%x", size, offset));
        return 0;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (offset < MTIMECMP_BASE) {
            int h = (int) (offset >>> 2);
            if (size == 4 && (offset & 3) == 0 && h < harts.length) {
                setMsip(h, (value & 1) != 0);
                return;
            }
        } else if (offset < MTIMECMP_BASE + 8L * harts.length) {
            int h = (int) ((offset - MTIMECMP_BASE) >>> 3);
            InterruptLines hart = harts[h];
            Long v = merge64(hart.mtimecmp(), offset & 7, size, value);
            if (v != null) {
                hart.setMtimecmp(v);
                return;
            }
        } else if (offset >= MTIME && offset < MTIME + 8) {
            Long v = merge64(clock.now(), offset - MTIME, size, value);
            if (v != null) {
                clock.set(v);
                return;
            }
        }
        LOG.log(Level.DEBUG, () -> String.format("CLINT: unimplemented write of %d bytes at +0x%x", size, offset));
    }

    /** Reads a 64-bit register whole (size 8 at 0) or by 32-bit halves (size 4 at 0 or 4). */
    private static Long read64(long reg, long within, int size) {
        if (size == 8 && within == 0) return reg;
        if (size == 4 && within == 0) return reg & 0xffff_ffffL;
        if (size == 4 && within == 4) return reg >>> 32;
        return null;
    }

    private static Long merge64(long reg, long within, int size, long value) {
        if (size == 8 && within == 0) return value;
        if (size == 4 && within == 0) return (reg & 0xffff_ffff_0000_0000L) | (value & 0xffff_ffffL);
        if (size == 4 && within == 4) return (reg & 0xffff_ffffL) | (value << 32);
        return null;
    }

    private void setMsip(int hart, boolean level) {
        msip[hart] = level;
        harts[hart].setInterruptLine(InterruptLines.MSIP, level);
    }

    /** Machine reset: software interrupts cleared and mtime back to zero (ACLINT); mtimecmp is left alone. */
    public synchronized void reset() {
        for (int h = 0; h < harts.length; h++) setMsip(h, false);
        clock.set(0);
    }

    /** The msip bit of a hart (for the monitor and tests). */
    public synchronized boolean msip(int hart) {
        return msip[hart];
    }
}
