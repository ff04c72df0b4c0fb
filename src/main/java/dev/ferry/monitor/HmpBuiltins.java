package dev.ferry.monitor;

import dev.ferry.machine.RunState;
import java.util.List;

/** The human-monitor commands Ferry has from the start, with QEMU 7.2's names, help and output. */
final class HmpBuiltins {
    private HmpBuiltins() {
    }

    static void register(HmpCommands t) {
        t.register(HmpCommand.of("cont|c", "", "", "resume emulation", (ctx, a) -> ctx.monitors().cont()));
        t.register(HmpCommand.of("help|?", "name:S?", "[cmd]", "show the help",
                (ctx, a) -> ctx.monitors().hmpCommands().help(ctx, a.str("name", null))));
        t.register(HmpCommand.of("quit|q", "", "", "quit the emulator", (ctx, a) -> {
            ctx.suspend();
            ctx.monitors().quit();
        }));
        t.register(HmpCommand.of("stop|s", "", "", "stop emulation", (ctx, a) -> ctx.monitors().stop()));
        t.register(HmpCommand.of("system_reset", "", "", "reset the system", (ctx, a) -> ctx.monitors().systemReset()));
        t.register(HmpCommand.of("system_powerdown", "", "", "send system power down event",
                (ctx, a) -> ctx.monitors().systemPowerdown()));

        HmpCommands info = new HmpCommands();
        t.register(new HmpCommand("info", "item:s?", "[subcommand]", "show various information about the system state",
                (ctx, a) -> { }, info));
        info.register(HmpCommand.of("chardev", "", "", "show the character devices", (ctx, a) -> {
            for (Monitors.ChardevInfo c : ctx.monitors().chardevs()) ctx.println(c.label() + ": filename=" + c.filename().get());
        }));
        info.register(HmpCommand.of("cpus", "", "", "show infos for each CPU", (ctx, a) -> {
            List<Long> tids = ctx.monitors().vcpuThreadIds();
            for (int i = 0; i < tids.size(); i++) {
                ctx.println((i == ctx.cpuIndex() ? "* " : "  ") + "CPU #" + i + ": thread_id=" + tids.get(i));
            }
        }));
        info.register(HmpCommand.of("history", "", "", "show the command line history", (ctx, a) -> {
            List<String> h = ctx.history();
            for (int i = 0; i < h.size(); i++) ctx.println(i + ": '" + h.get(i) + "'");
        }));
        info.register(HmpCommand.of("kvm", "", "", "show KVM information", (ctx, a) -> ctx.println("kvm support: not compiled")));
        info.register(HmpCommand.of("name", "", "", "show the current VM name", (ctx, a) -> {
            if (ctx.monitors().name() != null) ctx.println(ctx.monitors().name());
        }));
        info.register(HmpCommand.of("status", "", "", "show the current VM status (running|paused)",
                (ctx, a) -> ctx.println(statusLine(ctx.monitors().machine().state()))));
        info.register(HmpCommand.of("version", "", "", "show the version of QEMU", (ctx, a) -> ctx.println(
                Monitors.QEMU_MAJOR + "." + Monitors.QEMU_MINOR + "." + Monitors.QEMU_MICRO + Monitors.PACKAGE)));
        HmpMigration.register(t);
        HmpSnapshots.register(t);
        QmpBlock.registerHmp(t);
    }

    /** QEMU's {@code info status} line for a run state. */
    static String statusLine(RunState s) {
        return switch (s) {
            case RUNNING -> "VM status: running";
            case PAUSED -> "VM status: paused";
            default -> "VM status: paused (" + s.qemuName() + ")";
        };
    }
}
