package dev.ferry.cpu;

/**
 * Raised inside the interpreter when an instruction traps; the run loop catches it and enters
 * the trap. One preallocated, stackless instance per hart keeps the common page-fault path cheap.
 */
final class TrapException extends RuntimeException {
    int cause;
    long tval;

    TrapException() {
        super(null, null, false, false);
    }

    TrapException set(int cause, long tval) {
        this.cause = cause;
        this.tval = tval;
        return this;
    }
}
