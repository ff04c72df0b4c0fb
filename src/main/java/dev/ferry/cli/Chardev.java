package dev.ferry.cli;

import java.util.Optional;

/**
 * A character backend ({@code -chardev}, or made from a {@code -serial}/{@code -monitor}/{@code -qmp}
 * shorthand or from {@code -nographic}).
 *
 * @param id        unique; QEMU's names for the ones it makes: {@code serial0}, {@code compat_monitor0}
 * @param backend   where the bytes go
 * @param mux       {@code mux=on}: several front ends share it (serial and monitor, switched with Ctrl-a c)
 * @param logfile   {@code logfile=}: a copy of all output
 * @param logAppend {@code logappend=on}
 */
public record Chardev(String id, ChardevBackend backend, boolean mux, Optional<String> logfile, boolean logAppend) {
    public Chardev(String id, ChardevBackend backend, boolean mux) {
        this(id, backend, mux, Optional.empty(), false);
    }

    public ChardevBackend.Kind kind() { return backend.kind(); }
}
