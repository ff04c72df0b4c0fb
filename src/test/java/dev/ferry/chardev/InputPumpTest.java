package dev.ferry.chardev;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import org.junit.jupiter.api.Test;

class InputPumpTest {
    static void awaitText(CollectingFrontend f, String expected) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!f.text().equals(expected) && System.nanoTime() < end) Thread.sleep(1);
        assertEquals(expected, f.text());
    }

    @Test
    void deliversEverythingUnderFlowControl() throws Exception {
        InputPump pump = new InputPump();
        CollectingFrontend f = new CollectingFrontend(3);
        pump.attach(f);
        Thread t = Thread.ofPlatform().start(() -> pump.deliver("abcdefghij".getBytes(), 0, 10));
        awaitText(f, "abc");
        Thread.sleep(30);
        assertEquals("abc", f.text(), "held back while the frontend is full");
        f.consume();
        pump.acceptInput();
        awaitText(f, "abcdef");
        f.consume(); // without acceptInput: the pump's periodic re-check still notices
        awaitText(f, "abcdefghi");
        f.consume();
        pump.acceptInput();
        t.join(5000);
        assertEquals("abcdefghij", f.text());
    }

    @Test
    void closeReleasesAWaitingReader() throws Exception {
        InputPump pump = new InputPump();
        boolean[] result = {true};
        Thread t = Thread.ofPlatform().start(() -> result[0] = pump.deliver(new byte[] {1}, 0, 1));
        Thread.sleep(50);
        pump.close();
        t.join(2000);
        assertFalse(t.isAlive());
        assertFalse(result[0]);
    }

    @Test
    void stdioStreamsWithEndOfFile() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StdioBackend s = new StdioBackend(new ByteArrayInputStream("typed".getBytes()), out)) {
            CollectingFrontend f = new CollectingFrontend(2);
            s.attach(f);
            assertEquals("typed", f.await(5, s, true));
            Thread.sleep(20); // input is at end of file now
            s.write("still talking");
            assertEquals("still talking", out.toString());
            assertFalse(s.terminalIsRaw());
        }
    }

    @Test
    void stdioInputWaitsForAFrontend() throws Exception {
        PipedOutputStream feed = new PipedOutputStream();
        try (StdioBackend s = new StdioBackend(new PipedInputStream(feed), new ByteArrayOutputStream())) {
            feed.write("early".getBytes());
            feed.flush();
            Thread.sleep(30);
            CollectingFrontend f = new CollectingFrontend(100);
            s.attach(f);
            assertEquals("early", f.await(5, s, false));
        }
    }

    @Test
    void rawTerminalSettingsMatchQemu() {
        String raw = Terminal.rawSettings(false);
        assertTrue(raw.contains("-icanon") && raw.contains("-echo") && raw.contains("-isig") && raw.contains("opost"));
        assertTrue(Terminal.rawSettings(true).contains(" isig"));
    }
}
