package dev.ferry.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.machine.LiveMigration;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The migration capabilities and parameters as QEMU 7.2's monitors see them: every name QEMU
 * 7.2 knows, with its defaults, types and checks. Ferry acts on some: the parameters
 * max-bandwidth, downtime-limit, xbzrle-cache-size and the cpu-throttle ones (also while a
 * migration runs), the capabilities events (the MIGRATION and MIGRATION_PASS events),
 * return-path, pause-before-switchover, xbzrle and auto-converge. The other parameters are
 * stored and reported; the other capabilities can only be set to false ("not supported yet").
 *
 * <p>return-path: Ferry's default is on (QEMU's is off): over tcp: and unix: the source waits
 * for the destination's verdict. Turning it off makes the source send no OPEN_RETURN_PATH.
 */
public final class MigrationSettings {
    /** QEMU 7.2's MigrationCapability values, in its order. */
    static final List<String> CAPABILITIES = List.of("xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "compress",
            "events", "postcopy-ram", "x-colo", "release-ram", "block", "return-path", "pause-before-switchover", "multifd",
            "dirty-bitmaps", "postcopy-blocktime", "late-block-activate", "x-ignore-shared", "validate-uuid",
            "background-snapshot", "zero-copy-send", "postcopy-preempt");
    /** The capabilities Ferry implements: the others are refused when set to true. */
    static final List<String> SUPPORTED_CAPABILITIES = List.of("events", "return-path", "pause-before-switchover", "xbzrle",
            "auto-converge");

    static final QmpType.EnumType CAPABILITY = new QmpType.EnumType("MigrationCapability", CAPABILITIES);
    static final QmpType.StructType CAPABILITY_STATUS = QmpType.struct("MigrationCapabilityStatus")
            .member("capability", CAPABILITY).member("state", QmpType.BOOL).build();
    static final QmpType.EnumType MULTIFD_COMPRESSION = QmpType.enumOf("MultiFDCompression", "none", "zlib", "zstd");

    /** How HMP's migrate_set_parameter reads a value, and how info migrate_parameters prints it. */
    enum Kind { BOOL, UINT, SIZE, STR, ENUM, BANDWIDTH, MAPPING }

    /** One parameter: its QAPI type for migrate-set-parameters, its default, and its HMP form. */
    record Param(String name, QmpType type, Kind kind, JsonNode defaultValue, String unit) {
    }

    private static final Map<String, Param> PARAMS = new LinkedHashMap<>();

    private static void def(String name, QmpType type, Kind kind, Object dflt, String unit) {
        JsonNode v = switch (dflt) {
            case null -> null;
            case Boolean b -> QmpJson.NODES.booleanNode(b);
            case Long l -> QmpJson.NODES.numberNode(l);
            case Integer i -> QmpJson.NODES.numberNode((long) i);
            case String s -> QmpJson.NODES.textNode(s);
            default -> throw new IllegalArgumentException();
        };
        PARAMS.put(name, new Param(name, type, kind, v, unit));
    }

    static {
        // the order query-migrate-parameters prints them in QEMU 7.2
        def("cpu-throttle-tailslow", QmpType.BOOL, Kind.BOOL, false, null);
        def("xbzrle-cache-size", QmpType.UINT64, Kind.SIZE, 64L << 20, " bytes");
        def("cpu-throttle-initial", QmpType.UINT8, Kind.UINT, 20, null);
        def("announce-max", QmpType.UINT64, Kind.SIZE, 550, " ms");
        def("decompress-threads", QmpType.UINT8, Kind.UINT, 2, null);
        def("compress-threads", QmpType.UINT8, Kind.UINT, 8, null);
        def("compress-level", QmpType.UINT8, Kind.UINT, 1, null);
        def("multifd-channels", QmpType.UINT8, Kind.UINT, 2, null);
        def("multifd-zstd-level", QmpType.UINT8, Kind.UINT, 1, null);
        def("announce-initial", QmpType.UINT64, Kind.SIZE, 50, " ms");
        def("block-incremental", QmpType.BOOL, Kind.BOOL, false, null);
        def("compress-wait-thread", QmpType.BOOL, Kind.BOOL, true, null);
        def("downtime-limit", QmpType.UINT64, Kind.SIZE, 300, " ms");
        def("tls-authz", QmpType.STR_OR_NULL, Kind.STR, "", null);
        def("multifd-compression", MULTIFD_COMPRESSION, Kind.ENUM, "none", null);
        def("announce-rounds", QmpType.UINT64, Kind.SIZE, 5, "");
        def("announce-step", QmpType.UINT64, Kind.SIZE, 100, " ms");
        def("tls-creds", QmpType.STR_OR_NULL, Kind.STR, "", null);
        def("multifd-zlib-level", QmpType.UINT8, Kind.UINT, 1, null);
        def("max-cpu-throttle", QmpType.UINT8, Kind.UINT, 99, null);
        def("max-postcopy-bandwidth", QmpType.UINT64, Kind.SIZE, 0, "");
        def("tls-hostname", QmpType.STR_OR_NULL, Kind.STR, "", null);
        def("throttle-trigger-threshold", QmpType.UINT8, Kind.UINT, 50, null);
        def("max-bandwidth", QmpType.UINT64, Kind.BANDWIDTH, 128L << 20, " bytes/second");
        def("x-checkpoint-delay", QmpType.UINT32, Kind.UINT, 20000, " ms");
        def("cpu-throttle-increment", QmpType.UINT8, Kind.UINT, 10, null);
        // reported only once set
        def("block-bitmap-mapping", QmpType.arrayOf(QmpType.ANY), Kind.MAPPING, null, null);
    }

    /** The order HMP's info migrate_parameters prints them in (QEMU 7.2). */
    private static final List<String> HMP_ORDER = List.of("announce-initial", "announce-max", "announce-rounds",
            "announce-step", "compress-level", "compress-threads", "compress-wait-thread", "decompress-threads",
            "throttle-trigger-threshold", "cpu-throttle-initial", "cpu-throttle-increment", "cpu-throttle-tailslow",
            "max-cpu-throttle", "tls-creds", "tls-hostname", "max-bandwidth", "downtime-limit", "x-checkpoint-delay",
            "block-incremental", "multifd-channels", "multifd-compression", "xbzrle-cache-size", "max-postcopy-bandwidth",
            "tls-authz");

    /** migrate-set-parameters' arguments (QEMU's MigrateSetParameters: every member optional). */
    static QmpCommand.Builder setParametersCommand() {
        QmpCommand.Builder b = QmpCommand.builder("migrate-set-parameters");
        // QEMU's schema order (the order members are checked in)
        for (String n : List.of("announce-initial", "announce-max", "announce-rounds", "announce-step", "compress-level",
                "compress-threads", "compress-wait-thread", "decompress-threads", "throttle-trigger-threshold",
                "cpu-throttle-initial", "cpu-throttle-increment", "cpu-throttle-tailslow", "tls-creds", "tls-hostname",
                "tls-authz", "max-bandwidth", "downtime-limit", "x-checkpoint-delay", "block-incremental",
                "multifd-channels", "xbzrle-cache-size", "max-postcopy-bandwidth", "max-cpu-throttle",
                "multifd-compression", "multifd-zlib-level", "multifd-zstd-level", "block-bitmap-mapping")) {
            b.optional(n, PARAMS.get(n).type());
        }
        return b;
    }

    private final LiveMigration.Parameters live;
    private final Map<String, JsonNode> values = new LinkedHashMap<>();
    private final Map<String, Boolean> caps = new LinkedHashMap<>();

    MigrationSettings(LiveMigration.Parameters live) {
        this.live = live;
        for (Param p : PARAMS.values()) values.put(p.name(), p.defaultValue());
        for (String c : CAPABILITIES) caps.put(c, false);
        caps.put("return-path", live.returnPath);
        caps.put("pause-before-switchover", live.pauseBeforeSwitchover);
        caps.put("xbzrle", live.xbzrle);
        caps.put("auto-converge", live.autoConverge);
    }

    // ------------------------------------------------------------------ capabilities

    public synchronized boolean capability(String name) {
        return caps.get(name);
    }

    /** query-migrate-capabilities' value. */
    synchronized ArrayNode queryCapabilities() {
        ArrayNode a = QmpJson.NODES.arrayNode();
        for (var e : caps.entrySet()) {
            ObjectNode o = a.addObject();
            o.put("state", e.getValue());
            o.put("capability", e.getKey());
        }
        return a;
    }

    /**
     * Sets capabilities (all or none): refused while a migration runs, as QEMU; a capability
     * Ferry does not implement cannot be turned on.
     */
    synchronized void setCapabilities(Map<String, Boolean> changes, boolean migrationRunning) {
        if (migrationRunning) throw QmpError.generic("There's a migration process in progress");
        for (var e : changes.entrySet()) {
            if (e.getValue() && !SUPPORTED_CAPABILITIES.contains(e.getKey())) {
                throw QmpError.generic("Migration capability '" + e.getKey() + "' is not supported yet");
            }
        }
        caps.putAll(changes);
        live.returnPath = caps.get("return-path");
        live.pauseBeforeSwitchover = caps.get("pause-before-switchover");
        live.xbzrle = caps.get("xbzrle");
        live.autoConverge = caps.get("auto-converge");
    }

    /** HMP's info migrate_capabilities. */
    synchronized String capabilitiesText() {
        StringBuilder sb = new StringBuilder();
        for (var e : caps.entrySet()) sb.append(e.getKey()).append(": ").append(e.getValue() ? "on" : "off").append('\n');
        return sb.toString();
    }

    // ------------------------------------------------------------------ parameters

    private JsonNode current(String name) {
        return switch (name) {
            case "max-bandwidth" -> live.maxBandwidth == Long.MAX_VALUE && values.get(name).isBigInteger()
                    ? values.get(name) : uint64(live.maxBandwidth); // above 2^63-1: "no limit" as set
            case "downtime-limit" -> uint64(live.downtimeLimitMs);
            default -> values.get(name);
        };
    }

    private static JsonNode uint64(long v) {
        return v >= 0 ? QmpJson.NODES.numberNode(v) : QmpJson.NODES.numberNode(new BigInteger(Long.toUnsignedString(v)));
    }

    /** query-migrate-parameters' value. */
    synchronized ObjectNode queryParameters() {
        ObjectNode o = QmpJson.NODES.objectNode();
        for (String n : PARAMS.keySet()) {
            JsonNode v = current(n);
            if (v != null) o.set(n, v);
        }
        return o;
    }

    /**
     * migrate-set-parameters with checked arguments: QEMU's range checks (on the new values
     * merged with the current ones), then all or nothing is applied. A null tls-* is "".
     */
    synchronized void setParameters(ObjectNode args) {
        Map<String, JsonNode> merged = new LinkedHashMap<>();
        for (String n : PARAMS.keySet()) merged.put(n, current(n));
        for (var it = args.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (v.isNull()) v = QmpJson.NODES.textNode("");
            merged.put(e.getKey(), v);
        }
        check(args, merged);
        for (var it = args.properties().iterator(); it.hasNext(); ) {
            String n = it.next().getKey();
            JsonNode v = merged.get(n);
            switch (n) {
                case "max-bandwidth" -> {
                    values.put(n, v);
                    live.maxBandwidth = v.canConvertToLong() ? v.longValue() : Long.MAX_VALUE;
                }
                case "downtime-limit" -> live.downtimeLimitMs = v.longValue();
                default -> {
                    values.put(n, v);
                    applyLive(n, v);
                }
            }
        }
    }

    /** The parameters a migration acts on, handed to it (a running one reads them as they change). */
    private void applyLive(String name, JsonNode v) {
        switch (name) {
            case "xbzrle-cache-size" -> live.xbzrleCacheSize = v.longValue(); // a running migration replaces its cache
            case "throttle-trigger-threshold" -> live.throttleTriggerThreshold = v.intValue();
            case "cpu-throttle-initial" -> live.cpuThrottleInitial = v.intValue();
            case "cpu-throttle-increment" -> live.cpuThrottleIncrement = v.intValue();
            case "max-cpu-throttle" -> live.maxCpuThrottle = v.intValue();
            case "cpu-throttle-tailslow" -> live.cpuThrottleTailslow = v.booleanValue();
            default -> { }
        }
    }

    private static BigInteger big(JsonNode v) {
        return v.bigIntegerValue();
    }

    /** QEMU 7.2's migrate_params_check, in its order and with its messages. */
    private static void check(ObjectNode args, Map<String, JsonNode> m) {
        range(args, m, "compress-level", 0, 9, "Parameter 'compress_level' expects a value between 0 and 9");
        range(args, m, "compress-threads", 1, 255, "Parameter 'compress_threads' expects a value between 1 and 255");
        range(args, m, "decompress-threads", 1, 255, "Parameter 'decompress_threads' expects a value between 1 and 255");
        range(args, m, "throttle-trigger-threshold", 1, 100,
                "Parameter 'throttle_trigger_threshold' expects an integer in the range of 1 to 100");
        range(args, m, "cpu-throttle-initial", 1, 99, "Parameter 'cpu_throttle_initial' expects an integer in the range of 1 to 99");
        range(args, m, "cpu-throttle-increment", 1, 99, "Parameter 'cpu_throttle_increment' expects an integer in the range of 1 to 99");
        range(args, m, "downtime-limit", 0, 2_000_000,
                "Parameter 'downtime_limit' expects an integer in the range of 0 to (2000 * 1000) ms");
        range(args, m, "multifd-channels", 1, 255, "Parameter 'multifd_channels' expects a value between 1 and 255");
        range(args, m, "multifd-zlib-level", 0, 9, "Parameter 'multifd_zlib_level' expects a value between 0 and 9");
        range(args, m, "multifd-zstd-level", 0, 20, "Parameter 'multifd_zstd_level' expects a value between 0 and 20");
        if (args.has("xbzrle-cache-size")) {
            BigInteger v = big(m.get("xbzrle-cache-size"));
            if (v.compareTo(BigInteger.valueOf(4096)) < 0 || v.bitCount() != 1) {
                throw QmpError.generic("Parameter 'xbzrle_cache_size' expects a power of two no less than the target page size");
            }
        }
        if (args.has("max-cpu-throttle")) {
            long v = m.get("max-cpu-throttle").longValue();
            if (v < m.get("cpu-throttle-initial").longValue() || v > 99) {
                throw QmpError.generic("Parameter 'max_cpu_throttle' expects an integer in the range of cpu_throttle_initial to 99");
            }
        }
        range(args, m, "announce-initial", 0, 100_000, "Parameter 'announce_initial' expects a value between 0 and 100000");
        range(args, m, "announce-max", 0, 100_000, "Parameter 'announce_max' expects a value between 0 and 100000");
        range(args, m, "announce-rounds", 0, 1000, "Parameter 'announce_rounds' expects a value between 0 and 1000");
        range(args, m, "announce-step", 1, 10_000, "Parameter 'announce_step' expects a value between 0 and 10000");
    }

    private static void range(ObjectNode args, Map<String, JsonNode> m, String name, long lo, long hi, String msg) {
        if (!args.has(name)) return;
        BigInteger v = big(m.get(name));
        if (v.compareTo(BigInteger.valueOf(lo)) < 0 || v.compareTo(BigInteger.valueOf(hi)) > 0) throw QmpError.generic(msg);
    }

    /** HMP's info migrate_parameters, QEMU 7.2's lines. */
    synchronized String parametersText() {
        StringBuilder sb = new StringBuilder();
        for (String n : HMP_ORDER) {
            Param p = PARAMS.get(n);
            JsonNode v = current(n);
            sb.append(n).append(": ");
            switch (p.kind()) {
                case BOOL -> sb.append(v.booleanValue() ? "on" : "off");
                case STR -> sb.append('\'').append(v.textValue()).append('\'');
                case ENUM -> sb.append(v.textValue());
                default -> sb.append(v.asText()).append(p.unit() == null ? "" : p.unit());
            }
            sb.append('\n');
        }
        JsonNode mapping = values.get("block-bitmap-mapping");
        if (mapping != null) {
            sb.append("block-bitmap-mapping:\n");
            for (JsonNode node : mapping) {
                sb.append("  '").append(node.path("node-name").asText()).append("' -> '").append(node.path("alias").asText()).append("'\n");
                for (JsonNode bm : node.path("bitmaps")) {
                    sb.append("    '").append(bm.path("name").asText()).append("' -> '").append(bm.path("alias").asText()).append("'\n");
                }
            }
        }
        return sb.toString();
    }

    /**
     * HMP's migrate_set_parameter: reads {@code value} as QEMU's HMP reads that parameter (sizes
     * with suffixes, a bare max-bandwidth in MiB/s, on/off...) and sets it as migrate-set-parameters does.
     */
    void hmpSet(String name, String value) {
        Param p = PARAMS.get(name);
        if (p == null) throw QmpError.generic("invalid parameter value: " + name);
        JsonNode v = switch (p.kind()) {
            case BOOL -> switch (value) {
                case "on" -> QmpJson.NODES.booleanNode(true);
                case "off" -> QmpJson.NODES.booleanNode(false);
                default -> throw QmpError.generic("Parameter '" + name + "' expects 'on' or 'off'");
            };
            case STR -> QmpJson.NODES.textNode(value);
            case ENUM -> {
                if (!MULTIFD_COMPRESSION.values().contains(value)) {
                    throw QmpError.generic("Parameter '" + name + "' does not accept value '" + value + "'");
                }
                yield QmpJson.NODES.textNode(value);
            }
            case UINT -> {
                BigInteger b;
                try {
                    b = new BigInteger(value);
                } catch (NumberFormatException e) {
                    throw QmpError.generic("Parameter '" + name + "' expects uint64");
                }
                if (b.signum() < 0 || b.bitLength() > 64) throw QmpError.generic("Parameter '" + name + "' expects uint64");
                int bits = p.type() == QmpType.UINT8 ? 8 : p.type() == QmpType.UINT32 ? 32 : 64;
                if (b.bitLength() > bits) throw QmpError.generic("Parameter '" + name + "' expects " + p.type().typeName() + "_t");
                yield QmpJson.NODES.numberNode(b.longValue());
            }
            case SIZE -> {
                long s = parseSize(value, 1, () -> QmpError.generic("Parameter '" + name + "' expects a non-negative number below 2^64\n"
                        + "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively."));
                yield uint64(s);
            }
            case BANDWIDTH -> uint64(parseSize(value, 1L << 20, () -> QmpError.generic("Invalid size " + value)));
            case MAPPING -> throw QmpError.generic("The block-bitmap-mapping parameter can only be set through QMP");
        };
        ObjectNode args = QmpJson.NODES.objectNode();
        args.set(name, v);
        setParameters(args);
    }

    /** A size with an optional k/M/G/T/P/E (or B) suffix; a bare number is in {@code unit}. */
    static long parseSize(String v, long unit, java.util.function.Supplier<QmpError> error) {
        if (v.isEmpty()) throw error.get();
        char last = v.charAt(v.length() - 1);
        int shift = switch (Character.toLowerCase(last)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            case 'p' -> 50;
            case 'e' -> 60;
            case 'b' -> 0;
            default -> -1;
        };
        String digits = shift < 0 ? v : v.substring(0, v.length() - 1);
        BigInteger n;
        try {
            n = new BigInteger(digits);
        } catch (NumberFormatException e) {
            throw error.get();
        }
        n = shift < 0 ? n.multiply(BigInteger.valueOf(unit)) : n.shiftLeft(shift);
        if (n.signum() < 0 || n.bitLength() > 64) throw error.get();
        return n.longValue();
    }
}
