package dev.ferry.chardev;

/** {@code null}: output is discarded, there is never input. */
public final class NullBackend implements CharBackend {
    @Override
    public void write(byte[] buf, int off, int len) {
    }

    @Override
    public void attach(CharFrontend frontend) {
    }

    @Override
    public void acceptInput() {
    }

    @Override
    public String describe() {
        return "null";
    }

    @Override
    public void close() {
    }
}
