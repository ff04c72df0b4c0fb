package dev.ferry.hw;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import dev.ferry.migration.vmstate.ByteArrayVMStateReader;
import dev.ferry.migration.vmstate.ByteArrayVMStateWriter;
import dev.ferry.migration.vmstate.VMStateException;
import org.junit.jupiter.api.Test;

class SifiveTestTest {
    final List<String> calls = new ArrayList<>();
    final SifiveTest test = new SifiveTest(new BoardControl() {
        @Override
        public void shutdown(int status, String reason) {
            calls.add("shutdown " + status + " " + reason);
        }

        @Override
        public void reset() {
            calls.add("reset");
        }
    });

    @Test
    void finisherCommands() {
        test.write(0, 4, 0x5555);
        test.write(0, 4, 0x3333 | (42 << 16));
        test.write(0, 4, 0x7777);
        assertEquals(List.of("shutdown 0 guest-shutdown", "shutdown 42 guest-shutdown", "reset"), calls);
    }

    @Test
    void everythingElseIgnored() {
        test.write(0, 4, 0x1234);
        test.write(4, 4, 0x5555);
        test.write(0, 1, 0x55);
        assertEquals(0, test.read(0, 4));
        assertTrue(calls.isEmpty());
    }

    @Test
    void emptyStateRoundTrip() throws Exception {
        byte[] body = SifiveTest.VMSTATE.save(test);
        assertEquals(0, body.length);
        SifiveTest.VMSTATE.load(test, new ByteArrayVMStateReader(body), 1);
        test.write(0, 4, 0x5555);
        assertEquals(List.of("shutdown 0 guest-shutdown"), calls);
    }
}
