package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;

import dev.ferry.migration.vmstate.VMStateDescription;
import java.security.SecureRandom;
import java.util.Random;

/**
 * virtio-rng (device ID 4), QEMU's {@code virtio-rng-device}: one request queue of 8 whose
 * device-writable buffers are filled with entropy from {@link SecureRandom}, no device features
 * and no config space. At most {@link #MAX_PER_REQUEST} bytes go into one buffer (the spec lets
 * the device fill less than offered), so a guest offering a huge buffer cannot keep the vCPU
 * thread busy.
 */
public final class VirtioRng extends VirtioDevice {
    public static final int QUEUE_SIZE = 8;
    public static final int MAX_PER_REQUEST = 64 * 1024;

    private final Random random;

    public VirtioRng() {
        this(new SecureRandom());
    }

    /** With another source of bytes (tests). */
    public VirtioRng(Random source) {
        this.random = source;
    }

    @Override
    public int deviceId() {
        return ID_RNG;
    }

    @Override
    public String name() {
        return "virtio-rng";
    }

    @Override
    protected int[] queueSizes() {
        return new int[] {QUEUE_SIZE};
    }

    @Override
    protected long deviceFeatures() {
        return 0;
    }

    @Override
    protected byte[] readConfig() {
        return new byte[0];
    }

    @Override
    protected void handleNotify(int q) {
        Virtqueue vq = queue(0);
        var as = transport.addressSpace();
        VirtqElement e;
        while ((e = vq.pop()) != null) {
            int n = (int) Math.min(e.inBytes(), MAX_PER_REQUEST);
            byte[] buf = new byte[n];
            random.nextBytes(buf);
            e.writeIn(as, 0, buf, 0, n);
            transport.complete(vq, e, n);
        }
    }

    @Override
    protected void reset() {
    }

    static final VMStateDescription<VirtioRng> VMSTATE = VMStateDescription.<VirtioRng>builder("virtio-rng")
            .version(1)
            .build();

    @Override
    public VMStateDescription<VirtioRng> vmstate() {
        return VMSTATE;
    }
}
