package dev.ferry.hw.virtio;

import static dev.ferry.hw.virtio.Virtio.*;
import static dev.ferry.hw.virtio.VirtioConsole.*;
import static dev.ferry.hw.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.hw.virtio.Driver.Seg;
import dev.ferry.hw.virtio.Driver.Used;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** virtio-console: the multiport handshake Linux's virtio_console does, then bytes both ways. */
class VirtioConsoleTest {
    /** A guest-side console driver on the test driver. */
    static final class Guest implements AutoCloseable {
        final TestChar chr = new TestChar();
        final VirtioConsole con;
        final Driver d;
        final Driver.Queue rx, tx, crx, ctx;
        final List<Long> rxBufs = new ArrayList<>();
        final List<Long> ctrlBufs = new ArrayList<>();

        Guest(boolean legacy, int maxPorts, boolean acceptMultiport) {
            con = new VirtioConsole(chr, maxPorts);
            d = new Driver(con, legacy);
            long f = d.hostFeatures();
            if (!acceptMultiport) f &= ~bit(F_MULTIPORT);
            d.negotiate(f);
            rx = d.queue(RX0, 16);
            tx = d.queue(TX0, 16);
            crx = d.queue(CTRL_RX, 16);
            ctx = d.queue(CTRL_TX, 16);
            d.driverOk();
            for (int i = 0; i < 8; i++) {
                long b = d.alloc(64, 16);
                ctrlBufs.add(b);
                crx.add(Seg.in(b, 64));
            }
            crx.kick();
            for (int i = 0; i < 4; i++) postRx(16);
            rx.kick();
        }

        void postRx(int size) {
            long b = d.alloc(size, 16);
            rxBufs.add(b);
            rx.add(Seg.in(b, size));
        }

        void sendControl(int id, int event, int value) {
            byte[] m = new byte[8];
            GuestMemory.putLe32(m, 0, id);
            GuestMemory.putLe16(m, 4, event);
            GuestMemory.putLe16(m, 6, value);
            ctx.add(Seg.out(d.buffer(m), 8));
            ctx.kick();
        }

        /** Control messages the device sent since the last call, as {id, event, value}. */
        List<List<Integer>> received() {
            List<List<Integer>> l = new ArrayList<>();
            for (Used u : crx.takeUsed()) {
                assertEquals(8, u.len());
                long b = ctrlBufs.get(u.id());
                l.add(List.of((int) d.rd(b, 4), (int) d.rd(b + 4, 2), (int) d.rd(b + 6, 2)));
            }
            return l;
        }

        void transmit(String s) {
            tx.add(Seg.out(d.buffer(s.getBytes(StandardCharsets.ISO_8859_1)), s.length()));
            tx.kick();
        }

        String takeInput() {
            StringBuilder sb = new StringBuilder();
            for (Used u : rx.takeUsed()) sb.append(new String(d.get(rxBufs.get(u.id()), u.len()), StandardCharsets.ISO_8859_1));
            return sb.toString();
        }

        @Override
        public void close() {
            d.close();
        }
    }

    @Test
    void multiportHandshakeThenBytesBothWays() {
        for (boolean legacy : new boolean[] {true, false}) {
            try (Guest g = new Guest(legacy, DEFAULT_MAX_PORTS, true)) {
                assertEquals(ID_CONSOLE, g.d.r(DEVICE_ID));
                assertEquals(2 * DEFAULT_MAX_PORTS + 2, g.d.t.queueCount());
                assertEquals(DEFAULT_MAX_PORTS, g.d.t.read(CONFIG + 4, 4), "max_nr_ports");
                assertTrue(g.d.t.negotiated(F_MULTIPORT));
                assertEquals(0, g.chr.frontend.canReceive(), "no input before the guest opens the port");

                g.sendControl(-1, DEVICE_READY, 1);
                assertEquals(List.of(List.of(0, DEVICE_ADD, 1)), g.received());
                g.sendControl(0, PORT_READY, 1);
                assertEquals(List.of(List.of(0, CONSOLE_PORT, 1), List.of(0, PORT_OPEN, 1)), g.received());
                int pokes = g.chr.acceptInputCalls.get();
                g.sendControl(0, PORT_OPEN, 1);
                assertTrue(g.con.guestConnected());
                assertTrue(g.chr.acceptInputCalls.get() > pokes, "the backend is told input may flow");

                assertEquals(16, g.chr.frontend.canReceive(), "room of the next receive buffer");
                assertEquals(21, g.chr.offer("hello from the host\r\n"));
                assertEquals("hello from the host\r\n", g.takeInput());
                assertEquals(32, g.chr.offer("x".repeat(64)), "only as much as the two buffers left hold");
                g.takeInput();
                assertEquals(0, g.chr.frontend.canReceive());
                g.postRx(8);
                g.rx.kick();
                assertEquals(8, g.chr.frontend.canReceive());

                g.transmit("login: ");
                g.transmit("root\n");
                assertEquals("login: root\n", g.chr.output());
                assertEquals(List.of(new Used(0, 0), new Used(1, 0)), g.tx.takeUsed());

                g.d.t.write(CONFIG + 8, 4, '!'); // emergency write
                assertEquals("login: root\n!", g.chr.output());

                g.sendControl(0, PORT_OPEN, 0);
                assertEquals(0, g.chr.frontend.canReceive(), "closed again");
            }
        }
    }

    @Test
    void singlePortWithoutMultiport() {
        try (Guest g = new Guest(true, 1, true)) {
            assertFalse(g.d.t.negotiated(F_MULTIPORT), "max_ports 1 offers no MULTIPORT");
            assertEquals(4, g.d.t.queueCount());
            assertTrue(g.con.guestConnected(), "port 0 is open once DRIVER_OK is set");
            assertEquals(2, g.chr.offer("ok"));
            assertEquals("ok", g.takeInput());
            g.transmit("out");
            assertEquals("out", g.chr.output());
        }
        try (Guest g = new Guest(false, DEFAULT_MAX_PORTS, false)) { // a driver declining MULTIPORT
            assertTrue(g.con.guestConnected());
            assertEquals(3, g.chr.offer("abc"));
            assertEquals("abc", g.takeInput());
        }
    }

    @Test
    void resetClosesThePort() {
        try (Guest g = new Guest(false, DEFAULT_MAX_PORTS, true)) {
            g.sendControl(0, PORT_OPEN, 1);
            assertTrue(g.con.guestConnected());
            g.d.w(STATUS, 0);
            assertFalse(g.con.guestConnected());
            assertEquals(0, g.chr.frontend.canReceive());
        }
    }

    @Test
    void controlMessagesWithoutBuffersAreDropped() {
        try (Guest g = new Guest(false, DEFAULT_MAX_PORTS, true)) {
            for (int i = 0; i < 8; i++) g.sendControl(-1, DEVICE_READY, 1); // uses every control buffer
            assertEquals(8, g.received().size());
            g.sendControl(-1, DEVICE_READY, 1); // nothing to answer into
            assertEquals(0, g.received().size());
            assertFalse(g.d.t.isBroken());
        }
    }
}
