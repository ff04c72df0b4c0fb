package dev.ferry.monitor;

import dev.ferry.machine.LiveMigration;
import dev.ferry.migration.MigrationException;

/**
 * The migration commands the first human monitor had (migrate, migrate_cancel,
 * migrate_set_parameter, info migrate, info migrate_parameters), declared as QEMU declares them
 * and run through the machine's {@link dev.ferry.machine.MigrationControl}. The migration work
 * extends or replaces them.
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
                    var mig = ctx.monitors().machine().migration();
                    try {
                        mig.start(a.str("uri"));
                    } catch (MigrationException e) {
                        ctx.error(e.getMessage());
                        return;
                    }
                    if (a.bool("detach")) return;
                    try {
                        mig.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    LiveMigration.Stats st = mig.current().stats;
                    if (st.status == LiveMigration.Status.FAILED) ctx.error(st.error);
                }));
        t.register(HmpCommand.of("migrate_cancel", "", "", "cancel the current VM migration",
                (ctx, a) -> ctx.monitors().machine().migration().cancel()));
        t.register(HmpCommand.of("migrate_set_parameter", "parameter:s,value:s", "parameter value", "Set the parameter for migration",
                (ctx, a) -> {
                    String p = a.str("parameter");
                    String v = a.str("value");
                    var params = ctx.monitors().machine().migration().parameters;
                    try {
                        switch (p) {
                            case "max-bandwidth", "max_bandwidth" -> params.maxBandwidth = parseSize(v);
                            case "downtime-limit", "downtime_limit" -> params.downtimeLimitMs = Long.parseLong(v);
                            default -> ctx.error("Parameter '" + p + "' is unexpected");
                        }
                    } catch (NumberFormatException e) {
                        ctx.error("Parameter '" + p + "' expects a number");
                    }
                }));
        HmpCommands info = t.info();
        info.register(HmpCommand.of("migrate", "", "", "show migration status",
                (ctx, a) -> ctx.print(ctx.monitors().machine().migration().info())));
        info.register(HmpCommand.of("migrate_parameters", "", "", "show current migration parameters", (ctx, a) -> {
            var params = ctx.monitors().machine().migration().parameters;
            ctx.println("downtime-limit: " + params.downtimeLimitMs + " ms");
            ctx.println("max-bandwidth: " + params.maxBandwidth + " bytes/second");
        }));
    }

    /** A size as HMP takes it: bytes with a k/M/G/B suffix; a bare number for max-bandwidth is MiB/s, as QEMU's HMP. */
    static long parseSize(String v) {
        if (v.isEmpty()) throw new NumberFormatException();
        char last = Character.toLowerCase(v.charAt(v.length() - 1));
        long mult = switch (last) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 'b' -> 1;
            default -> -1;
        };
        if (mult < 0) return Long.parseLong(v) << 20;
        return Long.parseLong(v.substring(0, v.length() - 1)) * mult;
    }
}
