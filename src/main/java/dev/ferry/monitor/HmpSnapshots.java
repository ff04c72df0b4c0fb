package dev.ferry.monitor;

import dev.ferry.machine.Snapshots;
import dev.ferry.migration.MigrationException;

/** savevm, loadvm, delvm and info snapshots, as QEMU's HMP has them. */
final class HmpSnapshots {
    private HmpSnapshots() {
    }

    interface Action {
        void run() throws MigrationException;
    }

    private static void run(HmpContext ctx, Action a) {
        try {
            a.run();
        } catch (MigrationException e) {
            ctx.error(e.getMessage());
        }
    }

    static void register(HmpCommands t) {
        t.register(HmpCommand.of("savevm", "name:s?", "[tag]", "save a VM snapshot. If no tag is provided, a new snapshot is created",
                (ctx, a) -> run(ctx, () -> {
                    String name = a.str("name");
                    if (name == null) name = "vm-" + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
                    Snapshots.save(ctx.monitors().machine(), name);
                })));
        t.register(HmpCommand.of("loadvm", "name:s", "tag", "restore a VM snapshot from its tag",
                (ctx, a) -> run(ctx, () -> Snapshots.load(ctx.monitors().machine(), a.str("name")))));
        t.register(HmpCommand.of("delvm", "name:s", "tag", "delete a VM snapshot from its tag",
                (ctx, a) -> run(ctx, () -> Snapshots.delete(ctx.monitors().machine(), a.str("name")))));
        t.info().register(HmpCommand.of("snapshots", "", "", "show the currently saved VM snapshots", (ctx, a) -> {
            try {
                ctx.print(Snapshots.info(ctx.monitors().machine()));
            } catch (MigrationException e) {
                ctx.println(e.getMessage()); // QEMU prints it without "Error: "
            }
        }));
    }
}
