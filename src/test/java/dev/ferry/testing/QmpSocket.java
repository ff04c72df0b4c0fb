package dev.ferry.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.os.UnixSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A QMP client on Ferry's own FFM sockets, so that a request can carry descriptors
 * (SCM_RIGHTS, as getfd wants them). Events are skipped: a request returns its reply.
 */
public final class QmpSocket implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final UnixSocket s;
    private final StringBuilder pending = new StringBuilder();

    /** Connects (waiting up to a minute for the process to listen), checks the greeting and negotiates capabilities. */
    public QmpSocket(Path sock) throws Exception {
        s = HmpSocket.retry(sock, () -> UnixSocket.connect(sock));
        assertTrue(line().startsWith("{\"QMP\""));
        assertEquals("{\"return\": {}}", command("{\"execute\": \"qmp_capabilities\"}"));
    }

    private String line() throws IOException {
        byte[] buf = new byte[4096];
        while (pending.indexOf("\r\n") < 0) {
            int n = s.read(buf, 0, buf.length);
            if (n < 0) throw new IOException("the monitor went away");
            pending.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        int nl = pending.indexOf("\r\n");
        String l = pending.substring(0, nl);
        pending.delete(0, nl + 2);
        return l;
    }

    /** Sends a request with {@code fds} and returns its reply line. */
    public String command(String json, int... fds) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        s.send(b, 0, b.length, fds);
        String l;
        do {
            l = line();
        } while (l.startsWith("{\"timestamp\""));
        return l;
    }

    /** The reply's {@code return} member, asserting there is one. */
    public JsonNode ret(String json) throws IOException {
        JsonNode r = JSON.readTree(command(json));
        assertTrue(r.has("return"), r.toString());
        return r.get("return");
    }

    @Override
    public void close() {
        s.close();
    }
}
