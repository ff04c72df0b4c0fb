package dev.ferry.hw;

/**
 * One interrupt wire from a device into an interrupt controller (a PLIC source). Devices drive
 * it to a level whenever their interrupt condition may have changed; repeating the same level
 * is harmless. Safe to call from any thread.
 */
@FunctionalInterface
public interface IrqLine {
    void set(boolean level);

    default void raise() {
        set(true);
    }

    default void lower() {
        set(false);
    }

    /** A line that goes nowhere. */
    IrqLine NONE = level -> { };
}
