package dev.ferry.os;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PosixTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void socketpairCarriesBytesBothWays() throws IOException {
        int[] sp = Posix.socketpair();
        try (UnixSocket a = UnixSocket.of(sp[0]); UnixSocket b = UnixSocket.of(sp[1])) {
            a.write(bytes("ping"), 0, 4);
            byte[] buf = new byte[16];
            int n = b.read(buf, 0, buf.length);
            assertEquals("ping", new String(buf, 0, n, StandardCharsets.UTF_8));
            b.write(bytes("pong!"), 0, 5);
            n = a.read(buf, 3, 10);
            assertEquals("pong!", new String(buf, 3, n, StandardCharsets.UTF_8));
            assertEquals(-1, b.takeReceivedFd(), "no descriptor came with plain bytes");
            a.close();
            assertEquals(-1, b.read(buf, 0, buf.length), "end of stream once the peer closed");
        }
    }

    @Test
    void aPassedDescriptorIsUsableOnTheOtherSide() throws IOException {
        int[] sp = Posix.socketpair();
        int[] pipe = Posix.pipe();
        try (UnixSocket a = UnixSocket.of(sp[0]); UnixSocket b = UnixSocket.of(sp[1])) {
            a.send(bytes("{\"execute\":\"getfd\"}"), 0, 19, pipe[1]);
            byte[] buf = new byte[64];
            int n = b.read(buf, 0, buf.length);
            assertEquals("{\"execute\":\"getfd\"}", new String(buf, 0, n, StandardCharsets.UTF_8));
            int got = b.takeReceivedFd();
            assertTrue(got >= 0);
            assertNotEquals(pipe[1], got, "a fresh descriptor number in the receiver");
            assertEquals(-1, b.takeReceivedFd(), "claimed once");
            Posix.close(pipe[1]); // the received copy keeps the pipe open
            try (Descriptor d = new Descriptor(got); Descriptor r = new Descriptor(pipe[0])) {
                assertFalse(d.isSocket());
                OutputStream out = d.outputStream();
                out.write(bytes("through the passed end"));
                out.close();
                assertEquals("through the passed end", new String(r.inputStream().readAllBytes(), StandardCharsets.UTF_8),
                        "the write end we received is the pipe's: its reader sees the bytes and then the end");
            }
        }
    }

    @Test
    void unclaimedDescriptorsAreClosedWithTheSocket() throws IOException {
        int[] sp = Posix.socketpair();
        int[] pipe = Posix.pipe();
        UnixSocket a = UnixSocket.of(sp[0]);
        UnixSocket b = UnixSocket.of(sp[1]);
        a.send(bytes("x"), 0, 1, pipe[1]);
        Posix.close(pipe[1]);
        b.read(new byte[4], 0, 4);
        b.close(); // the received write end goes with it: the pipe's reader sees end of file
        try (Descriptor r = new Descriptor(pipe[0])) {
            assertEquals(-1, r.inputStream().read());
        } finally {
            a.close();
        }
    }

    @Test
    void descriptorStreamsOverASocketReportASocket() throws IOException {
        int[] sp = Posix.socketpair();
        try (Descriptor a = new Descriptor(sp[0]); Descriptor b = new Descriptor(sp[1])) {
            assertTrue(a.isSocket() && b.isSocket());
            byte[] big = new byte[3 << 20];
            for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + (i >> 12));
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.inputStream().readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            OutputStream out = a.outputStream();
            out.write(big);
            out.close();
            assertArrayEquals(big, read.join());
        }
    }

    @Test
    void aFileDescriptorIsNotASocketAndBadNumbersFail(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("f");
        Files.writeString(f, "file contents");
        int[] pipe = Posix.pipe();
        try (Descriptor r = new Descriptor(pipe[0]); Descriptor w = new Descriptor(pipe[1])) {
            assertFalse(r.isSocket());
        }
        IOException e = assertThrows(IOException.class, () -> new Descriptor(pipe[0]), "closed now");
        assertTrue(e.getMessage().contains("Bad file descriptor"), e.getMessage());
    }

    @Test
    void serverAcceptsAClientAndCloseWakesAcceptAndRead(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("s");
        UnixServerSocket server = UnixServerSocket.listen(p);
        try (UnixSocket c = UnixSocket.connect(p); UnixSocket s = server.accept()) {
            c.write(bytes("hi"), 0, 2);
            byte[] buf = new byte[8];
            assertEquals(2, s.read(buf, 0, 8));
            CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.read(buf, 0, 8);
                } catch (IOException ex) {
                    return -2;
                }
            });
            Thread.sleep(100);
            s.close();
            assertTrue(blocked.get(5, TimeUnit.SECONDS) < 0, "a blocked read ends when the socket closes");
        }
        CompletableFuture<Boolean> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                server.accept();
                return false;
            } catch (IOException ex) {
                return true;
            }
        });
        Thread.sleep(100);
        server.close();
        assertTrue(accepting.get(5, TimeUnit.SECONDS), "a blocked accept fails once the server closes");
        IOException e = assertThrows(IOException.class, () -> UnixSocket.connect(dir.resolve("nobody")));
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    }

    @Test
    void manyDescriptorsInOneMessageArriveInOrder() throws IOException {
        int[] sp = Posix.socketpair();
        List<int[]> pipes = new ArrayList<>();
        for (int i = 0; i < 3; i++) pipes.add(Posix.pipe());
        try (UnixSocket a = UnixSocket.of(sp[0]); UnixSocket b = UnixSocket.of(sp[1])) {
            a.send(bytes("m"), 0, 1, pipes.get(0)[1], pipes.get(1)[1], pipes.get(2)[1]);
            b.read(new byte[1], 0, 1);
            for (int i = 0; i < 3; i++) {
                int w = b.takeReceivedFd();
                try (Descriptor d = new Descriptor(w)) {
                    d.outputStream().write(bytes("pipe" + i));
                }
                Posix.close(pipes.get(i)[1]);
                try (Descriptor r = new Descriptor(pipes.get(i)[0])) {
                    InputStream in = r.inputStream();
                    assertEquals("pipe" + i, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
    }
}
