package dev.ferry.cli;

import java.util.Optional;

/** A socket address: TCP host and port, a Unix socket path, or an inherited file descriptor. */
public sealed interface SocketAddress {
    /**
     * @param host an address or name; empty means every address (listening) or localhost (connecting)
     * @param to   with a server, try ports {@code port..to} until one is free
     */
    record Inet(String host, int port, Optional<Integer> to, Optional<Boolean> ipv4, Optional<Boolean> ipv6)
            implements SocketAddress {
        public Inet(String host, int port) { this(host, port, Optional.empty(), Optional.empty(), Optional.empty()); }
    }

    record Unix(String path, boolean abstractNamespace, boolean tight) implements SocketAddress {
        public Unix(String path) { this(path, false, true); }
    }

    record Fd(String fd) implements SocketAddress {}
}
