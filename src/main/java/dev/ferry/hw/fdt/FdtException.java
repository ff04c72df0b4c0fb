package dev.ferry.hw.fdt;

/**
 * A flattened device tree blob that cannot be read: truncated, bad magic, an offset or length
 * outside the blob, an unterminated string, unbalanced nodes, too deep a nesting, and so on.
 * The message says what is wrong and, where it applies, at which byte offset.
 */
public final class FdtException extends RuntimeException {
    public FdtException(String message) {
        super(message);
    }

    public FdtException(String message, Throwable cause) {
        super(message, cause);
    }
}
