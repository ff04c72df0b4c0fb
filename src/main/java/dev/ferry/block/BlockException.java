package dev.ferry.block;

import java.io.IOException;

/**
 * A block-layer failure with a message meant for the user (QEMU's wording where QEMU has one).
 * Subclasses tell a corrupt image, an unsupported one and a lock conflict apart.
 */
public class BlockException extends IOException {
    private static final long serialVersionUID = 1L;

    public BlockException(String message) {
        super(message);
    }

    public BlockException(String message, Throwable cause) {
        super(message, cause);
    }
}
