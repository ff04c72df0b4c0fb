package dev.ferry.monitor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Asynchronous QMP events: {@code {"timestamp": {"seconds": S, "microseconds": U}, "event": NAME,
 * "data": {...}}}, sent to every QMP monitor whose client has negotiated capabilities (as QEMU,
 * events before {@code qmp_capabilities} are not sent). {@link #emit} is the one way to send any
 * event (STOP, RESUME, SHUTDOWN, RESET, POWERDOWN now; MIGRATION, JOB_STATUS_CHANGE... later).
 */
public final class QmpEvents {
    private final List<Consumer<ObjectNode>> listeners = new CopyOnWriteArrayList<>();

    /** Sends an event without data (QEMU leaves "data" out for events that have no members). */
    public void emit(String name) {
        emit(name, null);
    }

    /** Sends an event; {@code data} null leaves "data" out, an empty object sends {@code "data": {}}. */
    public void emit(String name, ObjectNode data) {
        Instant now = Instant.now();
        ObjectNode ts = QmpJson.NODES.objectNode();
        ts.put("seconds", now.getEpochSecond());
        ts.put("microseconds", now.getNano() / 1000);
        ObjectNode e = QmpJson.NODES.objectNode();
        e.set("timestamp", ts);
        e.put("event", name);
        if (data != null) e.set("data", data);
        for (Consumer<ObjectNode> l : listeners) l.accept(e);
    }

    /** Every event from now on goes to {@code l} too (QMP monitors subscribe; tests may). */
    public void subscribe(Consumer<ObjectNode> l) {
        listeners.add(l);
    }

    public void unsubscribe(Consumer<ObjectNode> l) {
        listeners.remove(l);
    }
}
