package dev.ferry.chardev;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * {@code file:PATH}: output written through to a file (truncated at open unless appending), each
 * write reaching the file before it returns so another process can follow it live. No input.
 */
public final class FileBackend implements CharBackend {
    private static final System.Logger LOG = System.getLogger(FileBackend.class.getName());

    private final Path path;
    private final FileOutputStream out;
    private boolean closed;
    private boolean failed;

    public FileBackend(Path path, boolean append) {
        this.path = path;
        try {
            this.out = new FileOutputStream(path.toFile(), append);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) {
        if (closed || failed) return;
        try {
            out.write(buf, off, len); // unbuffered: straight to the file
            out.flush();
        } catch (IOException e) {
            failed = true;
            LOG.log(System.Logger.Level.WARNING, "writing " + path + " failed; further output is discarded: " + e.getMessage());
        }
    }

    @Override
    public void attach(CharFrontend frontend) {
    }

    @Override
    public void acceptInput() {
    }

    @Override
    public String describe() {
        return "file:" + path;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
