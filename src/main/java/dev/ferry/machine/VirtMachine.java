package dev.ferry.machine;

import dev.ferry.boot.BootLayout;
import dev.ferry.boot.BootRom;
import dev.ferry.boot.ImageLoader;
import dev.ferry.boot.ImageLoader.BootException;
import dev.ferry.boot.LoadedImage;
import dev.ferry.chardev.CharBackend;
import dev.ferry.cpu.Hart;
import dev.ferry.firmware.BuiltinSbi;
import dev.ferry.hw.BoardControl;
import dev.ferry.hw.Clint;
import dev.ferry.hw.GoldfishRtc;
import dev.ferry.hw.Plic;
import dev.ferry.hw.SifiveTest;
import dev.ferry.hw.Uart16550;
import dev.ferry.hw.fdt.VirtDeviceTree;
import dev.ferry.memory.AddressSpace;
import dev.ferry.memory.RamBlock;
import dev.ferry.time.GuestClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * QEMU's riscv64 {@code virt} board: memory map, devices, boot images, vCPU threads and run
 * states. The machine is built (prelaunch), started, paused and resumed synchronously (so
 * that state can be saved or moved while no vCPU runs), reset, and shut down.
 */
public final class VirtMachine implements AutoCloseable {
    public static final long MROM_BASE = 0x1000, MROM_SIZE = 0xf000;
    public static final long RAM_BASE = 0x8000_0000L;

    public enum BiosKind { DEFAULT, NONE, FILE }

    /** What the machine is made of and boots. */
    public record Options(long ramSize, int harts, BiosKind bios, Path biosFile, Path kernel, Path initrd,
                          String append, Path dtb, CharBackend serial, boolean noReboot, boolean noShutdown,
                          List<dev.ferry.hw.virtio.VirtioDevice> virtioDevices, boolean virtioLegacy) {
        public Options {
            virtioDevices = List.copyOf(virtioDevices);
        }

        /** Without virtio devices. */
        public Options(long ramSize, int harts, BiosKind bios, Path biosFile, Path kernel, Path initrd, String append,
                       Path dtb, CharBackend serial, boolean noReboot, boolean noShutdown) {
            this(ramSize, harts, bios, biosFile, kernel, initrd, append, dtb, serial, noReboot, noShutdown, List.of(), true);
        }

        public static Options of(long ramSize, Path kernel, Path initrd, String append, CharBackend serial) {
            return new Options(ramSize, 1, BiosKind.DEFAULT, null, kernel, initrd, append, null, serial, false, false);
        }
    }

    private final Options opts;
    public final AddressSpace bus = new AddressSpace();
    public final RamBlock ram;
    public final RamBlock rom;
    public final GuestClock clock = new GuestClock();
    public final List<Hart> harts = new ArrayList<>();
    public final Clint clint;
    public final Plic plic;
    public final Uart16550 uart;
    public final GoldfishRtc rtc;
    public final SifiveTest test;
    private final BuiltinSbi sbi;
    /** The eight virtio-mmio transports, lowest address first (empty ones hold no device). */
    public final List<dev.ferry.hw.virtio.VirtioMmioSlots.Slot> virtioSlots;
    private byte[] fdtBlob;
    private long fdtAddress;
    private long kernelEntry;
    private final List<Runnable> resetHooks = new CopyOnWriteArrayList<>();
    private final List<Consumer<RunState>> stateListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> shutdownListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> resetListeners = new CopyOnWriteArrayList<>();

    // run control
    private final Object runLock = new Object();
    private boolean runEnabled;
    private boolean quit;
    private int active;
    private final List<Thread> vcpuThreads = new ArrayList<>();
    private volatile RunState state = RunState.PRELAUNCH;
    private Integer exitStatus;
    private boolean resetRequested;
    private String resetCause;
    private String shutdownReason;

    public VirtMachine(Options o) throws BootException {
        this.opts = o;
        if (o.harts() < 1 || o.harts() > 8) throw new BootException("Invalid SMP CPUs " + o.harts() + ". The max CPUs supported by machine 'virt' is 8");
        rom = bus.addRam("riscv_virt_board.mrom", MROM_BASE, MROM_SIZE, true);
        ram = bus.addRam("riscv_virt_board.ram", RAM_BASE, o.ramSize(), false);
        for (int i = 0; i < o.harts(); i++) harts.add(new Hart(i, bus, clock, ram));
        BoardControl board = new BoardControl() {
            @Override
            public void shutdown(int status, String reason) {
                requestShutdown(status, reason);
            }

            @Override
            public void reset() {
                requestReset();
            }
        };
        test = new SifiveTest(board);
        bus.addMmio("riscv.sifive.test", SifiveTest.BASE, SifiveTest.SIZE, test);
        clint = new Clint(harts, clock);
        bus.addMmio("riscv.aclint", Clint.BASE, Clint.SIZE, clint);
        plic = new Plic(harts);
        bus.addMmio("riscv.sifive.plic", Plic.BASE, Plic.SIZE, plic);
        rtc = new GoldfishRtc(plic.irq(GoldfishRtc.IRQ));
        bus.addMmio("goldfish_rtc", GoldfishRtc.BASE, GoldfishRtc.SIZE, rtc);
        uart = new Uart16550(o.serial(), plic.irq(Uart16550.IRQ));
        bus.addMmio("serial", Uart16550.BASE, Uart16550.SIZE, uart);
        virtioSlots = dev.ferry.hw.virtio.VirtioMmioSlots.place(bus, plic::irq, o.virtioDevices(), o.virtioLegacy());
        for (dev.ferry.hw.virtio.VirtioMmioSlots.Slot slot : virtioSlots)
            bus.addMmio("virtio-mmio@" + Long.toHexString(slot.address()), slot.address(),
                    dev.ferry.hw.virtio.VirtioMmioSlots.SLOT_SIZE, slot.transport());
        sbi = o.bios() == BiosKind.DEFAULT
                ? new BuiltinSbi(harts, (type, reason) -> {
                    if (type == 0) requestShutdown(0, "guest-shutdown");
                    else requestReset();
                }, b -> o.serial().write(b), () -> -1)
                : null;
        loadImages();
    }

    public Options options() {
        return opts;
    }

    public RunState state() {
        return state;
    }

    public byte[] deviceTree() {
        return fdtBlob.clone();
    }

    public long deviceTreeAddress() {
        return fdtAddress;
    }

    public void addStateListener(Consumer<RunState> l) {
        stateListeners.add(l);
    }

    /**
     * Called with the cause (QEMU's ShutdownCause name, see {@link #requestShutdown}) when the
     * main loop serves a shutdown request, before the machine stops: where QEMU sends its
     * SHUTDOWN event.
     */
    public void addShutdownListener(Consumer<String> l) {
        shutdownListeners.add(l);
    }

    /**
     * Called with the cause ({@code guest-reset}, {@code host-qmp-system-reset}, ...) after each
     * system reset: where QEMU sends its RESET event.
     */
    public void addResetListener(Consumer<String> l) {
        resetListeners.add(l);
    }

    private void setState(RunState s) {
        state = s;
        for (Consumer<RunState> l : stateListeners) l.accept(s);
    }

    /** The device tree Ferry generates for these options (what -machine dumpdtb writes). */
    public static byte[] generateDeviceTree(Options o, VirtDeviceTree.Initrd initrd) {
        VirtDeviceTree.Config c = VirtDeviceTree.Config.of(o.ramSize(), o.harts())
                .withBootargs(o.append() == null || o.append().isEmpty() ? null : o.append())
                .withInitrd(initrd);
        byte[] seed = new byte[32]; // QEMU gives the guest 32 random bytes of early entropy
        new java.security.SecureRandom().nextBytes(seed);
        c = c.withRngSeed(seed);
        return VirtDeviceTree.dtb(c);
    }

    /** Places firmware, kernel, initrd, device tree and the reset vector, as QEMU 7.2 does. */
    private void loadImages() throws BootException {
        long firmwareEnd = RAM_BASE;
        if (opts.bios() == BiosKind.FILE) {
            byte[] fw = ImageLoader.read(opts.biosFile(), "firmware");
            LoadedImage l = ImageLoader.load(bus, fw, RAM_BASE, "firmware");
            firmwareEnd = l.end();
        } else if (opts.bios() == BiosKind.DEFAULT) {
            firmwareEnd = RAM_BASE + 1; // the built-in SBI occupies no RAM; keep QEMU's 2 MiB kernel offset
        }
        long kernelAddr = BootLayout.kernelAddress(RAM_BASE, firmwareEnd);
        kernelEntry = kernelAddr;
        VirtDeviceTree.Initrd initrd = null;
        if (opts.kernel() != null) {
            byte[] k = ImageLoader.read(opts.kernel(), "kernel");
            LoadedImage l = ImageLoader.load(bus, k, kernelAddr, "kernel");
            kernelEntry = l.entry();
            if (opts.initrd() != null) {
                byte[] rd = ImageLoader.read(opts.initrd(), "initrd");
                long at = BootLayout.initrdAddress(kernelEntry, opts.ramSize());
                ImageLoader.place(bus, at, rd, 0, rd.length, "initrd");
                initrd = new VirtDeviceTree.Initrd(at, at + rd.length);
            }
        } else if (opts.initrd() != null) {
            throw new BootException("-initrd only allowed with -kernel option");
        }
        if (opts.dtb() != null) {
            fdtBlob = ImageLoader.read(opts.dtb(), "device tree");
        } else {
            fdtBlob = generateDeviceTree(opts, initrd);
        }
        fdtAddress = BootLayout.fdtAddress(RAM_BASE, opts.ramSize(), fdtBlob.length);
        ImageLoader.place(bus, fdtAddress, fdtBlob, 0, fdtBlob.length, "device tree");
        long start = opts.bios() == BiosKind.FILE ? RAM_BASE : kernelEntry;
        rom.load(0, BootRom.build(start, fdtAddress, kernelEntry));
        resetHarts();
    }

    private void resetHarts() {
        for (Hart h : harts) {
            h.reset(MROM_BASE);
            h.setStopped(false);
        }
        if (sbi != null) {
            sbi.boot(0, kernelEntry, fdtAddress);
            if (opts.kernel() == null) for (Hart h : harts) h.setStopped(true); // nothing to run
        }
    }

    // ---- run control ----

    /** Starts the vCPU threads; the guest runs once {@link #resume} is called. */
    public void start() {
        synchronized (runLock) {
            if (!vcpuThreads.isEmpty()) return;
            for (Hart h : harts) {
                Thread t = Thread.ofPlatform().name("vcpu-" + h.hartId()).daemon(true).unstarted(() -> vcpuLoop(h));
                vcpuThreads.add(t);
            }
        }
        vcpuThreads.forEach(Thread::start);
    }

    private void vcpuLoop(Hart h) {
        while (true) {
            synchronized (runLock) {
                while (!runEnabled && !quit) {
                    try {
                        runLock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (quit) return;
                active++;
            }
            try {
                if (h.isStopped()) {
                    h.parkWhileStopped(50_000_000L);
                } else {
                    Hart.Exit e = h.run(50_000_000L);
                    if (e == Hart.Exit.WAITING) h.waitForInterrupt(100_000_000L);
                }
            } catch (RuntimeException | Error e) {
                System.err.println("ferry: vcpu " + h.hartId() + " failed: " + e);
                e.printStackTrace();
                requestShutdown(1, "host-error");
                synchronized (runLock) {
                    active--;
                    runLock.notifyAll();
                }
                return;
            }
            synchronized (runLock) {
                active--;
                runLock.notifyAll();
            }
        }
    }

    /** Lets the vCPUs run and the clock advance. */
    public void resume() {
        if (startVcpus()) setState(RunState.RUNNING);
    }

    private boolean startVcpus() {
        synchronized (runLock) {
            if (quit) return false;
            clock.start();
            runEnabled = true;
            runLock.notifyAll();
        }
        return true;
    }

    /** Stops every vCPU at an instruction boundary and the clock; returns when none runs. */
    public void pause(RunState newState) {
        stopVcpus();
        setState(newState);
    }

    private void stopVcpus() {
        synchronized (runLock) {
            runEnabled = false;
        }
        for (Hart h : harts) h.kick();
        synchronized (runLock) {
            while (active > 0) {
                try {
                    runLock.wait(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                for (Hart h : harts) h.kick();
            }
            clock.stop();
        }
    }

    /** Changes the reported run state without starting or stopping anything. */
    void setStateQuietly(RunState s) {
        setState(s);
    }

    public boolean isRunning() {
        return state == RunState.RUNNING;
    }

    /**
     * A guest or user request to power off: handled by {@link #runUntilExit()}. The reason is
     * QEMU's ShutdownCause name: {@code guest-shutdown}, {@code guest-reset} (a reset under
     * -no-reboot), {@code host-qmp-quit}, {@code host-qmp-system-reset}, {@code host-error}, ...
     */
    public void requestShutdown(int status, String reason) {
        synchronized (runLock) {
            if (exitStatus == null) {
                exitStatus = status;
                shutdownReason = reason;
            }
            runLock.notifyAll();
        }
    }

    /** A reset asked by the guest (cause {@code guest-reset}). */
    public void requestReset() {
        requestReset("guest-reset");
    }

    /** A reset request, served by {@link #runUntilExit()}; the cause as QEMU names it. */
    public void requestReset(String cause) {
        synchronized (runLock) {
            resetRequested = true;
            resetCause = cause;
            runLock.notifyAll();
        }
    }

    /**
     * The machine's main loop: serves reset and shutdown requests until the machine ends;
     * returns the process exit status. With -no-shutdown a power-off pauses in state
     * {@code shutdown} and the loop goes on (the monitor may quit or reset).
     */
    public int runUntilExit() {
        while (true) {
            boolean doReset;
            String cause;
            Integer status;
            synchronized (runLock) {
                while (!resetRequested && exitStatus == null) {
                    try {
                        runLock.wait();
                    } catch (InterruptedException e) {
                        return 1;
                    }
                }
                doReset = resetRequested;
                resetRequested = false;
                cause = resetCause;
                status = exitStatus;
                if (status != null) cause = shutdownReason;
            }
            if (status != null) {
                for (Consumer<String> l : shutdownListeners) l.accept(cause);
                if (opts.noShutdown() && !"host-qmp-quit".equals(cause)) {
                    pause(RunState.SHUTDOWN);
                    synchronized (runLock) {
                        exitStatus = null;
                    }
                    continue;
                }
                pause(RunState.SHUTDOWN);
                return status;
            }
            if (doReset) {
                if (opts.noReboot()) {
                    requestShutdown(0, cause);
                    continue;
                }
                systemReset(cause);
            }
        }
    }

    /** Resets devices and harts and reloads the boot images, as QEMU's system_reset. */
    public void systemReset() {
        systemReset("host-qmp-system-reset");
    }

    /**
     * The reset itself: the vCPUs stop and start again without a run-state change (no STOP or
     * RESUME), a machine that was not running is left in {@code prelaunch} as QEMU leaves it,
     * and the reset listeners hear the cause.
     */
    public void systemReset(String cause) {
        boolean wasRunning = isRunning();
        stopVcpus();
        clint.reset();
        plic.reset();
        uart.reset();
        rtc.reset();
        dev.ferry.hw.virtio.VirtioMmioSlots.resetAll(virtioSlots);
        for (Runnable r : resetHooks) r.run();
        try {
            loadImages();
        } catch (BootException e) {
            System.err.println("ferry: reset: " + e.getMessage());
            requestShutdown(1, "host-error");
            return;
        }
        if (wasRunning) startVcpus();
        else if (state != RunState.INMIGRATE && state != RunState.FINISH_MIGRATE) setState(RunState.PRELAUNCH);
        for (Consumer<String> l : resetListeners) l.accept(cause);
    }

    // ---- state that moves ----

    private final MachineState.GlobalState globalState = new MachineState.GlobalState();
    private MigrationControl migration;

    /** Outgoing migration control (parameters, current migration) for the monitors. */
    public synchronized MigrationControl migration() {
        if (migration == null) migration = new MigrationControl(this);
        return migration;
    }
    private dev.ferry.migration.SaveStateRegistry registry;

    /** The machine's state handlers (built once). */
    public synchronized dev.ferry.migration.SaveStateRegistry stateRegistry() {
        if (registry == null) registry = MachineState.build(this, globalState);
        return registry;
    }

    /** Records the run state to send (QEMU's globalstate) before saving. */
    void recordGlobalState(RunState s) {
        globalState.set(s);
    }

    /** The run state the loaded stream's source was in, or null. */
    RunState receivedGlobalState() {
        return globalState.received;
    }

    /** The disks behind the virtio-blk devices, in slot order. */
    public List<DriveBackend> drives() {
        List<DriveBackend> out = new ArrayList<>();
        for (var slot : virtioSlots)
            if (slot.transport().device() instanceof dev.ferry.hw.virtio.VirtioBlk blk && blk.backend() instanceof DriveBackend d)
                out.add(d);
        return out;
    }

    /** With the vCPUs stopped: lets devices finish what they do to guest memory (disk requests in flight). */
    void quiesceDevices() {
        dev.ferry.hw.virtio.VirtioMmioSlots.drainAll(virtioSlots);
    }

    boolean hasBuiltinSbi() {
        return sbi != null;
    }

    int[] sbiHsmStates() {
        return sbi.hsmStates();
    }

    void applySbiHsmStates() throws dev.ferry.migration.vmstate.VMStateException {
        try {
            sbi.validateHsmStates();
        } catch (IllegalStateException e) {
            throw new dev.ferry.migration.vmstate.VMStateException("ferry_sbi: " + e.getMessage());
        }
    }

    /**
     * Takes the pages written since the last sync into {@code toSend}, then makes every running
     * hart drop its fast write paths (and waits until each has): from then on its first write
     * to any page marks it again.
     *
     * <p>The order matters. A fast write path exists only for a page marked when the path was
     * made, so the harvest finds every page such a path can still write to; those writes land
     * before the hart acknowledges, and the pages are read for sending only after that. Taken
     * the other way round (drop the paths, then harvest), a path made between the two would
     * outlive the harvest that cleared its page's bit, and its later writes would be lost.
     */
    void syncDirtyLog(List<RamBlock> blocks, long[][] toSend) {
        for (int i = 0; i < blocks.size(); i++) {
            dev.ferry.memory.DirtyLog log = blocks.get(i).dirtyLog();
            long[] bits = toSend[i];
            for (int w = 0; w < log.words(); w++) bits[w] |= log.takeWord(w);
        }
        bus.bumpDirtyEpoch();
        long epoch = bus.dirtyEpoch();
        // No time limit: a hart that has not dropped its fast write paths yet (it may sit in a
        // device access that waits for a slow disk flush) would go on writing pages the harvest
        // took as clean after they were sent. So wait for every running hart.
        for (Hart h : harts) {
            long spins = 0;
            while (isRunning() && !h.isStopped() && h.mmu().acknowledgedDirtyEpoch() != epoch) {
                h.kick();
                if (++spins < 1000) Thread.onSpinWait();
                else java.util.concurrent.locks.LockSupport.parkNanos(50_000);
            }
        }
    }

    public void addResetHook(Runnable r) {
        resetHooks.add(r);
    }

    /** Ends the process's machine: what quit does (cause {@code host-qmp-quit}, even under -no-shutdown). */
    public void quit() {
        requestShutdown(0, "host-qmp-quit");
    }

    @Override
    public void close() {
        synchronized (runLock) {
            quit = true;
            runEnabled = false;
            runLock.notifyAll();
        }
        for (Hart h : harts) h.kick();
        for (Thread t : vcpuThreads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (var slot : virtioSlots) slot.transport().close();
        bus.close();
    }
}
