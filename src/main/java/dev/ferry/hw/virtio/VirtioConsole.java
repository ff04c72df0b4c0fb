package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;

import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import dev.ferry.migration.vmstate.VMStateDescription;
import java.lang.System.Logger.Level;

/**
 * virtio-console (device ID 3) as QEMU 7.2's {@code -device virtio-serial-device -device
 * virtconsole,chardev=c0} presents it: a virtio-serial device of {@code max_ports} ports (31 by
 * default) offering MULTIPORT and EMERG_WRITE, with one console port, port 0, on a
 * {@link CharBackend}. Linux's virtio_console driver makes it {@code hvc0}.
 *
 * <p>Queues, as QEMU lays them out: port 0 receive and transmit (0, 1), control receive and
 * transmit (2, 3), then a receive/transmit pair for each further port (unused here). With
 * MULTIPORT the guest announces itself (DEVICE_READY), the device adds port 0 (DEVICE_ADD), the
 * guest reports the port ready, and the device tells it the port is a console that the host has
 * open (CONSOLE_PORT, PORT_OPEN); input flows once the guest opened the port (PORT_OPEN). A
 * driver that does not accept MULTIPORT gets the single console port as soon as it sets
 * DRIVER_OK. Control messages to the guest need a posted control buffer, as in QEMU (one that
 * finds none is dropped). Config space: cols 0, rows 0, max_nr_ports, emerg_wr (a write puts the
 * character out).
 *
 * <p>Output goes to the backend as the guest transmits it; input is taken under flow control
 * ({@link #canReceive()} is the room in the next posted receive buffer), so nothing is lost.
 */
public final class VirtioConsole extends VirtioDevice implements CharFrontend {
    public static final int F_SIZE = 0, F_MULTIPORT = 1, F_EMERG_WRITE = 2;
    static final int DEVICE_READY = 0, DEVICE_ADD = 1, DEVICE_REMOVE = 2, PORT_READY = 3, CONSOLE_PORT = 4,
            RESIZE = 5, PORT_OPEN = 6, PORT_NAME = 7;
    static final int RX0 = 0, TX0 = 1, CTRL_RX = 2, CTRL_TX = 3;
    public static final int DEFAULT_MAX_PORTS = 31;
    static final int PORT_QUEUE_SIZE = 128, CONTROL_QUEUE_SIZE = 32;
    private static final int MAX_INPUT = 64 * 1024;

    private static final System.Logger LOG = System.getLogger(VirtioConsole.class.getName());

    private final CharBackend backend;
    private final int maxPorts;

    // guarded by the transport
    private boolean deviceReady;
    private boolean guestConnected;
    private boolean wantInput;

    public VirtioConsole(CharBackend backend) {
        this(backend, DEFAULT_MAX_PORTS);
    }

    /** {@code maxPorts} is QEMU's {@code max_ports} (1 disables MULTIPORT). */
    public VirtioConsole(CharBackend backend, int maxPorts) {
        if (maxPorts < 1 || maxPorts > 511) throw new IllegalArgumentException("max_ports must be in 1..511");
        this.backend = backend;
        this.maxPorts = maxPorts;
        backend.attach(this);
    }

    public CharBackend backend() {
        return backend;
    }

    @Override
    public int deviceId() {
        return ID_CONSOLE;
    }

    @Override
    public String name() {
        return "virtio-console";
    }

    @Override
    protected int[] queueSizes() {
        int[] s = new int[2 * maxPorts + 2];
        java.util.Arrays.fill(s, PORT_QUEUE_SIZE);
        s[CTRL_RX] = s[CTRL_TX] = CONTROL_QUEUE_SIZE;
        return s;
    }

    @Override
    protected long deviceFeatures() {
        return (maxPorts > 1 ? bit(F_MULTIPORT) : 0) | bit(F_EMERG_WRITE);
    }

    private boolean multiport() {
        return negotiated(F_MULTIPORT);
    }

    @Override
    protected byte[] readConfig() {
        byte[] c = new byte[12];
        GuestMemory.putLe32(c, 4, maxPorts);
        return c;
    }

    @Override
    protected void writeConfig(int offset, int size, long value) {
        if (offset == 8 && (value & 0xff) != 0) backend.write((int) value & 0xff); // emerg_wr
    }

    // ---------------------------------------------------------------- guest to host

    @Override
    protected void handleNotify(int q) {
        switch (q) {
            case TX0 -> transmit();
            case CTRL_TX -> controlFromGuest();
            case RX0 -> wantInput = true;
            default -> { // another port's queues, or control receive buffers posted: nothing to do
                Virtqueue vq = queue(q);
                if (q >= 4 && (q & 1) == 1) { // transmit queue of a port nobody listens to: discard
                    VirtqElement e;
                    while ((e = vq.pop()) != null) transport.complete(vq, e, 0);
                }
            }
        }
    }

    private void transmit() {
        Virtqueue vq = queue(TX0);
        var as = transport.addressSpace();
        byte[] buf = new byte[4096];
        VirtqElement e;
        while ((e = vq.pop()) != null) {
            for (long pos = 0; pos < e.outBytes(); ) {
                int n = e.readOut(as, pos, buf, 0, (int) Math.min(buf.length, e.outBytes() - pos));
                backend.write(buf, 0, n);
                pos += n;
            }
            transport.complete(vq, e, 0);
        }
    }

    private void controlFromGuest() {
        Virtqueue vq = queue(CTRL_TX);
        byte[] msg = new byte[8];
        VirtqElement e;
        while ((e = vq.pop()) != null) {
            int n = e.readOut(transport.addressSpace(), 0, msg, 0, 8);
            transport.complete(vq, e, 0);
            if (n < 8) {
                LOG.log(Level.DEBUG, "virtio-console: control message of {0} bytes ignored", n);
                continue;
            }
            control(GuestMemory.le32(msg, 0), (msg[4] & 0xff) | (msg[5] & 0xff) << 8, (msg[6] & 0xff) | (msg[7] & 0xff) << 8);
        }
    }

    private void control(int id, int event, int value) {
        switch (event) {
            case DEVICE_READY -> {
                if (value == 0) {
                    LOG.log(Level.WARNING, "virtio-console: the guest failed to add the device");
                    return;
                }
                deviceReady = true;
                sendControl(0, DEVICE_ADD, 1);
            }
            case PORT_READY -> {
                if (value == 0) {
                    LOG.log(Level.WARNING, "virtio-console: the guest failed to add port {0}", Integer.toUnsignedString(id));
                    return;
                }
                if (id != 0) {
                    LOG.log(Level.DEBUG, "virtio-console: PORT_READY for unknown port {0}", Integer.toUnsignedString(id));
                    return;
                }
                sendControl(0, CONSOLE_PORT, 1);
                sendControl(0, PORT_OPEN, 1); // the host side of a console is always open
            }
            case PORT_OPEN -> {
                if (id != 0) return;
                guestConnected = value != 0;
                if (guestConnected) wantInput = true;
            }
            default -> LOG.log(Level.DEBUG, "virtio-console: control event {0} ignored", event);
        }
    }

    private void sendControl(int id, int event, int value) {
        Virtqueue vq = queue(CTRL_RX);
        VirtqElement e = vq.pop();
        if (e == null) {
            LOG.log(Level.DEBUG, "virtio-console: no control buffer for event {0}: dropped", event);
            return;
        }
        byte[] msg = new byte[8];
        GuestMemory.putLe32(msg, 0, id);
        GuestMemory.putLe16(msg, 4, event);
        GuestMemory.putLe16(msg, 6, value);
        int n = e.writeIn(transport.addressSpace(), 0, msg, 0, 8);
        transport.complete(vq, e, n);
    }

    @Override
    protected void afterNotify(int q) {
        pokeInput();
    }

    @Override
    protected void statusChanged(int old, int status) {
        if ((status & STATUS_DRIVER_OK) != 0 && !multiport()) guestConnected = true;
    }

    @Override
    protected void afterStatusWrite() {
        backend.acceptInput();
    }

    private void pokeInput() {
        boolean poke;
        synchronized (transport) {
            poke = wantInput;
            wantInput = false;
        }
        if (poke) backend.acceptInput();
    }

    // ---------------------------------------------------------------- host to guest

    private boolean inputOpen() {
        return !transport.isBroken() && driverOk() && guestConnected && queue(RX0).usable();
    }

    @Override
    public int canReceive() {
        if (transport == null) return 0;
        synchronized (transport) {
            if (!inputOpen()) return 0;
            int[] room = {0};
            transport.guard(() -> {
                VirtqElement e = queue(RX0).peek();
                if (e != null) room[0] = (int) Math.min(e.inBytes(), MAX_INPUT);
            });
            return room[0];
        }
    }

    @Override
    public void receive(byte[] buf, int off, int len) {
        if (transport == null) return;
        synchronized (transport) {
            if (!inputOpen()) {
                LOG.log(Level.DEBUG, "virtio-console: {0} input bytes dropped (port closed)", len);
                return;
            }
            transport.guard(() -> {
                Virtqueue vq = queue(RX0);
                var as = transport.addressSpace();
                int done = 0;
                while (done < len) {
                    VirtqElement e = vq.pop();
                    if (e == null) {
                        LOG.log(Level.DEBUG, "virtio-console: {0} input bytes dropped (no buffer)", len - done);
                        return;
                    }
                    int n = e.writeIn(as, 0, buf, off + done, (int) Math.min(e.inBytes(), len - done));
                    transport.complete(vq, e, n);
                    done += n;
                }
            });
        }
    }

    // ---------------------------------------------------------------- lifecycle and state

    @Override
    protected void reset() {
        deviceReady = false;
        guestConnected = false;
        wantInput = false;
    }

    @Override
    protected void afterLoad() {
        backend.acceptInput();
    }

    /** Whether the guest has the console port open (input flows). */
    public boolean guestConnected() {
        synchronized (transport) {
            return guestConnected;
        }
    }

    static final VMStateDescription<VirtioConsole> VMSTATE = VMStateDescription.<VirtioConsole>builder("virtio-console")
            .version(1)
            .uint32Equal("max_nr_ports", c -> c.maxPorts)
            .bool("device_ready", c -> c.deviceReady, (c, v) -> c.deviceReady = v)
            .bool("guest_connected", c -> c.guestConnected, (c, v) -> c.guestConnected = v)
            .build();

    @Override
    public VMStateDescription<VirtioConsole> vmstate() {
        return VMSTATE;
    }
}
