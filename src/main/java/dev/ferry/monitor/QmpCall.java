package dev.ferry.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One command invocation as a handler sees it: the checked arguments, the monitors it runs in,
 * and the QMP session it came from (null when HMP runs a QMP command itself).
 */
public final class QmpCall {
    private final Monitors monitors;
    private final QmpMonitor session;
    private final ObjectNode args;
    private final List<Runnable> afterReply = new ArrayList<>();

    public QmpCall(Monitors monitors, QmpMonitor session, ObjectNode args) {
        this.monitors = monitors;
        this.session = session;
        this.args = args;
    }

    public Monitors monitors() {
        return monitors;
    }

    /** The QMP monitor the request came from, or null. */
    public QmpMonitor session() {
        return session;
    }

    public ObjectNode args() {
        return args;
    }

    public boolean has(String name) {
        return args.has(name);
    }

    public String str(String name) {
        return args.get(name).textValue();
    }

    public String str(String name, String absent) {
        JsonNode v = args.get(name);
        return v == null || v.isNull() ? absent : v.textValue();
    }

    public boolean bool(String name, boolean absent) {
        JsonNode v = args.get(name);
        return v == null ? absent : v.booleanValue();
    }

    /** An integer argument (uint64 values above 2^63-1 come back as their two's-complement long). */
    public long integer(String name) {
        return args.get(name).longValue();
    }

    public long integer(String name, long absent) {
        JsonNode v = args.get(name);
        return v == null ? absent : v.longValue();
    }

    public JsonNode get(String name) {
        return args.get(name);
    }

    /** Runs {@code r} once the reply has been written (e.g. quit ends the process after answering). */
    public void afterReply(Runnable r) {
        afterReply.add(r);
    }

    List<Runnable> afterReplyActions() {
        return afterReply;
    }
}
