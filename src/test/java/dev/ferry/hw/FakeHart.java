package dev.ferry.hw;

import dev.ferry.cpu.InterruptLines;

/** Records what the board drives into a hart. */
final class FakeHart implements InterruptLines {
    private final int id;
    private final boolean[] lines = new boolean[64];
    private volatile long mtimecmp;
    int lineChanges;

    FakeHart(int id) {
        this.id = id;
    }

    @Override
    public int hartId() {
        return id;
    }

    @Override
    public synchronized void setInterruptLine(int mipBit, boolean level) {
        if (lines[mipBit] != level) lineChanges++;
        lines[mipBit] = level;
    }

    synchronized boolean line(int mipBit) {
        return lines[mipBit];
    }

    @Override
    public long mtimecmp() {
        return mtimecmp;
    }

    @Override
    public void setMtimecmp(long value) {
        mtimecmp = value;
    }
}
