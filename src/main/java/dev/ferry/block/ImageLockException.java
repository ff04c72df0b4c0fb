package dev.ferry.block;

/**
 * Another process (QEMU, qemu-img, another Ferry) holds the image in a way that conflicts with
 * the permissions asked for. The message has QEMU's shape: {@code Failed to get "write" lock}
 * then {@code Is another process using the image [path]?}.
 */
public class ImageLockException extends BlockException {
    private static final long serialVersionUID = 1L;

    public ImageLockException(String message) {
        super(message);
    }
}
