package dev.ferry.machine;

import static org.junit.jupiter.api.Assertions.*;

import dev.ferry.chardev.SocketServerBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A person at the guest's prompt, over the serial port on a unix socket: type, read answers. */
@Tag("linux")
class InteractiveConsoleTest {
    private final StringBuilder seen = new StringBuilder();
    private int cursor;

    /** Reads until {@code marker} appears after the cursor; returns the text up to its end and moves past it. */
    private String until(InputStream in, String marker) throws Exception {
        byte[] b = new byte[4096];
        int at;
        while ((at = seen.indexOf(marker, cursor)) < 0) {
            int n = in.read(b);
            if (n < 0) throw new AssertionError("console closed; saw:\n" + seen);
            seen.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
        }
        String text = seen.substring(cursor, at + marker.length());
        cursor = at + marker.length();
        return text;
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void typingAtThePrompt(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("console.sock");
        SocketServerBackend serial = SocketServerBackend.unix(sock, false);
        VirtMachine.Options o = new VirtMachine.Options(256L << 20, 1, VirtMachine.BiosKind.DEFAULT, null, Guests.kernel(),
                Guests.initrd(), "console=ttyS0 quiet", null, serial, false, false);
        try (VirtMachine m = new VirtMachine(o);
             SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            sc.connect(UnixDomainSocketAddress.of(sock));
            InputStream in = Channels.newInputStream(sc);
            OutputStream out = Channels.newOutputStream(sc);
            m.start();
            m.resume();
            until(in, "guest: ready");
            until(in, "# ");
            out.write("help\r".getBytes(StandardCharsets.US_ASCII));
            String help = until(in, "poweroff reboot");
            assertTrue(help.contains("commands: help echo cat ls uname uptime date meminfo sleep"), help);
            until(in, "# ");
            out.write("bench 3\r".getBytes(StandardCharsets.US_ASCII));
            String bench = until(in, "rounds_per_s=");
            assertTrue(bench.contains("bench: rounds=3 checksum=" + Guests.qemuBenchChecksum(3) + " "), bench);
            until(in, "# ");
            out.write("poweroff\r".getBytes(StandardCharsets.US_ASCII));
            assertEquals(0, m.runUntilExit());
        } finally {
            serial.close();
        }
    }
}
