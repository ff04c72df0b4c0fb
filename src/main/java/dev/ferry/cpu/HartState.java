package dev.ferry.cpu;

import dev.ferry.migration.vmstate.VMStateDescription;
import dev.ferry.migration.vmstate.VMStateException;

/**
 * The hart's architectural state, declared once: this description saves and restores it for
 * snapshots and migration and describes it in the stream's JSON. Derived state (TLB, decoded
 * PMP ranges, timer-pending bits) is rebuilt after loading; lines driven by devices (MSIP,
 * MEIP, SEIP) and the CLINT's mtimecmp belong to those devices' descriptions.
 */
public final class HartState {
    private HartState() {}

    /** PMP configuration: only sent when some entry is in use. */
    static final VMStateDescription<Hart> PMP = VMStateDescription.<Hart>builder("cpu/pmp")
            .version(1).minimumVersion(1)
            .uint8Array("pmpcfg", h -> h.pmp.cfg)
            .uint64Array("pmpaddr", h -> h.pmp.addr)
            .build();

    /** An LR reservation outstanding at the moment of saving. */
    static final VMStateDescription<Hart> RESERVATION = VMStateDescription.<Hart>builder("cpu/reservation")
            .version(1).minimumVersion(1)
            .uint64("load_res", h -> h.resAddr, (h, v) -> h.resAddr = v)
            .uint64("load_val", h -> h.resValue, (h, v) -> h.resValue = v)
            .build();

    public static final VMStateDescription<Hart> VMSTATE = VMStateDescription.<Hart>builder("cpu")
            .version(1).minimumVersion(1)
            .uint32Equal("mhartid", h -> h.hartId)
            .uint64Array("gpr", h -> h.x)
            .uint64("pc", h -> h.pc, (h, v) -> h.pc = v)
            .uint64Array("fpr", h -> h.f)
            .uint8("fflags", h -> h.fpFlags.flags, (h, v) -> h.fpFlags.flags = v)
            .uint8("frm", h -> h.frm, (h, v) -> h.frm = v)
            .uint8("priv", h -> h.priv, (h, v) -> h.priv = v)
            .bool("wfi", h -> h.wfi, (h, v) -> h.wfi = v)
            .bool("stopped", h -> h.stopped, (h, v) -> h.stopped = v)
            .uint64("mstatus", h -> h.mstatus, (h, v) -> h.mstatus = v)
            .uint64("medeleg", h -> h.medeleg, (h, v) -> h.medeleg = v)
            .uint64("mideleg", h -> h.mideleg, (h, v) -> h.mideleg = v)
            .uint64("mie", h -> h.mie, (h, v) -> h.mie = v)
            .uint64("mip", h -> h.mipSw, (h, v) -> h.mipSw = v)
            .uint64("mtvec", h -> h.mtvec, (h, v) -> h.mtvec = v)
            .uint64("mscratch", h -> h.mscratch, (h, v) -> h.mscratch = v)
            .uint64("mepc", h -> h.mepc, (h, v) -> h.mepc = v)
            .uint64("mcause", h -> h.mcause, (h, v) -> h.mcause = v)
            .uint64("mtval", h -> h.mtval, (h, v) -> h.mtval = v)
            .uint64("stvec", h -> h.stvec, (h, v) -> h.stvec = v)
            .uint64("sscratch", h -> h.sscratch, (h, v) -> h.sscratch = v)
            .uint64("sepc", h -> h.sepc, (h, v) -> h.sepc = v)
            .uint64("scause", h -> h.scause, (h, v) -> h.scause = v)
            .uint64("stval", h -> h.stval, (h, v) -> h.stval = v)
            .uint64("satp", h -> h.satp, (h, v) -> h.satp = v)
            .uint64("mcounteren", h -> h.mcounteren, (h, v) -> h.mcounteren = v)
            .uint64("scounteren", h -> h.scounteren, (h, v) -> h.scounteren = v)
            .uint64("mcountinhibit", h -> h.mcountinhibit, (h, v) -> h.mcountinhibit = v)
            .uint64("menvcfg", h -> h.menvcfg, (h, v) -> h.menvcfg = v)
            .uint64("senvcfg", h -> h.senvcfg, (h, v) -> h.senvcfg = v)
            .uint64("stimecmp", h -> h.stimecmp, (h, v) -> h.stimecmp = v)
            .uint64("instret", h -> h.instret, (h, v) -> h.instret = v)
            .uint64("cycle_offset", h -> h.cycleOffset, (h, v) -> h.cycleOffset = v)
            .uint64("instret_offset", h -> h.instretOffset, (h, v) -> h.instretOffset = v)
            .subsection(PMP, h -> h.pmp.inUse())
            .subsection(RESERVATION, h -> h.resAddr != -1)
            .preLoad(h -> {
                h.resAddr = -1; // absent subsection means no reservation
                h.pmp.reset();
            })
            .postLoad(HartState::postLoad)
            .build();

    private static void postLoad(Hart h, int version) throws VMStateException {
        if (h.priv != Hart.PRV_U && h.priv != Hart.PRV_S && h.priv != Hart.PRV_M)
            throw new VMStateException("cpu/priv: invalid privilege level " + h.priv);
        int mode = (int) (h.satp >>> 60);
        if (mode != 0 && mode != 8 && mode != 9 && mode != 10)
            throw new VMStateException("cpu/satp: unsupported translation mode " + mode);
        if (h.frm > 7 || h.fpFlags.flags > 0x1f) throw new VMStateException("cpu/fcsr: invalid value");
        if (((h.mstatus & Hart.MSTATUS_MPP) >>> Hart.MPP_SHIFT) == 2)
            throw new VMStateException("cpu/mstatus: reserved MPP value");
        h.pmp.decode();
        h.mmu.flushAll();
        h.updateTimers();
        h.sliceLeft = 0;
    }
}
