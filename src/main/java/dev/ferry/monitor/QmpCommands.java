package dev.ferry.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The QMP command registry: the commands every QMP monitor of the process knows, in
 * registration order (which {@code query-commands} lists). Later work adds its commands with
 * {@link #register}. Thread-safe.
 */
public final class QmpCommands {
    private final Map<String, QmpCommand> commands = new LinkedHashMap<>();

    /** Adds a command; a name registered twice is a programming error. */
    public synchronized void register(QmpCommand c) {
        if (commands.putIfAbsent(c.name(), c) != null) throw new IllegalArgumentException("QMP command registered twice: " + c.name());
    }

    /** Replaces or adds a command (e.g. a richer implementation of a built-in). */
    public synchronized void replace(QmpCommand c) {
        commands.put(c.name(), c);
    }

    public synchronized QmpCommand lookup(String name) {
        return commands.get(name);
    }

    public synchronized List<QmpCommand> all() {
        return new ArrayList<>(commands.values());
    }
}
