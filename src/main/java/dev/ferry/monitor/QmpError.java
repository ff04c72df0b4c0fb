package dev.ferry.monitor;

/**
 * A QMP command's failure: QEMU's error class and the human-readable description, sent as
 * {@code {"error": {"class": ..., "desc": ...}}}. Handlers throw it; HMP prints
 * {@code Error: DESC} for it.
 */
public final class QmpError extends RuntimeException {
    /** QEMU's QapiErrorClass values. */
    public enum ErrorClass {
        GENERIC_ERROR("GenericError"), COMMAND_NOT_FOUND("CommandNotFound"), DEVICE_NOT_ACTIVE("DeviceNotActive"),
        DEVICE_NOT_FOUND("DeviceNotFound"), KVM_MISSING_CAP("KVMMissingCap");

        public final String qmpName;

        ErrorClass(String qmpName) {
            this.qmpName = qmpName;
        }
    }

    private final ErrorClass errorClass;

    public QmpError(ErrorClass errorClass, String desc) {
        super(desc, null, false, false);
        this.errorClass = errorClass;
    }

    /** A GenericError, QEMU's error_setg. */
    public static QmpError generic(String desc) {
        return new QmpError(ErrorClass.GENERIC_ERROR, desc);
    }

    public static QmpError commandNotFound(String desc) {
        return new QmpError(ErrorClass.COMMAND_NOT_FOUND, desc);
    }

    /** QEMU's "Device 'ID' not found". */
    public static QmpError deviceNotFound(String id) {
        return new QmpError(ErrorClass.DEVICE_NOT_FOUND, "Device '" + id + "' not found");
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    public String desc() {
        return getMessage();
    }
}
