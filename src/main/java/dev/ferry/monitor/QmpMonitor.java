package dev.ferry.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import dev.ferry.chardev.SocketServerBackend;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A QMP monitor (QEMU's monitor in mode=control) on a character backend, speaking QEMU's
 * protocol: the greeting to each client, capabilities negotiation, requests
 * {@code {"execute": NAME, "arguments": {...}, "id": ID}} answered in order with
 * {@code {"return": ..., "id": ID}} or {@code {"id": ID, "error": {"class": ..., "desc": ...}}},
 * and events once negotiated. Bad input (malformed JSON, a non-object, unknown members or
 * commands, bad arguments) gets QEMU's error reply; the connection and the guest carry on.
 *
 * <p>Input is parsed on the backend's reader thread; requests run one at a time on the
 * monitor's own thread (at most {@value #QUEUE_MAX} wait, then input is held back). With the
 * "oob" capability enabled, {@code exec-oob} requests for commands that allow it run at once on
 * the reader thread.
 */
public final class QmpMonitor implements CharFrontend, AutoCloseable {
    static final int QUEUE_MAX = 8;

    /** One client's connection: negotiation state. */
    private static final class Session {
        volatile boolean negotiated;
        volatile boolean oob;
    }

    private record Request(Session session, QmpJson.Item item) {
    }

    private record Reply(ObjectNode json, List<Runnable> after) {
    }

    private record Executed(JsonNode result, List<Runnable> after) {
    }

    private final Monitors monitors;
    private final CharBackend out;
    private final boolean oobOffered;
    private final Object inLock = new Object();
    private final Object outLock = new Object();
    private final QmpJson.Streamer streamer = new QmpJson.Streamer();
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final ConnectionWatch watch;
    private final SocketServerBackend socket;
    private final MonitorFds fds = new MonitorFds();
    private final Thread worker;
    private final Consumer<ObjectNode> eventSink = this::event;
    private volatile Session session = new Session();
    private volatile boolean connected;
    private volatile boolean closed;

    QmpMonitor(Monitors monitors, CharBackend backend, CharBackend transport, boolean oobOffered) {
        this.monitors = monitors;
        this.out = backend;
        this.oobOffered = oobOffered;
        this.socket = transport instanceof SocketServerBackend s ? s : null;
        this.watch = new ConnectionWatch(backend, transport, this::connectionOpened, this::connectionClosed);
        worker = Thread.ofPlatform().daemon().name("ferry-qmp").unstarted(this::workLoop);
        monitors.events().subscribe(eventSink);
        backend.attach(this);
        worker.start();
        watch.start("ferry-qmp-watch");
    }

    /** A client connected: a fresh session, and the greeting. */
    public void connectionOpened() {
        synchronized (inLock) {
            streamer.reset();
        }
        queue.clear();
        session = new Session();
        connected = true;
        send(greeting());
    }

    /** The client left: what it had sent and negotiated is forgotten. */
    public void connectionClosed() {
        connected = false;
        session = new Session();
        queue.clear();
        synchronized (inLock) {
            streamer.reset();
        }
        out.acceptInput();
    }

    private ObjectNode greeting() {
        ObjectNode g = QmpJson.NODES.objectNode();
        ObjectNode q = g.putObject("QMP");
        q.set("version", QmpBuiltins.version());
        ArrayNode caps = q.putArray("capabilities");
        if (oobOffered) caps.add("oob");
        return g;
    }

    // ------------------------------------------------------------------ input

    /** The backend's client connected (CharFrontend's OPENED event). */
    @Override
    public void opened() {
        watch.event(true);
    }

    /** The backend's client left. */
    @Override
    public void closed() {
        watch.event(false);
    }

    @Override
    public int canReceive() {
        return queue.size() < QUEUE_MAX ? 4096 : 0;
    }

    @Override
    public void receive(byte[] buf, int off, int len) {
        if (!connected) watch.check(); // input may beat the poll: greet first
        List<QmpJson.Item> items;
        synchronized (inLock) {
            items = streamer.feed(buf, off, len);
        }
        Session s = session;
        for (QmpJson.Item item : items) {
            if (s.oob && !item.isError() && item.value().isObject() && item.value().has("exec-oob")) {
                Reply r = dispatch(s, item);
                finish(s, r);
            } else {
                queue.add(new Request(s, item));
            }
        }
    }

    private void workLoop() {
        while (!closed) {
            Request r;
            try {
                r = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            out.acceptInput();
            if (r.session != session) continue;
            Reply reply = dispatch(r.session, r.item);
            finish(r.session, reply);
        }
    }

    private void finish(Session s, Reply r) {
        if (s == session && connected) send(r.json);
        for (Runnable a : r.after) a.run();
    }

    // ------------------------------------------------------------------ dispatch

    private static ObjectNode error(JsonNode id, QmpError e) {
        ObjectNode o = QmpJson.NODES.objectNode();
        if (id != null) o.set("id", id);
        ObjectNode err = o.putObject("error");
        err.put("class", e.errorClass().qmpName);
        err.put("desc", e.desc());
        return o;
    }

    private Reply dispatch(Session s, QmpJson.Item item) {
        if (item.isError()) return new Reply(error(null, QmpError.generic(item.error())), List.of());
        if (!item.value().isObject()) return new Reply(error(null, QmpError.generic("QMP input must be a JSON object")), List.of());
        ObjectNode req = (ObjectNode) item.value();
        JsonNode id = req.get("id");
        try {
            Executed x = execute(s, req);
            ObjectNode o = QmpJson.NODES.objectNode();
            o.set("return", x.result());
            if (id != null) o.set("id", id);
            return new Reply(o, x.after());
        } catch (QmpError e) {
            return new Reply(error(id, e), List.of());
        } catch (RuntimeException e) {
            return new Reply(error(id, QmpError.generic("internal error: " + e)), List.of());
        }
    }

    /** Checks the request and runs it. */
    private Executed execute(Session s, ObjectNode req) {
        boolean hasExec = false, hasOob = false;
        Iterator<String> keys = req.fieldNames();
        while (keys.hasNext()) {
            String k = keys.next();
            JsonNode v = req.get(k);
            switch (k) {
                case "execute" -> {
                    if (!v.isTextual()) throw QmpError.generic("QMP input member 'execute' must be a string");
                    hasExec = true;
                }
                case "exec-oob" -> {
                    if (!s.oob) throw QmpError.generic("QMP input member 'exec-oob' is unexpected");
                    if (!v.isTextual()) throw QmpError.generic("QMP input member 'exec-oob' must be a string");
                    hasOob = true;
                }
                case "arguments" -> {
                    if (!v.isObject()) throw QmpError.generic("QMP input member 'arguments' must be an object");
                }
                case "id" -> {
                }
                default -> throw QmpError.generic("QMP input member '" + k + "' is unexpected");
            }
        }
        if (hasExec && hasOob) throw QmpError.generic("QMP input member 'execute' clashes with 'exec-oob'");
        if (!hasExec && !hasOob) throw QmpError.generic("QMP input lacks member 'execute'");
        String name = req.get(hasExec ? "execute" : "exec-oob").textValue();
        ObjectNode args = req.has("arguments") ? (ObjectNode) req.get("arguments") : QmpJson.NODES.objectNode();
        if (!s.negotiated) {
            if (!name.equals("qmp_capabilities")) throw QmpError.commandNotFound("Expecting capabilities negotiation with 'qmp_capabilities'");
            negotiate(s, args);
            return new Executed(QmpCommand.empty(), List.of());
        }
        QmpCommand cmd = monitors.qmpCommands().lookup(name);
        if (cmd == null) throw QmpError.commandNotFound("The command " + name + " has not been found");
        if (hasOob && !cmd.allowOob()) throw QmpError.generic("The command " + name + " does not support OOB");
        ObjectNode checked = cmd.arguments().checkMembers(args, "");
        QmpCall call = new QmpCall(monitors, this, checked);
        JsonNode r = cmd.handler().handle(call);
        return new Executed(r == null ? QmpCommand.empty() : r, call.afterReplyActions());
    }

    private void negotiate(Session s, ObjectNode args) {
        QmpCommand cap = monitors.qmpCommands().lookup("qmp_capabilities");
        ObjectNode checked = cap.arguments().checkMembers(args, "");
        boolean oob = false;
        JsonNode enable = checked.get("enable");
        if (enable != null) {
            for (JsonNode c : enable) {
                if (c.textValue().equals("oob")) {
                    if (!oobOffered) throw QmpError.generic("Capability 'oob' not available");
                    oob = true;
                }
            }
        }
        s.oob = oob;
        s.negotiated = true;
    }

    // ------------------------------------------------------------------ output

    private void event(ObjectNode e) {
        Session s = session;
        if (connected && s.negotiated) send(e);
    }

    /** Writes one JSON value and QEMU's line end. */
    void send(JsonNode v) {
        String line = QmpJson.write(v) + "\r\n";
        synchronized (outLock) {
            out.write(line);
        }
    }

    /**
     * The oldest descriptor the client passed with its input (SCM_RIGHTS) not yet claimed, now
     * the caller's; -1 when none came (or the monitor is not on a Unix socket).
     */
    int takeReceivedFd() {
        return socket == null ? -1 : socket.takeReceivedFd();
    }

    /** The descriptors this monitor holds by name (getfd). */
    MonitorFds fds() {
        return fds;
    }

    /** True once the current client has negotiated capabilities. */
    public boolean isNegotiated() {
        return connected && session.negotiated;
    }

    @Override
    public void close() {
        closed = true;
        monitors.events().unsubscribe(eventSink);
        watch.close();
        worker.interrupt();
        out.attach(null);
        fds.close();
    }
}
