package dev.ferry.cli;

import java.math.BigInteger;
import java.util.Optional;
import java.util.function.Consumer;

/** Parsing of {@code -chardev} options and of the chardev shorthands of {@code -serial}, {@code -monitor}, {@code -qmp}. */
final class Chardevs {
    private Chardevs() {}

    static final String IDENTIFIER_HINT = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.";

    /** QEMU's identifier rule (ids of chardevs, drives, devices, objects). */
    static boolean isIdentifier(String s) {
        if (s.isEmpty() || !Character.isLetter(s.charAt(0)) || s.charAt(0) > 127) return false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 127 || !(Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_')) return false;
        }
        return true;
    }

    static void checkId(String id) {
        if (!isIdentifier(id)) throw CliError.plain("Parameter 'id' expects an identifier", IDENTIFIER_HINT);
    }

    /** {@code -chardev backend,id=ID[,...]}. */
    static Chardev parseOption(String arg, Consumer<String> warnings) {
        var kv = KeyValues.parse(arg, "backend", KeyValues.Flags.BOOLEAN_WARN, warnings);
        String backend = kv.get("backend").orElseThrow(() -> CliError.plain("Parameter 'backend' is missing"));
        var kind = ChardevBackend.Kind.of(backend)
                .orElseThrow(() -> CliError.plain("'" + backend + "' is not a valid char driver name"));
        String id = kv.get("id").orElseThrow(() -> CliError.plain("chardev: no id specified"));
        checkId(id);
        boolean mux = kv.bool("mux", false);
        Optional<String> logfile = kv.get("logfile");
        boolean logAppend = kv.bool("logappend", false);
        ChardevBackend b = backend(kind, kv);
        kv.rejectUnused();
        return new Chardev(id, b, mux, logfile, logAppend);
    }

    /** The backend settings of one kind, read from an option group (keys are marked used). */
    static ChardevBackend backend(ChardevBackend.Kind kind, KeyValues kv) {
        return switch (kind) {
            case NULL -> new ChardevBackend.Null();
            case STDIO -> new ChardevBackend.Stdio(kv.bool("signal", true));
            case FILE -> {
                String path = kv.get("path").orElseThrow(() -> CliError.plain("chardev: file: no filename given"));
                yield new ChardevBackend.File(path, kv.bool("append", false), kv.get("input-path"));
            }
            case PIPE -> new ChardevBackend.Pipe(kv.get("path").orElseThrow(() -> CliError.plain("chardev: pipe: no filename given")));
            case PTY -> new ChardevBackend.Pty();
            case VC -> {
                kv.use("width", "height", "cols", "rows");
                yield new ChardevBackend.Vc();
            }
            case RINGBUF -> {
                long size = kv.get("size").map(s -> Sizes.parse(s, "size", 1, null))
                        .map(BigInteger::longValue).orElse(65536L);
                if (size <= 0 || Long.bitCount(size) != 1)
                    throw CliError.plain("size of ringbuf chardev must be power of two");
                yield new ChardevBackend.Ringbuf(size);
            }
            case SERIAL -> new ChardevBackend.Serial(kv.get("path")
                    .orElseThrow(() -> CliError.plain("chardev: serial/tty: no device path given")));
            case UDP -> {
                String host = kv.get("host", "localhost");
                String port = kv.get("port").orElseThrow(() -> CliError.plain("chardev: udp: remote port not specified"));
                String localAddr = kv.get("localaddr", "");
                String localPort = kv.get("localport", "0");
                kv.use("ipv4", "ipv6");
                yield new ChardevBackend.Udp(host, port(host, port), localAddr, port(localAddr, localPort));
            }
            case SOCKET -> socket(kv);
        };
    }

    private static ChardevBackend.Socket socket(KeyValues kv) {
        boolean server = kv.bool("server", false);
        Optional<Boolean> wait = kv.bool("wait");
        boolean telnet = kv.bool("telnet", false);
        boolean websocket = kv.bool("websocket", false);
        boolean nodelay = kv.bool("nodelay", false);
        int reconnect = kv.number("reconnect", null).map(Long::intValue).orElse(0);
        Optional<String> path = kv.get("path");
        Optional<String> host = kv.get("host");
        Optional<String> port = kv.get("port");
        Optional<String> fd = kv.get("fd");
        SocketAddress address;
        if (path.isPresent()) {
            if (host.isPresent() || port.isPresent())
                throw CliError.plain("'host' and 'port' can't be used with 'path'");
            address = new SocketAddress.Unix(path.get(), kv.bool("abstract", false), kv.bool("tight", true));
        } else if (host.isPresent() || port.isPresent()) {
            if (port.isEmpty()) throw CliError.plain("chardev: socket: no port given");
            String h = host.orElse("");
            address = new SocketAddress.Inet(h, port(h, port.get()),
                    kv.number("to", null).map(Long::intValue), kv.bool("ipv4"), kv.bool("ipv6"));
        } else if (fd.isPresent()) {
            address = new SocketAddress.Fd(fd.get());
        } else {
            throw CliError.plain("Unable to parse FD number");
        }
        if (!server && wait.isPresent())
            throw CliError.plain("'wait' option is incompatible with socket in client connect mode");
        if (server && reconnect > 0)
            throw CliError.plain("'reconnect' option is incompatible with socket in server listen mode");
        return new ChardevBackend.Socket(address, server, server && wait.orElse(true), telnet, websocket, nodelay, reconnect);
    }

    /** A port number (QEMU also takes service names; Ferry takes numbers). */
    static int port(String host, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535) throw new NumberFormatException();
            return p;
        } catch (NumberFormatException e) {
            throw CliError.plain("address resolution failed for " + host + ":" + port + ": Servname not supported for ai_socktype");
        }
    }

    /** What a {@code -serial}/{@code -monitor}/{@code -qmp} shorthand stands for. */
    sealed interface Shorthand {
        /** {@code none}. */
        record None() implements Shorthand {}
        /** {@code chardev:ID}: an existing chardev. */
        record Reference(String id) implements Shorthand {}
        /** A new chardev; {@code monitor}: {@code mon:...}, a monitor shares it (mux). */
        record New(ChardevBackend backend, boolean mux, boolean monitor) implements Shorthand {}
    }

    /**
     * Parses a shorthand: {@code null}, {@code stdio}, {@code pty}, {@code vc}, {@code none},
     * {@code chardev:ID}, {@code mon:DEV}, {@code file:PATH}, {@code pipe:PATH},
     * {@code tcp:[HOST]:PORT[,opts]}, {@code telnet:...}, {@code websocket:...}, {@code unix:PATH[,opts]},
     * {@code udp:[LADDR:LPORT@]HOST:PORT}, {@code /dev/TTY}.
     *
     * @param generic the error for a shorthand that does not parse at all (QEMU's wording differs per option)
     */
    static Shorthand parseShorthand(String spec, String generic) {
        if (spec.equals("none")) return new Shorthand.None();
        if (spec.startsWith("chardev:")) return new Shorthand.Reference(spec.substring("chardev:".length()));
        if (spec.startsWith("mon:")) {
            var inner = parseShorthand(spec.substring(4), generic);
            if (!(inner instanceof Shorthand.New n)) throw CliError.plain(generic);
            return new Shorthand.New(n.backend(), true, true);
        }
        switch (spec) {
            case "null": return fresh(new ChardevBackend.Null());
            case "stdio": return fresh(new ChardevBackend.Stdio(true));
            case "pty": return fresh(new ChardevBackend.Pty());
            case "vc": return fresh(new ChardevBackend.Vc());
            default: break;
        }
        if (spec.startsWith("vc:")) return fresh(new ChardevBackend.Vc());
        if (spec.startsWith("file:")) return fresh(new ChardevBackend.File(spec.substring(5), false, Optional.empty()));
        if (spec.startsWith("pipe:")) return fresh(new ChardevBackend.Pipe(spec.substring(5)));
        if (spec.startsWith("/dev/")) return fresh(new ChardevBackend.Serial(spec));
        for (String proto : new String[] {"tcp:", "telnet:", "websocket:"}) {
            if (!spec.startsWith(proto)) continue;
            String rest = spec.substring(proto.length());
            int comma = rest.indexOf(',');
            String hostPort = comma < 0 ? rest : rest.substring(0, comma);
            String opts = comma < 0 ? "" : rest.substring(comma + 1);
            String[] hp = splitHostPort(hostPort).orElseThrow(() -> CliError.plain(generic));
            var kv = KeyValues.parse(opts, null, KeyValues.Flags.BOOLEAN_QUIET, null);
            var all = new java.util.ArrayList<KeyValues.Entry>();
            all.add(new KeyValues.Entry("host", hp[0]));
            all.add(new KeyValues.Entry("port", hp[1]));
            if (!proto.equals("tcp:")) all.add(new KeyValues.Entry(proto.equals("telnet:") ? "telnet" : "websocket", "on"));
            all.addAll(kv.entries());
            var merged = KeyValues.of(spec, all);
            var b = socket(merged);
            merged.rejectUnused();
            return fresh(b);
        }
        if (spec.startsWith("unix:")) {
            String rest = spec.substring(5);
            int comma = rest.indexOf(',');
            String path = comma < 0 ? rest : rest.substring(0, comma);
            String opts = comma < 0 ? "" : rest.substring(comma + 1);
            var kv = KeyValues.parse(opts, null, KeyValues.Flags.BOOLEAN_QUIET, null);
            var all = new java.util.ArrayList<KeyValues.Entry>();
            if (!path.isEmpty()) all.add(new KeyValues.Entry("path", path));
            all.addAll(kv.entries());
            var merged = KeyValues.of(spec, all);
            var b = socket(merged);
            merged.rejectUnused();
            return fresh(b);
        }
        if (spec.startsWith("udp:")) {
            String rest = spec.substring(4);
            String local = "", localPort = "0";
            int at = rest.indexOf('@');
            if (at >= 0) {
                String[] l = splitHostPort(rest.substring(0, at)).orElseThrow(() -> CliError.plain(generic));
                local = l[0];
                localPort = l[1];
                rest = rest.substring(at + 1);
            }
            String[] r = splitHostPort(rest).orElseThrow(() -> CliError.plain(generic));
            String host = r[0].isEmpty() ? "localhost" : r[0];
            return fresh(new ChardevBackend.Udp(host, port(host, r[1]), local, port(local, localPort)));
        }
        throw CliError.plain("'" + spec + "' is not a valid char driver");
    }

    private static Shorthand fresh(ChardevBackend b) { return new Shorthand.New(b, false, false); }

    /** {@code host:port}, {@code :port}, {@code [v6addr]:port}; empty if there is no port. */
    static Optional<String[]> splitHostPort(String s) {
        String host, port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') return Optional.empty();
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) return Optional.empty();
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        if (port.isEmpty()) return Optional.empty();
        return Optional.of(new String[] {host, port});
    }

    /** {@code -incoming URI}. */
    static Incoming parseIncoming(String uri) {
        if (uri.equals("defer")) return new Incoming.Defer(uri);
        if (uri.startsWith("tcp:")) {
            String rest = uri.substring(4);
            int comma = rest.indexOf(',');
            String hostPort = comma < 0 ? rest : rest.substring(0, comma);
            String[] hp = splitHostPort(hostPort).orElseThrow(() -> CliError.plain("error parsing address '" + rest + "'"));
            int port = port(hp[0], hp[1]);
            var kv = KeyValues.parse(comma < 0 ? "" : rest.substring(comma + 1), null, KeyValues.Flags.BOOLEAN_QUIET, null);
            Optional<Integer> to;
            try {
                to = kv.get("to").map(Integer::parseInt);
            } catch (NumberFormatException e) {
                throw CliError.plain("error parsing to= argument");
            }
            var addr = new SocketAddress.Inet(hp[0], port, to, kv.bool("ipv4"), kv.bool("ipv6"));
            kv.rejectUnused();
            return new Incoming.Tcp(uri, addr);
        }
        if (uri.startsWith("rdma:")) {
            String rest = uri.substring(5);
            int comma = rest.indexOf(',');
            String[] hp = splitHostPort(comma < 0 ? rest : rest.substring(0, comma))
                    .orElseThrow(() -> CliError.plain("error parsing address '" + rest + "'"));
            return new Incoming.Rdma(uri, hp[0], port(hp[0], hp[1]));
        }
        if (uri.startsWith("unix:")) {
            String path = uri.substring(5);
            if (path.isEmpty()) throw CliError.plain("invalid Unix socket address");
            return new Incoming.Unix(uri, path);
        }
        if (uri.startsWith("exec:")) return new Incoming.Exec(uri, uri.substring(5));
        if (uri.startsWith("fd:")) {
            String n = uri.substring(3);
            try {
                int fd = Integer.parseInt(n);
                if (fd < 0) throw new NumberFormatException();
                return new Incoming.Fd(uri, fd);
            } catch (NumberFormatException e) {
                throw CliError.plain("Invalid file descriptor number '" + n + "'");
            }
        }
        if (uri.startsWith("file:")) {
            String rest = uri.substring(5);
            long offset = 0;
            int at = rest.lastIndexOf(",offset=");
            if (at >= 0) {
                String o = rest.substring(at + ",offset=".length());
                rest = rest.substring(0, at);
                try {
                    var v = Sizes.parse(o, "offset", 1, null);
                    if (v.bitLength() > 63) throw CliError.plain("");
                    offset = v.longValue();
                } catch (CliError e) {
                    throw CliError.plain("file URI has bad offset " + o);
                }
            }
            if (rest.isEmpty()) throw CliError.plain("file URI has no file name");
            return new Incoming.File(uri, rest, offset);
        }
        throw CliError.plain("unknown migration protocol: " + uri);
    }
}
