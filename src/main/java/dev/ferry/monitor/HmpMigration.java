package dev.ferry.monitor;

import dev.ferry.cli.CommandLine;
import dev.ferry.machine.LiveMigration;
import dev.ferry.machine.MigrationControl;
import java.util.Map;

/**
 * The human monitor's migration commands, declared as QEMU 7.2 declares them and run through
 * the same code as the QMP commands ({@link QmpMigration}, {@link MigrationSettings}): migrate,
 * migrate_cancel, migrate_continue, migrate_incoming, migrate_set_capability,
 * migrate_set_parameter, info migrate, info migrate_capabilities, info migrate_parameters.
 */
final class HmpMigration {
    private HmpMigration() {
    }

    static void register(HmpCommands t) {
        t.register(HmpCommand.of("migrate", "detach:-d,blk:-b,inc:-i,resume:-r,uri:s", "[-d] [-b] [-i] [-r] uri",
                "migrate to URI (using -d to not wait for completion)"
                        + "\n\t\t\t -b for migration without shared storage with full copy of disk"
                        + "\n\t\t\t -i for migration without shared storage with incremental copy of disk (base image shared between src and destination)"
                        + "\n\t\t\t -r to resume a paused migration",
                (ctx, a) -> {
                    QmpMigration.migrate(ctx.monitors(), dev.ferry.migration.Channels.NamedFds.NONE, a.str("uri"), a.bool("blk"), a.bool("inc"), a.bool("resume"));
                    if (a.bool("detach")) return;
                    if (!ctx.isTerminal()) {
                        // QEMU: a monitor that cannot be suspended (human-monitor-command) does not wait
                        ctx.println("terminal does not allow synchronous migration, continuing detached");
                        return;
                    }
                    // waits, showing progress each second as QEMU's HMP does for block migration
                    // ("Completed N %" over one line); a failure is reported on stderr, as
                    // QEMU's error_report from its timer does
                    MigrationControl mig = ctx.monitors().machine().migration();
                    boolean shown = false;
                    try {
                        while (!mig.await(1000)) {
                            LiveMigration.Stats now = mig.current().stats;
                            if (now.status != LiveMigration.Status.ACTIVE) continue;
                            long done = now.transferred, all = now.transferred + now.remaining;
                            ctx.print("Completed " + (all == 0 ? 0 : done * 100 / all) + " %\r");
                            ctx.flush();
                            shown = true;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    if (shown) ctx.print("\r\n");
                    LiveMigration.Stats st = mig.current().stats;
                    if (st.status == LiveMigration.Status.FAILED && st.error != null) {
                        System.err.println(CommandLine.PROGRAM + ": " + st.error);
                    }
                }));
        t.register(HmpCommand.of("migrate_cancel", "", "", "cancel the current VM migration",
                (ctx, a) -> ctx.monitors().machine().migration().cancel()));
        t.register(HmpCommand.of("migrate_continue", "state:s", "state", "Continue migration from the given paused state", (ctx, a) -> {
            String state = a.str("state");
            if (!QmpMigration.MIGRATION_STATUS.values().contains(state)) throw QmpError.generic("invalid parameter value: " + state);
            QmpMigration.continueFrom(ctx.monitors(), state);
        }));
        t.register(HmpCommand.of("migrate_incoming", "uri:s", "uri", "Continue an incoming migration from an -incoming defer",
                (ctx, a) -> QmpMigration.incoming(ctx.monitors(), dev.ferry.migration.Channels.NamedFds.NONE, a.str("uri"))));
        t.register(HmpCommand.of("migrate_set_capability", "capability:s,state:b", "capability state",
                "Enable/Disable the usage of a capability for migration", (ctx, a) -> {
                    String cap = a.str("capability");
                    if (!MigrationSettings.CAPABILITIES.contains(cap)) throw QmpError.generic("invalid parameter value: " + cap);
                    QmpMigration.setCapabilities(ctx.monitors(), Map.of(cap, a.bool("state")));
                }));
        t.register(HmpCommand.of("migrate_set_parameter", "parameter:s,value:s", "parameter value", "Set the parameter for migration",
                (ctx, a) -> ctx.monitors().migrationSettings().hmpSet(a.str("parameter"), a.str("value"))));
        HmpCommands info = t.info();
        info.register(HmpCommand.of("migrate", "", "", "show migration status",
                (ctx, a) -> ctx.print(QmpMigration.infoMigrate(ctx.monitors()))));
        info.register(HmpCommand.of("migrate_capabilities", "", "", "show current migration capabilities",
                (ctx, a) -> ctx.print(ctx.monitors().migrationSettings().capabilitiesText())));
        info.register(HmpCommand.of("migrate_parameters", "", "", "show current migration parameters",
                (ctx, a) -> ctx.print(ctx.monitors().migrationSettings().parametersText())));
    }
}
