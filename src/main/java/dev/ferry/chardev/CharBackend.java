package dev.ferry.chardev;

/**
 * Where a character device's bytes go and come from: the host side of a serial port or monitor
 * ({@code -serial}, {@code -chardev}, {@code -monitor}). All methods are thread-safe.
 */
public interface CharBackend extends AutoCloseable {
    /**
     * Output from the frontend. Never throws on I/O trouble: output nobody can take is
     * discarded, as QEMU does for a disconnected socket.
     */
    void write(byte[] buf, int off, int len);

    default void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    default void write(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(b, 0, b.length);
    }

    /**
     * Connects the frontend that receives input (replacing any previous one; null detaches).
     * Input that arrives while no frontend is attached waits.
     */
    void attach(CharFrontend frontend);

    /** The frontend has room again: a backend holding input back resumes delivery. */
    void acceptInput();

    /** A short description for {@code info chardev}. */
    default String describe() {
        return getClass().getSimpleName();
    }

    /** Stops reader threads, closes files and sockets, restores the terminal. Idempotent. */
    @Override
    void close();
}
