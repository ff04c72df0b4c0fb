package dev.ferry.hw;

/**
 * What a device may ask of the machine: power off or reset. The machine decides what actually
 * happens (for instance {@code -no-shutdown} pauses instead of exiting, {@code -no-reboot}
 * turns a reset into a shutdown). Requests come from vCPU threads; implementations should only
 * record the request and return, not tear the machine down on the caller's stack.
 */
public interface BoardControl {
    /** The guest asked to power off; {@code status} is the process exit status QEMU would use. */
    void shutdown(int status, String reason);

    /** The guest asked for a system reset. */
    void reset();
}
