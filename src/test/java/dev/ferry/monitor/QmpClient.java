package dev.ferry.monitor;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A raw QMP client over a Unix socket, as a test drives a monitor: sends bytes, reads
 * "\r\n"-ended lines, keeps events apart from replies (events may come before or after the
 * reply of the command that caused them).
 */
final class QmpClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SocketChannel ch;
    private final StringBuilder pending = new StringBuilder();
    private final Deque<String> events = new ArrayDeque<>();
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);

    QmpClient(Path socket) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ch.configureBlocking(false);
    }

    void sendRaw(String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    void sendBytes(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) ch.write(b);
    }

    /** The next line, raw (without "\r\n"), or null on timeout or end of stream. */
    String readLine(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            int nl = pending.indexOf("\r\n");
            if (nl >= 0) {
                String line = pending.substring(0, nl);
                pending.delete(0, nl + 2);
                return line;
            }
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) return null;
            if (n > 0) {
                pending.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
                continue;
            }
            if (System.nanoTime() > deadline) return null;
            Thread.sleep(2);
        }
    }

    /** The next line that is not an event (events are kept for {@link #event}). */
    String reply() throws Exception {
        while (true) {
            String l = readLine(5000);
            assertNotNull(l, "no reply from the monitor");
            if (l.startsWith("{\"timestamp\"")) events.add(l);
            else return l;
        }
    }

    /** Sends a request line and returns the reply line. */
    String command(String json) throws Exception {
        sendRaw(json + "\n");
        return reply();
    }

    /** The next event named {@code name} (waiting for it), as its raw line. */
    String event(String name, long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            for (String e : events) {
                if (JSON.readTree(e).path("event").asText().equals(name)) {
                    events.remove(e);
                    return e;
                }
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) return null;
            String l = readLine(Math.min(left, 50));
            if (l != null) events.add(l);
        }
    }

    /** The oldest event not yet taken (waiting up to {@code timeoutMillis} for one), or null. */
    String nextEvent(long timeoutMillis) throws Exception {
        if (!events.isEmpty()) return events.removeFirst();
        String l = readLine(timeoutMillis);
        return l;
    }

    /** Events received and not yet taken. */
    List<String> drainEvents() throws Exception {
        String l;
        while ((l = readLine(100)) != null) events.add(l);
        List<String> out = new ArrayList<>(events);
        events.clear();
        return out;
    }

    static JsonNode parse(String line) throws IOException {
        return JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
