package dev.ferry.migration.vmstate;

/**
 * A failure to save or load device state. The message names where it happened as a path
 * from the description's name down to the field, then the detail, e.g.
 * {@code cpu/pc: unexpected end of stream}, {@code cpu: version 3 is newer than supported 2},
 * {@code plic/sources[3]/prio: ...}. The engine adds the path while the exception travels
 * up through nested descriptions; code that throws one (a reader, a hook, a custom
 * {@link VMStateInfo}) gives only the detail.
 */
public class VMStateException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String detail;
    private String path = "";

    public VMStateException(String detail) {
        super(detail);
        this.detail = detail;
    }

    public VMStateException(String detail, Throwable cause) {
        super(detail, cause);
        this.detail = detail;
    }

    /** The detail, without the path. */
    public String detail() {
        return detail;
    }

    /** The path ({@code cpu/fpu/fpr[3]}), empty when the exception never crossed the engine. */
    public String path() {
        return path;
    }

    /** Puts {@code segment} in front of the path; used by the engine as the error travels outwards. */
    VMStateException prependPath(String segment) {
        path = path.isEmpty() ? segment : segment + "/" + path;
        return this;
    }

    @Override
    public String getMessage() {
        return path.isEmpty() ? detail : path + ": " + detail;
    }

    static VMStateException endOfStream() {
        return new VMStateException("unexpected end of stream");
    }
}
