package dev.ferry.migration;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * QEMU's return path: after the source sends the OPEN_RETURN_PATH command, the destination
 * answers on the same connection with messages {@code be16 type, be16 length, data}. SHUT ends
 * it (be32 0 = loaded and running, non-zero = failed). Ferry adds one message type, ERROR_TEXT,
 * sent before a failing SHUT so that the source can report the destination's reason.
 */
public final class ReturnPath {
    private ReturnPath() {}

    public static final int CMD_OPEN_RETURN_PATH = 1;
    public static final int MSG_SHUT = 1, MSG_PONG = 2;
    /** Ferry's own: UTF-8 text of the destination's error (not a QEMU message type). */
    public static final int MSG_FERRY_ERROR_TEXT = 0x4645;

    /** Writes the OPEN_RETURN_PATH command into the stream (QEMU_VM_COMMAND, be16 cmd, be16 len 0). */
    public static void writeOpenCommand(MigrationOutput out) throws dev.ferry.migration.vmstate.VMStateException {
        out.putByte(MigrationStream.COMMAND);
        out.putBe16(CMD_OPEN_RETURN_PATH);
        out.putBe16(0);
    }

    /** The destination's side. */
    public static final class Sender {
        private final DataOutputStream out;

        public Sender(OutputStream out) {
            this.out = new DataOutputStream(out);
        }

        public synchronized void shut(boolean failed, String reason) throws IOException {
            if (failed && reason != null) {
                byte[] t = reason.getBytes(StandardCharsets.UTF_8);
                int n = Math.min(t.length, 60000);
                out.writeShort(MSG_FERRY_ERROR_TEXT);
                out.writeShort(n);
                out.write(t, 0, n);
            }
            out.writeShort(MSG_SHUT);
            out.writeShort(4);
            out.writeInt(failed ? 1 : 0);
            out.flush();
        }
    }

    /**
     * The destination, after reporting a failure: reads and drops what the source still sends
     * until it hangs up or the time is over, so that closing does not reset the connection
     * under the reply.
     */
    public static void drain(InputStream in, long timeoutMillis) {
        Thread t = Thread.ofVirtual().start(() -> {
            byte[] sink = new byte[64 << 10];
            try {
                while (in.read(sink) >= 0) {
                    // dropped
                }
            } catch (IOException e) {
                // the source hung up
            }
        });
        try {
            t.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the source learns when the destination closes the return path. */
    public record Shut(boolean failed, String reason) {}

    /**
     * The source's side: listens to the return path for the whole migration (as QEMU's return
     * path thread does), so that a destination that fails while the source is still sending is
     * heard at once, not only when the source runs into a broken pipe.
     */
    public static final class Listener {
        private final java.util.concurrent.CompletableFuture<Shut> verdict = new java.util.concurrent.CompletableFuture<>();

        public Listener(InputStream in) {
            Thread.ofVirtual().name("migration-return-path").start(() -> verdict.complete(awaitShut(in)));
        }

        /** The destination's failure, once it said so; null while it has not (or it succeeded). */
        public String failure() {
            Shut s = verdict.getNow(null);
            return s != null && s.failed() ? s.reason() : null;
        }

        /** Waits for the destination's verdict. */
        public Shut await() throws InterruptedException {
            try {
                return verdict.get();
            } catch (java.util.concurrent.ExecutionException e) {
                return new Shut(true, String.valueOf(e.getCause()));
            }
        }

        /**
         * After the stream broke while sending: the destination may have said why before
         * hanging up. Waits briefly for that; null when it gave no reason of its own.
         */
        public String reasonAfterFailure(long timeoutMillis) {
            try {
                Shut s = verdict.get(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
                return s.failed() && !s.reason().startsWith("the destination closed the connection") ? s.reason() : null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return null;
            }
        }
    }

    /** Reads messages until SHUT; an early end of the connection counts as a failure. */
    public static Shut awaitShut(InputStream in) {
        DataInputStream d = new DataInputStream(in);
        String reason = null;
        try {
            while (true) {
                int type = d.readUnsignedShort();
                int len = d.readUnsignedShort();
                byte[] data = new byte[len];
                d.readFully(data);
                switch (type) {
                    case MSG_SHUT -> {
                        int code = len >= 4 ? ((data[0] & 0xff) << 24) | ((data[1] & 0xff) << 16) | ((data[2] & 0xff) << 8) | (data[3] & 0xff) : 1;
                        return new Shut(code != 0, code != 0 ? (reason != null ? reason : "the destination failed to load the migration stream") : null);
                    }
                    case MSG_FERRY_ERROR_TEXT -> reason = new String(data, StandardCharsets.UTF_8);
                    case MSG_PONG -> { }
                    default -> {
                        return new Shut(true, "Received invalid message 0x" + Integer.toHexString(type) + " length 0x"
                                + Integer.toHexString(len) + " on the return path");
                    }
                }
            }
        } catch (IOException e) {
            return new Shut(true, "the destination closed the connection before it finished loading (" + e.getMessage() + ")");
        }
    }
}
