package dev.ferry.chardev;

/**
 * The device side of a character backend (a UART, the monitor): where input goes.
 *
 * <p>Flow control works as QEMU's chardev layer does: a backend asks {@link #canReceive()} how
 * many bytes the frontend takes now and never hands it more; when the frontend has room again it
 * calls {@link CharBackend#acceptInput()} so that a waiting backend resumes. No input is dropped.
 *
 * <p>Backends call these methods from their own reader threads, without holding any lock that
 * {@link CharBackend#write} takes; a frontend calls {@link CharBackend#acceptInput()} without
 * holding its own lock.
 */
public interface CharFrontend {
    /** How many bytes {@link #receive} accepts now (0 = hold input back). */
    int canReceive();

    /** Delivers input; {@code len} never exceeds the last {@link #canReceive()} answer. */
    void receive(byte[] buf, int off, int len);

    /** A client connected to a socket backend (QEMU's CHR_EVENT_OPENED): monitors greet it. */
    default void opened() {
    }

    /** The client went away (CHR_EVENT_CLOSED). */
    default void closed() {
    }

    /** A break condition on the line (the mux's Ctrl-A b). */
    default void receiveBreak() {
    }
}
