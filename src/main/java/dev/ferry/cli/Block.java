package dev.ferry.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

/** Parsing of {@code -drive} and {@code -blockdev}. */
final class Block {
    private Block() {}

    /** Image formats QEMU knows (Ferry implements raw and qcow2; the others parse and are then refused). */
    static final Set<String> FORMATS = Set.of("raw", "qcow2", "qcow", "vmdk", "vdi", "vpc", "vhdx", "qed", "luks",
            "parallels", "bochs", "cloop", "dmg", "vvfat");
    /** Protocol and filter drivers QEMU knows. */
    static final Set<String> PROTOCOLS = Set.of("file", "host_device", "host_cdrom", "nbd", "null-co", "null-aio",
            "nvme", "http", "https", "ftp", "ftps", "ssh", "iscsi", "throttle", "copy-on-read", "blkdebug",
            "blkverify", "blklogwrites", "compress", "preallocate", "quorum", "replication", "snapshot-access");

    static final Set<String> DRIVE_KEYS = Set.of("file", "if", "bus", "unit", "index", "media", "snapshot", "cache",
            "aio", "format", "rerror", "werror", "copy-on-read", "readonly", "read-only", "id", "node-name",
            "discard", "detect-zeroes", "auto-read-only", "force-share");
    /** Options of the raw and qcow2 formats that may be given on {@code -drive} without a prefix. */
    static final Set<String> FORMAT_OPTIONS = Set.of("offset", "size", "lazy-refcounts", "pass-discard-request",
            "pass-discard-snapshot", "pass-discard-other", "discard-no-unref", "overlap-check", "cache-size",
            "l2-cache-size", "l2-cache-entry-size", "refcount-cache-size", "cache-clean-interval", "backing",
            "data-file", "data-file-raw", "encrypt.format", "encrypt.key-secret");

    /** A {@code -drive} as given, before ids and units are assigned. */
    record DriveDecl(String location, Optional<String> id, Optional<String> file, Optional<String> format,
                     String iface, OptionalInt index, OptionalInt bus, OptionalInt unit, Drive.Media media,
                     Optional<String> nodeName, boolean readOnly, Drive.CacheMode cache, Optional<Boolean> snapshot,
                     Map<String, String> options) {}

    static DriveDecl parseDrive(String location, String arg, Consumer<String> warnings) {
        var kv = KeyValues.parse(arg, null, KeyValues.Flags.BOOLEAN_WARN, warnings);
        Optional<String> id = kv.get("id");
        id.ifPresent(Chardevs::checkId);
        Optional<String> file = kv.get("file");
        Optional<String> format = kv.get("format");
        format.ifPresent(f -> {
            if (!FORMATS.contains(f) && !PROTOCOLS.contains(f)) throw CliError.plain("Unknown driver '" + f + "'");
        });
        String iface = kv.get("if", "default");
        if (!Set.of("default", "none", "ide", "scsi", "floppy", "pflash", "mtd", "sd", "virtio", "xen").contains(iface))
            throw CliError.plain("unsupported bus type '" + iface + "'");
        OptionalInt index = intOpt(kv, "index"), bus = intOpt(kv, "bus"), unit = intOpt(kv, "unit");
        if (index.isPresent() && (bus.orElse(0) != 0 || unit.isPresent()))
            throw CliError.plain("index cannot be used with bus and unit");
        Drive.Media media = switch (kv.get("media", "disk")) {
            case "disk" -> Drive.Media.DISK;
            case "cdrom" -> Drive.Media.CDROM;
            default -> throw CliError.plain("'" + kv.get("media").get() + "' invalid media");
        };
        if (kv.has("readonly") && kv.has("read-only"))
            throw CliError.plain("'read-only' and its alias 'readonly' can't be used at the same time");
        boolean readOnly = kv.get("readonly").or(() -> kv.get("read-only"))
                .map(v -> KeyValues.parseBool("read-only", v)).orElse(media == Drive.Media.CDROM);
        var cache = kv.get("cache").map(c -> Drive.CacheMode.of(c)
                .orElseThrow(() -> CliError.plain("invalid cache option"))).orElse(Drive.CacheMode.WRITEBACK);
        Optional<Boolean> snapshot = kv.bool("snapshot");
        Optional<String> nodeName = kv.get("node-name");
        nodeName.ifPresent(Block::checkNodeName);
        var options = new LinkedHashMap<String, String>();
        kv.get("aio").ifPresent(a -> {
            if (!Set.of("threads", "native", "io_uring").contains(a)) throw CliError.plain("invalid aio option");
            options.put("aio", a);
        });
        kv.get("rerror").ifPresent(a -> {
            if (!Set.of("ignore", "stop", "report").contains(a)) throw CliError.plain("'" + a + "' invalid read error action");
            options.put("rerror", a);
        });
        kv.get("werror").ifPresent(a -> {
            if (!Set.of("ignore", "stop", "report", "enospc").contains(a))
                throw CliError.plain("'" + a + "' invalid write error action");
            options.put("werror", a);
        });
        kv.get("discard").ifPresent(a -> {
            if (!Set.of("ignore", "off", "unmap", "on").contains(a)) throw CliError.plain("Invalid discard option");
            options.put("discard", a);
        });
        kv.get("detect-zeroes").ifPresent(a -> {
            if (!Set.of("on", "off", "unmap").contains(a))
                throw CliError.plain("Parameter 'detect-zeroes' does not accept value '" + a + "'");
            options.put("detect-zeroes", a);
        });
        for (String b : List.of("copy-on-read", "auto-read-only", "force-share"))
            kv.bool(b).ifPresent(v -> options.put(b, v ? "on" : "off"));
        // everything else goes to the block layer: dotted keys (file.locking=off, cache.direct=on) and format options
        var rest = kv.unusedMap();
        for (var e : rest.entrySet()) {
            String k = e.getKey();
            if (!k.contains(".") && !FORMAT_OPTIONS.contains(k)) {
                if (file.isEmpty() && format.isEmpty()) throw CliError.plain("Must specify either driver or file");
                throw CliError.plain(format.map(f -> "Block format '" + f + "'").orElse("Block protocol 'file'")
                        + " does not support the option '" + k + "'");
            }
            if (Set.of("cache.direct", "cache.no-flush", "cache.writeback").contains(k)) KeyValues.parseBool(k, e.getValue());
            options.put(k, e.getValue());
        }
        if (file.isEmpty() && format.isEmpty() && !options.isEmpty() && options.keySet().stream().anyMatch(k -> k.contains(".")))
            throw CliError.plain("Must specify either driver or file");
        return new DriveDecl(location, id, file, format, iface, index, bus, unit, media, nodeName, readOnly, cache,
                snapshot, options);
    }

    private static OptionalInt intOpt(KeyValues kv, String key) {
        var v = kv.get(key);
        if (v.isEmpty()) return OptionalInt.empty();
        try {
            int n = Integer.parseInt(v.get());
            if (n < 0) throw new NumberFormatException();
            return OptionalInt.of(n);
        } catch (NumberFormatException e) {
            throw CliError.plain("Parameter '" + key + "' expects a number");
        }
    }

    static void checkNodeName(String n) {
        if (!Chardevs.isIdentifier(n)) throw CliError.plain("Invalid node-name: '" + n + "'");
        if (n.length() > 31) throw CliError.plain("Node name too long");
    }

    // ---------------------------------------------------------------- -blockdev

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code -blockdev}: the dotted form or the JSON form; node references are checked later. */
    static Blockdev parseBlockdev(String arg) {
        Map<String, Object> tree = arg.startsWith("{") ? jsonObject(arg) : dotted(arg, "driver");
        Object driver = tree.remove("driver");
        if (driver == null) throw CliError.plain("Parameter 'driver' is missing");
        if (!(driver instanceof String d) || !(FORMATS.contains(d) || PROTOCOLS.contains(d)))
            throw CliError.plain("Parameter 'driver' does not accept value '" + driver + "'");
        Object nodeName = tree.remove("node-name");
        checkNode(d, tree, "");
        if (nodeName == null) throw CliError.plain("'node-name' must be specified for the root node");
        if (!(nodeName instanceof String nn)) throw CliError.plain("Invalid parameter type for 'node-name', expected: string");
        checkNodeName(nn);
        return new Blockdev(d, nn, tree);
    }

    @SuppressWarnings("unchecked")
    private static void checkNode(String driver, Map<String, Object> node, String prefix) {
        for (String b : List.of("read-only", "auto-read-only", "force-share"))
            if (node.get(b) instanceof String v) KeyValues.parseBool(b, v);
        if (node.get("cache") instanceof Map<?, ?> cache)
            for (String b : List.of("direct", "no-flush"))
                if (cache.get(b) instanceof String v) KeyValues.parseBool("cache." + b, v);
        if (FORMATS.contains(driver) && !driver.equals("vvfat")) {
            Object file = node.get("file");
            if (file == null) throw CliError.plain("Parameter '" + prefix + "file' is missing");
            if (file instanceof Map<?, ?> child) checkChild((Map<String, Object>) child, prefix + "file.");
        }
        if (Set.of("file", "host_device", "host_cdrom").contains(driver) && !node.containsKey("filename"))
            throw CliError.plain("Parameter '" + prefix + "filename' is missing");
        if (node.get("backing") instanceof Map<?, ?> child) checkChild((Map<String, Object>) child, prefix + "backing.");
    }

    private static void checkChild(Map<String, Object> child, String prefix) {
        Object d = child.get("driver");
        if (d == null) throw CliError.plain("Parameter '" + prefix + "driver' is missing");
        if (!(d instanceof String ds) || !(FORMATS.contains(ds) || PROTOCOLS.contains(ds)))
            throw CliError.plain("Parameter '" + prefix + "driver' does not accept value '" + d + "'");
        if (child.get("node-name") instanceof String nn) checkNodeName(nn);
        checkNode(ds, child, prefix);
    }

    /** Node names defined anywhere in a blockdev tree (the root's and inline children's). */
    @SuppressWarnings("unchecked")
    static List<String> nodeNames(Blockdev b) {
        var out = new ArrayList<String>();
        out.add(b.nodeName());
        collect(b.options(), out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void collect(Map<String, Object> node, List<String> out) {
        for (var v : node.values()) {
            if (v instanceof Map<?, ?> child) {
                var m = (Map<String, Object>) child;
                if (m.containsKey("driver") && m.get("node-name") instanceof String nn) out.add(nn);
                collect(m, out);
            }
        }
    }

    /** References to other nodes ({@code file=NODE}, {@code backing=NODE}) anywhere in a tree. */
    @SuppressWarnings("unchecked")
    static List<String> references(Map<String, Object> node) {
        var out = new ArrayList<String>();
        for (String k : List.of("file", "backing", "data-file"))
            if (node.get(k) instanceof String s && !(k.equals("backing") && s.isEmpty())) out.add(s);
        for (var v : node.values()) if (v instanceof Map<?, ?> child) out.addAll(references((Map<String, Object>) child));
        return out;
    }

    /** A keyval group with dotted keys as a tree (strict: no bare words). */
    static Map<String, Object> dotted(String arg, String impliedKey) {
        var kv = KeyValues.parse(arg, impliedKey, KeyValues.Flags.REJECT, null);
        var root = new LinkedHashMap<String, Object>();
        for (var e : kv.entries()) put(root, e.key(), e.value(), "");
        return root;
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> node, String key, String value, String path) {
        int dot = key.indexOf('.');
        String head = dot < 0 ? key : key.substring(0, dot);
        String here = path.isEmpty() ? head : path + "." + head;
        if (dot < 0) {
            if (node.get(head) instanceof Map) throw CliError.plain("Parameters '" + here + ".*' used inconsistently");
            node.put(head, value);
            return;
        }
        Object child = node.get(head);
        if (child == null) {
            child = new LinkedHashMap<String, Object>();
            node.put(head, child);
        } else if (!(child instanceof Map)) {
            throw CliError.plain("Parameters '" + here + ".*' used inconsistently");
        }
        put((Map<String, Object>) child, key.substring(dot + 1), value, here);
    }

    /** A JSON object as a tree of strings, maps and lists. */
    static Map<String, Object> jsonObject(String arg) {
        JsonNode node;
        try {
            node = JSON.readTree(arg);
        } catch (JacksonException e) {
            String m = e.getOriginalMessage();
            if (m != null && m.startsWith("Unexpected end-of-input")) m = "premature EOI";
            throw CliError.plain("JSON parse error, " + m);
        }
        if (node == null || !node.isObject()) throw CliError.plain("JSON parse error, expected an object");
        @SuppressWarnings("unchecked")
        var m = (Map<String, Object>) fromJson(node);
        return m;
    }

    private static Object fromJson(JsonNode n) {
        if (n.isObject()) {
            var m = new LinkedHashMap<String, Object>();
            n.properties().forEach(e -> m.put(e.getKey(), fromJson(e.getValue())));
            return m;
        }
        if (n.isArray()) {
            var l = new ArrayList<Object>();
            n.forEach(x -> l.add(fromJson(x)));
            return l;
        }
        if (n.isBoolean()) return n.booleanValue() ? "on" : "off";
        return n.asText();
    }
}
