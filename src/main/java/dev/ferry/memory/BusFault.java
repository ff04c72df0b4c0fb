package dev.ferry.memory;

/** An access that hit no RAM and no device (or a region refusing it). Stackless: it is control flow. */
public final class BusFault extends RuntimeException {
    private final long address;

    public BusFault(long address, String what) {
        super(what + " at 0x" + Long.toHexString(address), null, false, false);
        this.address = address;
    }

    public long address() {
        return address;
    }
}
