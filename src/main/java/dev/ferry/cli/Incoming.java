package dev.ferry.cli;

/** {@code -incoming URI}: where an incoming migration stream comes from. */
public sealed interface Incoming {
    /** The URI as given. */
    String uri();

    /** {@code tcp:[host]:port[,to=maxport][,ipv4=on|off][,ipv6=on|off]}: listen. */
    record Tcp(String uri, SocketAddress.Inet address) implements Incoming {}

    /** {@code unix:path}: listen. */
    record Unix(String uri, String path) implements Incoming {}

    /** {@code exec:cmdline}: read the output of a shell command. */
    record Exec(String uri, String command) implements Incoming {}

    /** {@code fd:N}: read an inherited file descriptor. */
    record Fd(String uri, int fd) implements Incoming {}

    /** {@code file:path[,offset=N]}: read a file from an offset. */
    record File(String uri, String path, long offset) implements Incoming {}

    /** {@code rdma:host:port}. */
    record Rdma(String uri, String host, int port) implements Incoming {}

    /** {@code defer}: wait for {@code migrate-incoming} on the monitor. */
    record Defer(String uri) implements Incoming {}
}
