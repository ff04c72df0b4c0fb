package dev.ferry.hw.virtio;

/**
 * The driver broke the virtio contract (a descriptor loop, a ring outside guest RAM, ...): the
 * device must be marked broken. Thrown inside the device model and caught at its entry points;
 * never leaves the device. Stackless: it is control flow.
 */
final class VirtioError extends RuntimeException {
    VirtioError(String message) {
        super(message, null, false, false);
    }
}
