package dev.ferry.chardev;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketServerBackendTest {
    @TempDir
    Path dir;

    static String readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(n);
        while (bb.hasRemaining()) if (ch.read(bb) < 0) break;
        return new String(bb.array(), 0, bb.position(), StandardCharsets.ISO_8859_1);
    }

    static void send(SocketChannel ch, String s) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
        while (bb.hasRemaining()) ch.write(bb);
    }

    static void awaitConnected(SocketServerBackend b, boolean connected) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (b.isConnected() != connected && System.nanoTime() < end) Thread.sleep(2);
        assertEquals(connected, b.isConnected());
    }

    void exchange(SocketServerBackend b, java.util.function.Supplier<SocketChannel> connect) throws Exception {
        CollectingFrontend f = new CollectingFrontend(1 << 16);
        b.attach(f);
        b.write("nobody hears this"); // no client yet: discarded
        try (SocketChannel c = connect.get()) {
            awaitConnected(b, true);
            b.write("hello client");
            assertEquals("hello client", readExactly(c, 12));
            send(c, "hi guest");
            assertEquals("hi guest", f.await(8, b, false));
        }
        awaitConnected(b, false);
        b.write("lost");
        try (SocketChannel c = connect.get()) { // a new client after the first left
            awaitConnected(b, true);
            b.write("again");
            assertEquals("again", readExactly(c, 5));
            send(c, "!");
            assertEquals("hi guest!", f.await(9, b, false));
        }
    }

    static SocketChannel connect(SocketAddress a) {
        try {
            return SocketChannel.open(a);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void unixServerExchangeAndReconnect() throws Exception {
        Path sock = dir.resolve("serial.sock");
        Files.writeString(sock, "stale"); // replaced, as QEMU unlinks before binding
        try (SocketServerBackend b = (SocketServerBackend) CharBackends.open("unix:" + sock + ",server=on,wait=off")) {
            assertTrue(b.describe().startsWith("disconnected:unix:"));
            exchange(b, () -> connect(UnixDomainSocketAddress.of(sock)));
        }
        assertFalse(Files.exists(sock), "socket file removed on close");
    }

    @Test
    void tcpServerExchangeAndReconnect() throws Exception {
        try (SocketServerBackend b = (SocketServerBackend) CharBackends.open("tcp:127.0.0.1:0,server,nowait")) {
            int port = b.tcpPort();
            assertTrue(port > 0);
            exchange(b, () -> connect(new InetSocketAddress("127.0.0.1", port)));
        }
    }

    @Test
    void secondClientWaitsForTheFirst() throws Exception {
        try (SocketServerBackend b = SocketServerBackend.tcp("127.0.0.1", 0, false)) {
            CollectingFrontend f = new CollectingFrontend(1024);
            b.attach(f);
            InetSocketAddress a = new InetSocketAddress("127.0.0.1", b.tcpPort());
            SocketChannel first = SocketChannel.open(a);
            awaitConnected(b, true);
            SocketChannel second = SocketChannel.open(a); // sits in the backlog
            send(second, "second");
            send(first, "first");
            assertEquals("first", f.await(5, b, false));
            Thread.sleep(50);
            assertEquals("first", f.text(), "the waiting client is not served yet");
            first.close();
            assertEquals("firstsecond", f.await(11, b, false));
            b.write("to second");
            assertEquals("to second", readExactly(second, 9));
            second.close();
        }
    }

    @Test
    void inputHeldBackWhileTheFrontendIsFull() throws Exception {
        try (SocketServerBackend b = SocketServerBackend.tcp("127.0.0.1", 0, false)) {
            CollectingFrontend f = new CollectingFrontend(4);
            b.attach(f);
            try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", b.tcpPort()))) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 5000; i++) sb.append((char) ('A' + i % 26));
                send(c, sb.toString());
                assertEquals(sb.toString(), f.await(5000, b, true));
            }
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS) // a blocked writer hangs here
    void aClientThatDoesNotReadNeverBlocksTheWriter() throws Exception {
        try (SocketServerBackend b = SocketServerBackend.tcp("127.0.0.1", 0, false);
                SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", b.tcpPort()))) {
            awaitConnected(b, true);
            assertTrue(c.isConnected());
            byte[] chunk = new byte[64 * 1024];
            // into a stalled client until the socket buffers (several MiB on loopback, sized by
            // the kernel) are full and the backend starts dropping, as QEMU's does
            for (int i = 0; i < 4096 && b.discardedBytes() == 0; i++) b.write(chunk, 0, chunk.length);
            assertTrue(b.discardedBytes() > 0, "256 MiB written and nothing dropped");
        }
    }

    @Test
    void badSpecsRejected() {
        assertThrows(IllegalArgumentException.class, () -> CharBackends.open("tcp:localhost:1234"));
        assertThrows(IllegalArgumentException.class, () -> CharBackends.open("pty"));
        assertThrows(IllegalArgumentException.class, () -> CharBackends.open("tcp:nohost,server=on"));
    }
}
