package dev.ferry.block;

/**
 * The image's metadata is inconsistent or points where it must not (past the end of the file,
 * into the header, unaligned, overlapping other metadata...). Never a wrong read instead.
 */
public class CorruptImageException extends BlockException {
    private static final long serialVersionUID = 1L;

    public CorruptImageException(String message) {
        super(message);
    }

    public CorruptImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
