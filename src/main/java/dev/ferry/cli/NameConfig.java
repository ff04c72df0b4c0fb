package dev.ferry.cli;

import java.util.Optional;

/** {@code -name guest[,process=name][,debug-threads=on|off]}. */
public record NameConfig(String guest, Optional<String> process, boolean debugThreads) {}
