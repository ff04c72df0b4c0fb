package dev.ferry.hw;

import dev.ferry.cpu.InterruptLines;
import dev.ferry.memory.MmioHandler;
import dev.ferry.migration.vmstate.VMStateDescription;
import dev.ferry.migration.vmstate.VMStateException;
import dev.ferry.migration.vmstate.VMStateReader;
import dev.ferry.migration.vmstate.VMStateWriter;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * The SiFive platform-level interrupt controller as QEMU 7.2's virt board configures it:
 * {@value #NUM_SOURCES} source slots (source 0 means "none"), {@value #PRIORITY_BITS} priority bits,
 * and two contexts per hart: context 2h is hart h's M-mode (drives MEIP), 2h+1 its S-mode (drives
 * SEIP).
 *
 * <p>Register map: source n's priority at {@code 4n}; pending bits at {@code 0x1000}; context c's
 * enable bits at {@code 0x2000 + 0x80c}; its threshold at {@code 0x200000 + 0x1000c} and its
 * claim/complete register 4 bytes further. Only aligned 4-byte accesses are decoded.
 *
 * <p>Sources are level-triggered ({@link #setIrq}, or an {@link IrqLine} from {@link #irq}): a
 * high line makes the source pending unless it is claimed; a low line withdraws a pending request
 * (as QEMU's PLIC does); completing a source whose line is still high pends it again.
 */
public final class Plic implements MmioHandler {
    public static final long BASE = 0xc00_0000L;
    /** QEMU 7.2's virt maps the PLIC window for its maximum hart count (512 harts × 2 contexts). */
    public static final long SIZE = 0x60_0000L;
    public static final int NUM_SOURCES = 96;
    public static final int PRIORITY_BITS = 3;
    public static final int MAX_PRIORITY = (1 << PRIORITY_BITS) - 1;

    public static final int PRIORITY_BASE = 0x0;
    public static final int PENDING_BASE = 0x1000;
    public static final int ENABLE_BASE = 0x2000;
    public static final int ENABLE_STRIDE = 0x80;
    public static final int CONTEXT_BASE = 0x20_0000;
    public static final int CONTEXT_STRIDE = 0x1000;

    static final int WORDS = (NUM_SOURCES + 31) / 32;

    private static final System.Logger LOG = System.getLogger(Plic.class.getName());

    /**
     * The PLIC's state, named after QEMU's {@code riscv_sifive_plic}: source priorities, context
     * thresholds, pending and claimed bits, enables, plus the input line levels (which QEMU does
     * not keep, and which completion needs). Loading re-validates the values and drives every
     * context's MEIP/SEIP line.
     */
    public static final VMStateDescription<Plic> VMSTATE = VMStateDescription.<Plic>builder("riscv_sifive_plic")
            .version(1).minimumVersion(1)
            .uint32Equal("num_sources", p -> NUM_SOURCES)
            .uint32Equal("num_contexts", p -> p.contexts)
            .uint32Array("source_priority", p -> p.priority)
            .uint32Array("target_priority", p -> p.threshold)
            .uint32Array("pending", p -> p.pending)
            .uint32Array("claimed", p -> p.claimed)
            .uint32Array("enable", p -> p.enable)
            .uint32Array("level", p -> p.level)
            .postLoad((p, v) -> p.afterLoad())
            .build();

    private final InterruptLines[] harts;
    private final int contexts;

    // state (guarded by this)
    private final int[] priority = new int[NUM_SOURCES];
    private final int[] pending = new int[WORDS];
    private final int[] claimed = new int[WORDS];
    /** Current input line levels (what the devices drive). */
    private final int[] level = new int[WORDS];
    private final int[] enable; // contexts × WORDS
    private final int[] threshold;
    /** The external-interrupt line level last driven per context. */
    private final boolean[] output;

    public Plic(List<? extends InterruptLines> harts) {
        if (harts.isEmpty() || 2L * harts.size() * CONTEXT_STRIDE + CONTEXT_BASE > SIZE)
            throw new IllegalArgumentException("PLIC supports 1..512 harts, got " + harts.size());
        this.harts = harts.toArray(InterruptLines[]::new);
        this.contexts = 2 * this.harts.length;
        this.enable = new int[contexts * WORDS];
        this.threshold = new int[contexts];
        this.output = new boolean[contexts];
    }

    public int contextCount() {
        return contexts;
    }

    /** The wire for one source, to hand to a device. */
    public IrqLine irq(int source) {
        if (source <= 0 || source >= NUM_SOURCES) throw new IllegalArgumentException("no PLIC source " + source);
        return level -> setIrq(source, level);
    }

    /** Drives a source's input line. */
    public synchronized void setIrq(int source, boolean high) {
        if (source <= 0 || source >= NUM_SOURCES) return;
        int w = source >>> 5, bit = 1 << (source & 31);
        if (high) {
            level[w] |= bit;
            if ((claimed[w] & bit) == 0) pending[w] |= bit;
        } else {
            level[w] &= ~bit;
            pending[w] &= ~bit;
        }
        update();
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (size != 4 || (offset & 3) != 0) return bad("read", offset, size);
        if (offset < PENDING_BASE) {
            int src = (int) (offset >>> 2);
            return src < NUM_SOURCES ? priority[src] : 0;
        }
        if (offset < ENABLE_BASE) {
            int w = (int) ((offset - PENDING_BASE) >>> 2);
            return w < WORDS ? pending[w] & 0xffff_ffffL : 0;
        }
        if (offset < CONTEXT_BASE) {
            int ctx = (int) ((offset - ENABLE_BASE) / ENABLE_STRIDE);
            int w = (int) ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
            return ctx < contexts && w < WORDS ? enable[ctx * WORDS + w] & 0xffff_ffffL : 0;
        }
        int ctx = (int) ((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
        int reg = (int) ((offset - CONTEXT_BASE) % CONTEXT_STRIDE);
        if (ctx >= contexts) return bad("read", offset, size);
        if (reg == 0) return threshold[ctx];
        if (reg == 4) return claim(ctx);
        return bad("read", offset, size);
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (size != 4 || (offset & 3) != 0) {
            bad("write", offset, size);
            return;
        }
        int v = (int) value;
        if (offset < PENDING_BASE) {
            int src = (int) (offset >>> 2);
            if (src > 0 && src < NUM_SOURCES) {
                priority[src] = v & MAX_PRIORITY;
                update();
            }
            return;
        }
        if (offset < ENABLE_BASE) {
            bad("write (pending bits are read-only)", offset, size);
            return;
        }
        if (offset < CONTEXT_BASE) {
            int ctx = (int) ((offset - ENABLE_BASE) / ENABLE_STRIDE);
            int w = (int) ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
            if (ctx < contexts && w < WORDS) {
                enable[ctx * WORDS + w] = v & validMask(w); // bit 0 (source 0) reads back as QEMU's does, to no effect
                update();
            }
            return;
        }
        int ctx = (int) ((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
        int reg = (int) ((offset - CONTEXT_BASE) % CONTEXT_STRIDE);
        if (ctx >= contexts) {
            bad("write", offset, size);
        } else if (reg == 0) {
            threshold[ctx] = v & MAX_PRIORITY; // QEMU 7.2 keeps the low priority bits
            update();
        } else if (reg == 4) {
            complete(v);
        } else {
            bad("write", offset, size);
        }
    }

    /** Bits of enable and pending words that exist (source 0's bit included; nothing ever pends it). */
    private static int validMask(int w) {
        int lo = w * 32;
        int mask = -1;
        int n = NUM_SOURCES - lo;
        if (n < 32) mask &= (1 << n) - 1;
        return mask;
    }

    private long bad(String what, long offset, int size) {
        LOG.log(Level.DEBUG, () -> String.format("PLIC: invalid %s of %d bytes at +0x%x", what, size, offset));
        return 0;
    }

    /** The best source context ctx could claim now, or 0. */
    private int best(int ctx) {
        int best = 0, bestPrio = threshold[ctx];
        for (int w = 0; w < WORDS; w++) {
            int cand = pending[w] & ~claimed[w] & enable[ctx * WORDS + w];
            if (w == 0) cand &= ~1; // source 0 never interrupts
            while (cand != 0) {
                int bit = Integer.numberOfTrailingZeros(cand);
                cand &= cand - 1;
                int src = w * 32 + bit;
                if (priority[src] > bestPrio) {
                    best = src;
                    bestPrio = priority[src];
                }
            }
        }
        return best;
    }

    private int claim(int ctx) {
        int src = best(ctx);
        if (src != 0) {
            int w = src >>> 5, bit = 1 << (src & 31);
            pending[w] &= ~bit;
            claimed[w] |= bit;
        }
        update();
        return src;
    }

    private void complete(int src) {
        if (src <= 0 || src >= NUM_SOURCES) {
            LOG.log(Level.DEBUG, () -> "PLIC: completion of invalid source " + Integer.toUnsignedString(src));
            return;
        }
        int w = src >>> 5, bit = 1 << (src & 31);
        claimed[w] &= ~bit;
        if ((level[w] & bit) != 0) pending[w] |= bit; // the gateway forwards a still-high line again
        update();
    }

    /** Recomputes every context's output line and drives those that changed. */
    private void update() {
        for (int ctx = 0; ctx < contexts; ctx++) {
            boolean lvl = best(ctx) != 0;
            if (lvl != output[ctx]) {
                output[ctx] = lvl;
                harts[ctx >>> 1].setInterruptLine((ctx & 1) == 0 ? InterruptLines.MEIP : InterruptLines.SEIP, lvl);
            }
        }
    }

    /** Writes this PLIC's section body (see {@link #VMSTATE}). */
    public synchronized void saveState(VMStateWriter out) throws VMStateException {
        VMSTATE.save(this, out);
    }

    /** Loads a section body saved at {@code versionId}; on failure nothing changes. */
    public synchronized void loadState(VMStateReader in, int versionId) throws VMStateException {
        VMSTATE.load(this, in, versionId);
    }

    private void afterLoad() throws VMStateException {
        for (int src = 0; src < NUM_SOURCES; src++)
            if (Integer.compareUnsigned(priority[src], MAX_PRIORITY) > 0 || (src == 0 && priority[0] != 0))
                throw new VMStateException("source " + src + " priority " + Integer.toUnsignedString(priority[src]) + " out of range");
        for (int ctx = 0; ctx < contexts; ctx++)
            if (Integer.compareUnsigned(threshold[ctx], MAX_PRIORITY) > 0)
                throw new VMStateException("context " + ctx + " threshold " + Integer.toUnsignedString(threshold[ctx]) + " out of range");
        for (int w = 0; w < WORDS; w++) {
            int m = validMask(w);
            pending[w] &= m;
            claimed[w] &= m;
            level[w] &= m;
            for (int ctx = 0; ctx < contexts; ctx++) enable[ctx * WORDS + w] &= m;
        }
        resync();
    }

    /** Drives every context's line to its current level (after a restore, or when harts were re-created). */
    public synchronized void resync() {
        for (int ctx = 0; ctx < contexts; ctx++) {
            output[ctx] = best(ctx) != 0;
            harts[ctx >>> 1].setInterruptLine((ctx & 1) == 0 ? InterruptLines.MEIP : InterruptLines.SEIP, output[ctx]);
        }
    }

    /**
     * Machine reset: priorities, enables, thresholds and claims cleared. Input levels are the
     * devices' business (they reset too and lower their lines); pending follows the lines.
     */
    public synchronized void reset() {
        java.util.Arrays.fill(priority, 0);
        java.util.Arrays.fill(claimed, 0);
        java.util.Arrays.fill(enable, 0);
        java.util.Arrays.fill(threshold, 0);
        for (int w = 0; w < WORDS; w++) pending[w] = level[w];
        resync();
    }

    // inspection for the monitor and tests
    public synchronized int priority(int source) {
        return priority[source];
    }

    public synchronized boolean isPending(int source) {
        return (pending[source >>> 5] & (1 << (source & 31))) != 0;
    }

    public synchronized boolean isClaimed(int source) {
        return (claimed[source >>> 5] & (1 << (source & 31))) != 0;
    }
}
