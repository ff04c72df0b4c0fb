package dev.ferry.chardev;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MuxBackendTest {
    /** Stands in for stdio: records output, lets the test type input through the attached mux. */
    final RecordingBackend term = new RecordingBackend();
    final List<String> events = new ArrayList<>();
    final MuxBackend mux = new MuxBackend(term, new MuxBackend.Listener() {
        @Override
        public void quit() {
            events.add("quit");
        }

        @Override
        public void focusChanged(int focus) {
            events.add("focus " + focus);
        }

        @Override
        public void saveDisks() {
            events.add("save");
        }
    });
    final CharBackend serialPort = mux.newPort();
    final CharBackend monitorPort = mux.newPort();
    final CollectingFrontend serial = new CollectingFrontend(1000);
    final CollectingFrontend monitor = new CollectingFrontend(1000);

    {
        serialPort.attach(serial);
        monitorPort.attach(monitor);
    }

    @Test
    void inputGoesToTheFocusedFrontendAndCtrlACSwitches() {
        term.offer("ls\r");
        assertEquals("ls\r", serial.text());
        term.offer("\u0001c");
        assertEquals(List.of("focus 1"), events);
        assertEquals(1, mux.focus());
        term.offer("info\r");
        assertEquals("info\r", monitor.text());
        assertEquals("ls\r", serial.text());
        term.offer("\u0001c");
        term.offer("x");
        assertEquals("ls\rx", serial.text());
        assertEquals(List.of("focus 1", "focus 0"), events);
    }

    @Test
    void ctrlACtrlASendsALiteralCtrlA() {
        term.offer("a\u0001\u0001b");
        assertEquals("a\u0001b", serial.text());
        assertTrue(events.isEmpty());
    }

    @Test
    void ctrlAXQuits() {
        term.offer("\u0001x");
        assertEquals(List.of("quit"), events);
        assertEquals("QEMU: Terminated\n\r", term.output());
        assertEquals("", serial.text());
    }

    @Test
    void ctrlAHPrintsQemusHelp() {
        term.offer("\u0001h");
        String expected = "\n\r"
                + "C-a h    print this help\n\r"
                + "C-a x    exit emulator\n\r"
                + "C-a s    save disk data back to file (if -snapshot)\n\r"
                + "C-a t    toggle console timestamps\n\r"
                + "C-a b    send break (magic sysrq)\n\r"
                + "C-a c    switch between console and monitor\n\r"
                + "C-a C-a  sends C-a\n\r";
        assertEquals(expected, term.output());
        term.offer("\u0001?");
        assertEquals(expected + expected, term.output());
    }

    @Test
    void otherEscapes() {
        term.offer("\u0001s\u0001b\u0001zq");
        assertEquals(List.of("save"), events);
        assertEquals(1, serial.breaks);
        assertEquals("q", serial.text(), "unknown escapes are swallowed");
    }

    @Test
    void aSwitchInsideOneDeliverySplitsTheInput() {
        term.offer("ab\u0001cde\u0001cf");
        assertEquals("abf", serial.text());
        assertEquals("de", monitor.text());
    }

    @Test
    void escapeSplitAcrossDeliveries() {
        term.offer("\u0001");
        term.offer("c");
        assertEquals(1, mux.focus());
    }

    @Test
    void outputFromEveryFrontendReachesTheTerminal() {
        serialPort.write("boot\n");
        monitorPort.write("(qemu) ");
        assertEquals("boot\n(qemu) ", term.output());
    }

    @Test
    void timestampsToggle() {
        term.offer("\u0001t");
        serialPort.write("a\nb\n");
        String out = term.output();
        assertTrue(out.matches("a\n\\[00:00:00\\.\\d{3}] b\n"), out);
        term.offer("\u0001t");
        serialPort.write("c\n");
        assertTrue(term.output().endsWith("b\nc\n"));
    }

    @Test
    void aFullFrontendHoldsInputButEscapesStillWork() {
        CollectingFrontend small = new CollectingFrontend(2);
        serialPort.attach(small);
        int taken = term.offer("0123456789".repeat(5));
        assertEquals("01", small.text());
        assertEquals(2 + MuxBackend.PORT_BUFFER, taken, "the port buffers a little, then holds the rest back");
        small.consume();
        serialPort.acceptInput(); // the guest read: queued bytes flow on
        assertEquals("0123", small.text());
        assertTrue(term.acceptInputCalls.get() > 0);
        assertEquals(2, term.offer("zzzz"), "room for two more in the port");
        assertEquals(0, term.offer("\u0001x"), "full: even Ctrl-A x waits for room, as in QEMU");
        // switching to the monitor with room there lets keys through again
        mux.setFocus(1);
        term.offer("\u0001x");
        assertEquals(List.of("quit"), events);
    }
}
