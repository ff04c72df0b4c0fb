package dev.ferry.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.machine.LiveMigration;
import dev.ferry.machine.MigrationControl;
import dev.ferry.migration.Channels;
import dev.ferry.migration.MigrationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The QMP migration commands with QEMU 7.2's names, argument schemas, replies and errors:
 * migrate, migrate-incoming, migrate_cancel, migrate-continue, query-migrate, the parameters
 * and the capabilities. The MIGRATION and MIGRATION_PASS events are sent by {@link Monitors}
 * when the {@code events} capability is on. HMP's migration commands use the same pieces.
 */
final class QmpMigration {
    private QmpMigration() {
    }

    /** QEMU's MigrationStatus values (migrate-continue's argument). */
    static final QmpType.EnumType MIGRATION_STATUS = QmpType.enumOf("MigrationStatus", "none", "setup", "cancelling",
            "cancelled", "active", "postcopy-active", "postcopy-paused", "postcopy-recover", "completed", "failed", "colo",
            "pre-switchover", "device", "wait-unplug");

    static final int PAGE = 4096;

    static void register(QmpCommands r) {
        r.register(QmpCommand.builder("migrate")
                .arg("uri", QmpType.STR)
                .optional("blk", QmpType.BOOL)
                .optional("inc", QmpType.BOOL)
                .optional("detach", QmpType.BOOL)
                .optional("resume", QmpType.BOOL)
                .handler(call -> {
                    migrate(call.monitors(), fds(call), call.str("uri"), call.bool("blk", false), call.bool("inc", false),
                            call.bool("resume", false));
                    return QmpCommand.empty();
                })
                .build());
        r.register(QmpCommand.builder("migrate-incoming").arg("uri", QmpType.STR).handler(call -> {
            incoming(call.monitors(), fds(call), call.str("uri"));
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("migrate_cancel").handler(call -> {
            call.monitors().machine().migration().cancel();
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("migrate-continue").arg("state", MIGRATION_STATUS).handler(call -> {
            continueFrom(call.monitors(), call.str("state"));
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("query-migrate").handler(call -> queryMigrate(call.monitors())).build());
        r.register(QmpCommand.builder("migrate-set-capabilities")
                .arg("capabilities", QmpType.arrayOf(MigrationSettings.CAPABILITY_STATUS))
                .handler(call -> {
                    Map<String, Boolean> changes = new LinkedHashMap<>();
                    for (JsonNode c : call.get("capabilities")) changes.put(c.get("capability").textValue(), c.get("state").booleanValue());
                    setCapabilities(call.monitors(), changes);
                    return QmpCommand.empty();
                })
                .build());
        r.register(QmpCommand.builder("query-migrate-capabilities")
                .handler(call -> call.monitors().migrationSettings().queryCapabilities()).build());
        r.register(MigrationSettings.setParametersCommand().handler(call -> {
            call.monitors().migrationSettings().setParameters(call.args());
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("query-migrate-parameters")
                .handler(call -> call.monitors().migrationSettings().queryParameters()).build());
    }

    /** The descriptors of the QMP monitor a call came from (none for HMP's own calls). */
    private static Channels.NamedFds fds(QmpCall call) {
        return call.session() == null ? Channels.NamedFds.NONE : call.session().fds();
    }

    // ------------------------------------------------------------------ actions shared with HMP

    /**
     * QEMU's qmp_migrate: its checks in its order, then the migration starts in the background.
     * {@code fd:NAME} takes the descriptor from {@code fds}; {@code fd:N} uses descriptor N as
     * inherited (QEMU 7.2's migrate takes names only; getfd refuses names that start with a
     * digit, so a number can never mean a name).
     */
    static void migrate(Monitors monitors, Channels.NamedFds fds, String uri, boolean blk, boolean inc, boolean resume) {
        MigrationControl mig = monitors.machine().migration();
        if (resume) throw QmpError.generic("Cannot resume if there is no paused migration");
        try {
            mig.checkCanStart();
        } catch (MigrationException e) {
            throw QmpError.generic(e.getMessage());
        }
        if (blk || inc) throw QmpError.generic("QEMU compiled without old-style (blk/-b, inc/-i) block migration");
        checkUri(uri);
        int fd = -1;
        try {
            if (uri.startsWith("fd:") && !uri.substring(3).matches("\\d+")) {
                fd = fds.take(uri.substring(3));
                uri = "fd:" + fd; // the channel owns it from here
            }
            mig.start(uri);
        } catch (MigrationException e) {
            if (fd >= 0) dev.ferry.os.Posix.closeQuietly(fd);
            throw QmpError.generic(e.getMessage());
        }
    }

    /** The protocols Ferry can send to (file: is Ferry's, as QEMU 8's), QEMU's errors for the others. */
    static void checkUri(String uri) {
        if (uri.startsWith("tcp:") || uri.startsWith("unix:") || uri.startsWith("exec:") || uri.startsWith("file:")
                || uri.startsWith("fd:")) return;
        if (uri.startsWith("rdma:")) throw QmpError.generic("RDMA migration is not supported yet");
        throw QmpError.generic("Parameter 'uri' expects a valid migration protocol");
    }

    /** migrate-incoming; {@code fd:} takes a number (an inherited descriptor) or a name held in {@code fds}. */
    static void incoming(Monitors monitors, Channels.NamedFds fds, String uri) {
        try {
            monitors.machine().migration().startIncoming(uri, fds);
        } catch (MigrationException e) {
            throw QmpError.generic(e.getMessage());
        }
    }

    static void continueFrom(Monitors monitors, String state) {
        MigrationControl mig = monitors.machine().migration();
        LiveMigration.Status expected = null;
        for (LiveMigration.Status s : LiveMigration.Status.values()) if (s.qemuName.equals(state)) expected = s;
        try {
            if (expected == null) {
                LiveMigration c = mig.current();
                throw new MigrationException("Migration not in expected state: "
                        + (c == null ? LiveMigration.Status.NONE : c.stats.status).qemuName);
            }
            mig.continueFrom(expected);
        } catch (MigrationException e) {
            throw QmpError.generic(e.getMessage());
        }
    }

    static void setCapabilities(Monitors monitors, Map<String, Boolean> changes) {
        LiveMigration c = monitors.machine().migration().current();
        boolean running = c != null && MigrationControl.isActive(c.stats.status);
        monitors.migrationSettings().setCapabilities(changes, running);
    }

    // ------------------------------------------------------------------ query-migrate

    /** query-migrate's value: the outgoing migration's, or the incoming side's, with QEMU's members for each status. */
    static ObjectNode queryMigrate(Monitors monitors) {
        MigrationControl mig = monitors.machine().migration();
        ObjectNode o = QmpJson.NODES.objectNode();
        List<String> blockers = monitors.machine().stateRegistry().blockers();
        LiveMigration c = mig.current();
        if (c == null) {
            incomingInfo(mig, o);
        } else {
            LiveMigration.Stats s = c.stats;
            LiveMigration.Status st = s.status;
            switch (st) {
                case ACTIVE, PRE_SWITCHOVER, DEVICE, CANCELLING -> {
                    o.put("expected-downtime", s.expectedDowntimeMillis);
                    if (s.cpuThrottlePercentage > 0) o.put("cpu-throttle-percentage", s.cpuThrottlePercentage);
                    if (xbzrleOn(monitors)) o.set("xbzrle-cache", xbzrleCache(monitors, s));
                    o.put("status", st.qemuName);
                    o.put("setup-time", s.setupMillis);
                    o.put("total-time", elapsed(s));
                    o.set("ram", ram(s));
                }
                case COMPLETED -> {
                    if (xbzrleOn(monitors)) o.set("xbzrle-cache", xbzrleCache(monitors, s));
                    o.put("status", st.qemuName);
                    o.put("setup-time", s.setupMillis);
                    o.put("downtime", s.downtimeMillis);
                    o.put("total-time", s.totalMillis);
                    o.set("ram", ram(s));
                }
                case FAILED -> {
                    o.put("status", st.qemuName);
                    if (s.error != null) o.put("error-desc", s.error);
                }
                case NONE -> { }
                default -> o.put("status", st.qemuName); // setup, cancelled
            }
        }
        if (!blockers.isEmpty()) {
            var a = o.putArray("blocked-reasons");
            blockers.forEach(a::add);
        }
        return o;
    }

    private static void incomingInfo(MigrationControl mig, ObjectNode o) {
        LiveMigration.Status in = mig.incomingStatus();
        if (in == LiveMigration.Status.NONE) return;
        if (in == LiveMigration.Status.SETUP) {
            String uri = mig.incomingUri();
            if (uri != null && (uri.startsWith("tcp:") || uri.startsWith("unix:"))) o.set("socket-address", socketAddress(uri));
            return;
        }
        o.put("status", in.qemuName);
    }

    /** QEMU's SocketAddress list for a listening URI. */
    private static com.fasterxml.jackson.databind.node.ArrayNode socketAddress(String uri) {
        var a = QmpJson.NODES.arrayNode();
        ObjectNode e = a.addObject();
        if (uri.startsWith("unix:")) {
            e.put("path", uri.substring(5));
            e.put("type", "unix");
        } else {
            String hp = uri.substring(4);
            int comma = hp.indexOf(',');
            if (comma >= 0) hp = hp.substring(0, comma);
            int colon = hp.lastIndexOf(':');
            String host = colon < 0 ? hp : hp.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            e.put("port", colon < 0 ? "" : hp.substring(colon + 1));
            if (host.contains(":")) e.put("ipv6", true);
            else if (!host.isEmpty()) e.put("ipv4", true);
            e.put("host", host);
            e.put("type", "inet");
        }
        return a;
    }

    static long elapsed(LiveMigration.Stats s) {
        return (System.nanoTime() - s.startNanos) / 1_000_000;
    }

    static long precopyBytes(LiveMigration.Stats s) {
        return MigrationControl.isActive(s.status) && s.precopyBytes == 0 ? s.transferred : s.precopyBytes;
    }

    static long pagesPerSecond(LiveMigration.Stats s) {
        long ms = MigrationControl.isActive(s.status) ? elapsed(s) : s.totalMillis;
        return ms <= 0 ? 0 : (s.normal + s.duplicate) * 1000 / ms;
    }

    private static boolean xbzrleOn(Monitors monitors) {
        return monitors.migrationSettings().capability("xbzrle");
    }

    /** query-migrate's "xbzrle-cache", in QEMU 7.2's member order; the cache size is the parameter's. */
    private static ObjectNode xbzrleCache(Monitors monitors, LiveMigration.Stats s) {
        ObjectNode x = QmpJson.NODES.objectNode();
        x.put("encoding-rate", s.xbzrleEncodingRate);
        x.put("bytes", s.xbzrleBytes);
        x.put("cache-size", monitors.machine().migration().parameters.xbzrleCacheSize);
        x.put("cache-miss-rate", s.xbzrleCacheMissRate);
        x.put("pages", s.xbzrlePages);
        x.put("overflow", s.xbzrleOverflow);
        x.put("cache-miss", s.xbzrleCacheMiss);
        return x;
    }

    /** query-migrate's "ram", in QEMU 7.2's member order. */
    private static ObjectNode ram(LiveMigration.Stats s) {
        ObjectNode r = QmpJson.NODES.objectNode();
        r.put("total", s.total);
        r.put("postcopy-requests", 0);
        r.put("dirty-sync-count", s.dirtySyncCount);
        r.put("multifd-bytes", 0);
        r.put("pages-per-second", pagesPerSecond(s));
        r.put("downtime-bytes", s.downtimeBytes);
        r.put("page-size", PAGE);
        r.put("remaining", s.remaining);
        r.put("postcopy-bytes", 0);
        r.put("mbps", s.mbps);
        r.put("transferred", s.transferred);
        r.put("dirty-sync-missed-zero-copy", 0);
        r.put("precopy-bytes", precopyBytes(s));
        r.put("duplicate", s.duplicate);
        r.put("dirty-pages-rate", s.dirtyPagesRate);
        r.put("skipped", 0);
        r.put("normal-bytes", s.normal * PAGE);
        r.put("normal", s.normal);
        return r;
    }

    // ------------------------------------------------------------------ HMP's info migrate

    /** QEMU 7.2's {@code info migrate} for the current (or last) migration, or the incoming side. */
    static String infoMigrate(Monitors monitors) {
        MigrationControl mig = monitors.machine().migration();
        StringBuilder sb = new StringBuilder();
        sb.append("globals:\nstore-global-state: on\nonly-migratable: off\nsend-configuration: on\nsend-section-footer: on\n");
        sb.append("decompress-error-check: on\nclear-bitmap-shift: 18\n");
        List<String> blockers = monitors.machine().stateRegistry().blockers();
        if (!blockers.isEmpty()) {
            sb.append("Outgoing migration blocked:\n");
            for (String b : blockers) sb.append("  ").append(b).append('\n');
        }
        LiveMigration c = mig.current();
        if (c == null) {
            LiveMigration.Status in = mig.incomingStatus();
            if (in == LiveMigration.Status.SETUP && mig.incomingUri() != null
                    && (mig.incomingUri().startsWith("tcp:") || mig.incomingUri().startsWith("unix:"))) {
                sb.append("socket address: [\n\t").append(mig.incomingUri()).append("\n]\n");
            } else if (in != LiveMigration.Status.NONE && in != LiveMigration.Status.SETUP) {
                sb.append("Migration status: ").append(in.qemuName).append("\ntotal time: 0 ms\n");
            }
            return sb.toString();
        }
        LiveMigration.Stats s = c.stats;
        LiveMigration.Status st = s.status;
        sb.append("Migration status: ").append(st.qemuName);
        if (st == LiveMigration.Status.FAILED && s.error != null) sb.append(" (").append(s.error).append(')');
        sb.append('\n');
        boolean withRam = st == LiveMigration.Status.COMPLETED || (MigrationControl.isActive(st) && st != LiveMigration.Status.SETUP);
        long total = !withRam ? 0 : st == LiveMigration.Status.COMPLETED ? s.totalMillis : elapsed(s);
        sb.append("total time: ").append(total).append(" ms\n");
        if (!withRam) return sb.toString();
        if (st == LiveMigration.Status.COMPLETED) sb.append("downtime: ").append(s.downtimeMillis).append(" ms\n");
        else sb.append("expected downtime: ").append(s.expectedDowntimeMillis).append(" ms\n");
        sb.append("setup: ").append(s.setupMillis).append(" ms\n");
        sb.append("transferred ram: ").append(s.transferred >> 10).append(" kbytes\n");
        sb.append(String.format(Locale.ROOT, "throughput: %.2f mbps%n", s.mbps));
        sb.append("remaining ram: ").append(s.remaining >> 10).append(" kbytes\n");
        sb.append("total ram: ").append(s.total >> 10).append(" kbytes\n");
        sb.append("duplicate: ").append(s.duplicate).append(" pages\n");
        sb.append("skipped: 0 pages\n");
        sb.append("normal: ").append(s.normal).append(" pages\n");
        sb.append("normal bytes: ").append(s.normal * PAGE >> 10).append(" kbytes\n");
        sb.append("dirty sync count: ").append(s.dirtySyncCount).append('\n');
        sb.append("page size: 4 kbytes\n");
        sb.append("multifd bytes: 0 kbytes\n");
        sb.append("pages-per-second: ").append(pagesPerSecond(s)).append('\n');
        if (s.dirtyPagesRate != 0) sb.append("dirty pages rate: ").append(s.dirtyPagesRate).append(" pages\n");
        long precopy = precopyBytes(s);
        if (precopy != 0) sb.append("precopy ram: ").append(precopy >> 10).append(" kbytes\n");
        if (s.downtimeBytes != 0) sb.append("downtime ram: ").append(s.downtimeBytes >> 10).append(" kbytes\n");
        if (xbzrleOn(monitors)) {
            sb.append("cache size: ").append(mig.parameters.xbzrleCacheSize).append(" bytes\n");
            sb.append("xbzrle transferred: ").append(s.xbzrleBytes >> 10).append(" kbytes\n");
            sb.append("xbzrle pages: ").append(s.xbzrlePages).append(" pages\n");
            sb.append("xbzrle cache miss: ").append(s.xbzrleCacheMiss).append(" pages\n");
            sb.append(String.format(Locale.ROOT, "xbzrle cache miss rate: %.2f%n", s.xbzrleCacheMissRate));
            sb.append(String.format(Locale.ROOT, "xbzrle encoding rate: %.2f%n", s.xbzrleEncodingRate));
            sb.append("xbzrle overflow: ").append(s.xbzrleOverflow).append('\n');
        }
        if (s.cpuThrottlePercentage > 0 && st != LiveMigration.Status.COMPLETED) {
            sb.append("cpu throttle percentage: ").append(s.cpuThrottlePercentage).append('\n');
        }
        return sb.toString().replace("\r\n", "\n");
    }
}
