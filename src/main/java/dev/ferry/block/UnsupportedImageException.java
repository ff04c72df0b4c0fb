package dev.ferry.block;

/**
 * A well-formed image that uses something Ferry does not implement (a feature bit, a compression
 * type, encryption, a cluster size or refcount width out of range...).
 */
public class UnsupportedImageException extends BlockException {
    private static final long serialVersionUID = 1L;

    public UnsupportedImageException(String message) {
        super(message);
    }
}
