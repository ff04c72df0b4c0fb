package dev.ferry.cli;

/**
 * {@code -smp}, with the topology completed as QEMU 7.2 completes it (cores preferred over sockets).
 * Invariant: {@code sockets * cores * threads == maxCpus >= cpus >= 1}.
 */
public record SmpConfig(int cpus, int sockets, int cores, int threads, int maxCpus) {
    public static final SmpConfig ONE = new SmpConfig(1, 1, 1, 1, 1);
}
