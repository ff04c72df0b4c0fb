package dev.ferry.chardev;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackendTest {
    @TempDir
    Path dir;

    @Test
    void writtenThroughAtOnce() throws Exception {
        Path p = dir.resolve("serial.log");
        Files.writeString(p, "old contents");
        try (FileBackend f = new FileBackend(p, false)) {
            assertEquals("", Files.readString(p), "truncated at open");
            f.write("hello ");
            assertEquals("hello ", Files.readString(p), "visible to another reader before close");
            f.write(new byte[] {'w', 'o', 'r', 'l', 'd'}, 1, 3);
            assertEquals("hello orl", Files.readString(p));
            f.attach(new CollectingFrontend(4)); // no input: harmless
        }
        try (FileBackend f = (FileBackend) CharBackends.open("file:" + p)) {
            f.write('x');
        }
        assertEquals("x", Files.readString(p));
        try (FileBackend f = new FileBackend(p, true)) {
            f.write("y");
        }
        assertEquals("xy", Files.readString(p));
    }

    @Test
    void writesAfterCloseAreIgnored() throws Exception {
        Path p = dir.resolve("a");
        FileBackend f = new FileBackend(p, false);
        f.close();
        f.write("late");
        f.close();
        assertEquals("", Files.readString(p));
    }

    @Test
    void nullBackendTakesAnything() {
        try (CharBackend n = CharBackends.open("null")) {
            n.write("anything");
            n.attach(new CollectingFrontend(1));
            n.acceptInput();
            assertEquals("null", n.describe());
        }
    }
}
