package dev.ferry.machine;

import dev.ferry.block.BlockDriver;
import dev.ferry.hw.virtio.BlockBackend;
import java.io.IOException;

/** A disk image (block layer node) as virtio-blk's backend. */
public final class DriveBackend implements BlockBackend {
    /**
     * How the drive is attached, as query-block and info block show it.
     *
     * @param qdev      the device's id, or its QOM path when it has none; null when unknown
     * @param writeback the guest sees a write cache; {@code direct} bypasses the host's page
     *                  cache; {@code noFlush} ignores flushes (cache=unsafe)
     */
    public record Attachment(String qdev, boolean writeback, boolean direct, boolean noFlush) {
        /** QEMU's default cache mode (writeback), the device unknown. */
        public static final Attachment DEFAULT = new Attachment(null, true, false, false);
    }

    private final BlockDriver driver;
    private final String name;
    private final Attachment attachment;

    public DriveBackend(BlockDriver driver) {
        this(driver, driver.nodeName());
    }

    /** @param name the drive's id, as QEMU names the block backend in messages */
    public DriveBackend(BlockDriver driver, String name) {
        this(driver, name, Attachment.DEFAULT);
    }

    public DriveBackend(BlockDriver driver, String name, Attachment attachment) {
        this.driver = driver;
        this.name = name;
        this.attachment = attachment;
    }

    public Attachment attachment() {
        return attachment;
    }

    public String name() {
        return name;
    }

    public BlockDriver driver() {
        return driver;
    }

    @Override
    public void read(long offset, byte[] buf, int off, int len) throws IOException {
        driver.read(offset, buf, off, len);
    }

    @Override
    public void write(long offset, byte[] buf, int off, int len) throws IOException {
        driver.write(offset, buf, off, len);
    }

    @Override
    public void flush() throws IOException {
        driver.flush();
    }

    @Override
    public void discard(long offset, long len) throws IOException {
        driver.discard(offset, len);
    }

    @Override
    public void writeZeroes(long offset, long len) throws IOException {
        driver.writeZeroes(offset, len);
    }

    @Override
    public long size() {
        return driver.size();
    }

    @Override
    public boolean isReadOnly() {
        return driver.readOnly();
    }
}
