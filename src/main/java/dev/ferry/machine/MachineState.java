package dev.ferry.machine;

import dev.ferry.cpu.Hart;
import dev.ferry.cpu.HartState;
import dev.ferry.hw.Clint;
import dev.ferry.hw.GoldfishRtc;
import dev.ferry.hw.Plic;
import dev.ferry.hw.SifiveTest;
import dev.ferry.hw.Uart16550;
import dev.ferry.memory.RamBlock;
import dev.ferry.migration.DeviceSection;
import dev.ferry.migration.RamSection;
import dev.ferry.migration.SaveStateRegistry;
import dev.ferry.migration.vmstate.VMStateDescription;
import dev.ferry.migration.vmstate.VMStateException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Everything of a {@link VirtMachine} that a snapshot or a migration carries, registered as
 * QEMU registers it: RAM (live), the run state the source was in ("globalstate"), the clock,
 * each hart ("cpu", instance = hart id), and each device.
 */
public final class MachineState {
    private MachineState() {}

    /** QEMU's globalstate section: the source's run state, so the destination knows whether to start. */
    static final class GlobalState {
        final byte[] runstate = new byte[100];
        int size;
        RunState received;

        void set(RunState s) {
            byte[] n = s.qemuName().getBytes(StandardCharsets.US_ASCII);
            java.util.Arrays.fill(runstate, (byte) 0);
            System.arraycopy(n, 0, runstate, 0, n.length);
            size = n.length + 1;
        }
    }

    static final VMStateDescription<GlobalState> GLOBALSTATE = VMStateDescription.<GlobalState>builder("globalstate")
            .version(1).minimumVersion(1)
            .uint32("size", g -> g.size, (g, v) -> g.size = v)
            .buffer("runstate", g -> g.runstate)
            .postLoad((g, v) -> {
                if (g.size < 1 || g.size > 100) throw new VMStateException("globalstate: bad run state length " + g.size);
                String name = new String(g.runstate, 0, g.size - 1, StandardCharsets.US_ASCII);
                for (RunState s : RunState.values()) if (s.qemuName().equals(name)) g.received = s;
                if (g.received == null) throw new VMStateException("globalstate: unknown run state '" + name + "'");
            })
            .build();

    /** QEMU's "timer" section carries its clocks; Ferry's is the 10 MHz machine counter. */
    static final VMStateDescription<VirtMachine> CLOCK = VMStateDescription.<VirtMachine>builder("timer")
            .version(1).minimumVersion(1)
            .uint64("mtime", m -> m.clock.now(), (m, v) -> m.clock.set(v))
            .build();

    static final VMStateDescription<VirtMachine> SBI = VMStateDescription.<VirtMachine>builder("ferry_sbi")
            .version(1).minimumVersion(1)
            .int32Array("hsm_state", m -> m.sbiHsmStates())
            .postLoad((m, v) -> m.applySbiHsmStates())
            .build();

    /** The registry for a machine; the RAM handler syncs the dirty log through {@code machine}. */
    static SaveStateRegistry build(VirtMachine m, GlobalState global) {
        SaveStateRegistry r = new SaveStateRegistry();
        List<RamBlock> blocks = m.bus.ramBlocks();
        r.registerLive("ram", 0, new RamSection(blocks, m::syncDirtyLog));
        r.register("globalstate", 0, DeviceSection.of(GLOBALSTATE, global));
        r.register("timer", 0, DeviceSection.of(CLOCK, m));
        for (Hart h : m.harts) r.register("cpu", h.hartId(), DeviceSection.of(HartState.VMSTATE, h));
        Clint c = m.clint;
        r.register("riscv.aclint", 0, DeviceSection.locked(Clint.VMSTATE, c, c::saveState, c::loadState));
        Plic p = m.plic;
        r.register("riscv.sifive.plic", 0, DeviceSection.locked(Plic.VMSTATE, p, p::saveState, p::loadState));
        Uart16550 u = m.uart;
        r.register("serial", 0, DeviceSection.locked(Uart16550.VMSTATE, u, u::saveState, u::loadState));
        GoldfishRtc rtc = m.rtc;
        r.register("goldfish_rtc", 0, DeviceSection.locked(GoldfishRtc.VMSTATE, rtc, rtc::saveState, rtc::loadState));
        r.register("sifive_test", 0, DeviceSection.of(SifiveTest.VMSTATE, m.test));
        if (m.hasBuiltinSbi()) r.register("ferry_sbi", 0, DeviceSection.of(SBI, m));
        for (var slot : m.virtioSlots)
            r.register("virtio-mmio@" + Long.toHexString(slot.address()), 0,
                    DeviceSection.of(slot.transport().vmstate(), slot.transport()));
        return r;
    }
}
