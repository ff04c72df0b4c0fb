package dev.ferry.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.chardev.CharFrontend;
import dev.ferry.chardev.MuxBackend;
import dev.ferry.chardev.SocketServerBackend;
import dev.ferry.machine.RunState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The human monitor over a Unix socket (and a mux) against a real machine. */
class HmpTest {
    static final String BANNER = "QEMU 7.2.0 monitor - type 'help' for more information\r\n";
    static final String PROMPT = "(qemu) ";

    @TempDir
    Path dir;

    private Path sock() {
        return dir.resolve("hmp.sock");
    }

    /** Types a line and returns what came back up to the next prompt. */
    private static String run(HmpClient c, String line) throws Exception {
        c.send(line + "\r");
        return c.until(PROMPT);
    }

    @Test
    void bannerPromptAndCommands() throws Exception {
        try (TestMachine m = new TestMachine(dir, 2, false, false, "myvm"); SocketServerBackend s = SocketServerBackend.unix(sock(), false)) {
            m.monitors.addHmp(s);
            m.start(false);
            try (HmpClient c = new HmpClient(sock())) {
                assertEquals(BANNER + PROMPT, c.until(PROMPT));
                assertEquals("info status\r\nVM status: running\r\n" + PROMPT, run(c, "info status"));
                assertEquals("help stop\r\nstop|s  -- stop emulation\r\n" + PROMPT, run(c, "help stop"));
                assertEquals("info version\r\n7.2.0" + Monitors.PACKAGE + "\r\n" + PROMPT, run(c, "info version"));
                assertEquals("info name\r\nmyvm\r\n" + PROMPT, run(c, "info name"));
                assertEquals("info chardev\r\nserial0: filename=null\r\n" + PROMPT, run(c, "info chardev"));
                List<Long> tids = m.monitors.vcpuThreadIds();
                assertEquals("info cpus\r\n* CPU #0: thread_id=" + tids.get(0) + "\r\n  CPU #1: thread_id=" + tids.get(1) + "\r\n" + PROMPT,
                        run(c, "info cpus"));
                assertEquals("info kvm\r\nkvm support: not compiled\r\n" + PROMPT, run(c, "info kvm"));
                assertEquals("stop\r\n" + PROMPT, run(c, "stop"));
                assertEquals(RunState.PAUSED, m.machine.state());
                assertEquals("info status\r\nVM status: paused\r\n" + PROMPT, run(c, "info status"));
                assertEquals("c\r\n" + PROMPT, run(c, "c"));
                assertEquals(RunState.RUNNING, m.machine.state());
                assertEquals("s extra\r\nstop|s: extraneous characters at the end of line\r\nTry \"help s\" for more information\r\n" + PROMPT,
                        run(c, "s extra"));
                assertEquals("info status x\r\nstatus: extraneous characters at the end of line\r\nTry \"help info status\" for more information\r\n"
                        + PROMPT, run(c, "info status x"));
                assertEquals("nosuch\r\nunknown command: 'nosuch'\r\n" + PROMPT, run(c, "nosuch"));
                assertEquals("info nosuch\r\nunknown command: 'info nosuch'\r\n" + PROMPT, run(c, "info nosuch"));
                assertEquals("help info status\r\ninfo status  -- show the current VM status (running|paused)\r\n" + PROMPT,
                        run(c, "help info status"));
                assertEquals("help nosuch\r\nunknown command: 'nosuch'\r\n" + PROMPT, run(c, "help nosuch"));
                assertEquals("\r\n" + PROMPT, run(c, ""));
                assertEquals("help\r\n"
                        + "cont|c  -- resume emulation\r\n"
                        + "delvm tag -- delete a VM snapshot from its tag\r\n"
                        + "help|? [cmd] -- show the help\r\n"
                        + "info [subcommand] -- show various information about the system state\r\n"
                        + "loadvm tag -- restore a VM snapshot from its tag\r\n"
                        + "migrate [-d] [-b] [-i] [-r] uri -- migrate to URI (using -d to not wait for completion)\r\n"
                        + "\t\t\t -b for migration without shared storage with full copy of disk\r\n"
                        + "\t\t\t -i for migration without shared storage with incremental copy of disk (base image shared between src and destination)\r\n"
                        + "\t\t\t -r to resume a paused migration\r\n"
                        + "migrate_cancel  -- cancel the current VM migration\r\n"
                        + "migrate_continue state -- Continue migration from the given paused state\r\n"
                        + "migrate_incoming uri -- Continue an incoming migration from an -incoming defer\r\n"
                        + "migrate_set_capability capability state -- Enable/Disable the usage of a capability for migration\r\n"
                        + "migrate_set_parameter parameter value -- Set the parameter for migration\r\n"
                        + "quit|q  -- quit the emulator\r\n"
                        + "savevm [tag] -- save a VM snapshot. If no tag is provided, a new snapshot is created\r\n"
                        + "stop|s  -- stop emulation\r\n"
                        + "system_powerdown  -- send system power down event\r\n"
                        + "system_reset  -- reset the system\r\n" + PROMPT, run(c, "help"));
                assertEquals("info\r\n"
                        + "info block [-n] [device] -- show info of one block device or all block devices (-n: show named nodes)\r\n"
                        + "info chardev  -- show the character devices\r\n"
                        + "info cpus  -- show infos for each CPU\r\n"
                        + "info history  -- show the command line history\r\n"
                        + "info kvm  -- show KVM information\r\n"
                        + "info migrate  -- show migration status\r\n"
                        + "info migrate_capabilities  -- show current migration capabilities\r\n"
                        + "info migrate_parameters  -- show current migration parameters\r\n"
                        + "info name  -- show the current VM name\r\n"
                        + "info snapshots  -- show the currently saved VM snapshots\r\n"
                        + "info status  -- show the current VM status (running|paused)\r\n"
                        + "info version  -- show the version of QEMU\r\n" + PROMPT, run(c, "info"));
                assertEquals("system_powerdown\r\n" + PROMPT, run(c, "system_powerdown"));
                assertEquals("migrate\r\nmigrate: string expected\r\nTry \"help migrate\" for more information\r\n" + PROMPT, run(c, "migrate"));
                assertEquals("migrate_set_parameter downtime-limit 500\r\n" + PROMPT, run(c, "migrate_set_parameter downtime-limit 500"));
                assertTrue(run(c, "info migrate_parameters").contains("\r\nmax-bandwidth: 134217728 bytes/second\r\ndowntime-limit: 500 ms\r\n"));
                c.send("quit\r");
                assertEquals("quit\r\n", c.until("quit\r\n"));
                assertTrue(m.awaitExit(5000), "quit ends the machine");
                assertEquals("", c.quiet(200), "no prompt after quit");
            }
        }
    }

    @Test
    void aSynchronousMigrateShowsItsProgressUntilDone() throws Exception {
        try (TestMachine m = new TestMachine(dir, 1, false, false, null); SocketServerBackend s = SocketServerBackend.unix(sock(), false)) {
            m.monitors.addHmp(s);
            m.start(false);
            String uri = "unix:" + dir.resolve("mig.sock");
            dev.ferry.migration.Channels.Listener l = dev.ferry.migration.Channels.listen(uri);
            Thread sink = Thread.ofPlatform().daemon(true).start(() -> {
                try (var ch = l.accept()) {
                    ch.in().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (Exception ignored) {
                    // the test is over
                }
            });
            try (HmpClient c = new HmpClient(sock())) {
                c.until(PROMPT);
                run(c, "migrate_set_capability return-path off");
                // 64 MiB of guest RAM, mostly zero pages of 9 bytes: a few seconds at 64 KiB/s
                run(c, "migrate_set_parameter max-bandwidth 64k");
                c.send("migrate " + uri + "\r");
                String out = c.until(PROMPT, 60);
                assertTrue(java.util.regex.Pattern.compile("migrate \\S+\r\n(Completed \\d{1,3} %\r)+\r\n" + java.util.regex.Pattern.quote(PROMPT))
                        .matcher(out).matches(), out);
                assertEquals("info status\r\nVM status: paused (postmigrate)\r\n" + PROMPT, run(c, "info status"));
            }
            sink.join(10_000);
        }
    }

    @Test
    void historyRecallAndLineEditing() throws Exception {
        try (TestMachine m = new TestMachine(dir); SocketServerBackend s = SocketServerBackend.unix(sock(), false)) {
            m.monitors.addHmp(s);
            m.start(false);
            try (HmpClient c = new HmpClient(sock())) {
                c.until(PROMPT);
                run(c, "info status");
                run(c, "info name");
                // up arrow (normal cursor mode) twice recalls "info status"; Enter runs it
                c.send("\033[A\033[A\r");
                assertTrue(c.until(PROMPT).endsWith("\r\nVM status: running\r\n" + PROMPT));
                // application cursor mode's up arrow too; then down comes back to the newer entry
                c.send("\033OA\033OA\033[B\r");
                String got = c.until(PROMPT);
                assertTrue(got.endsWith("\r\nVM status: running\r\n" + PROMPT), HmpClient.esc(got));
                // backspace, left arrow and insert: "abc" -> "a" -> "ax" -> "yax"
                c.send("abc\177\177x\033[D\033[Dy\r");
                assertTrue(c.until(PROMPT).endsWith("\r\nunknown command: 'yax'\r\n" + PROMPT));
                // Ctrl-A (start of line), Ctrl-E (end), Delete and End keys: "info status" -> "ifo status"
                c.send("fo status\001in\005\001\033[3~\033[3~i\033[F\r");
                assertTrue(c.until(PROMPT).endsWith("\r\nunknown command: 'ifo'\r\n" + PROMPT));
                // Ctrl-C and Ctrl-D do nothing; Tab completes the command name
                c.send("\003\004inf\tsta\t\r");
                assertTrue(c.until(PROMPT).endsWith("\r\nVM status: running\r\n" + PROMPT));
                assertEquals("info history\r\n0: 'info status'\r\n1: 'info name'\r\n2: 'info status'\r\n3: 'yax'\r\n4: 'ifo status'\r\n"
                        + "5: 'info status'\r\n6: 'info history'\r\n" + PROMPT, run(c, "info history"));
            }
        }
    }

    @Test
    void eachConnectionGetsTheBannerAndTheHistoryStays() throws Exception {
        try (TestMachine m = new TestMachine(dir); SocketServerBackend s = SocketServerBackend.unix(sock(), false)) {
            m.monitors.addHmp(s);
            m.start(true);
            try (HmpClient c = new HmpClient(sock())) {
                assertEquals(BANNER + PROMPT, c.until(PROMPT));
                assertEquals("info status\r\nVM status: paused (prelaunch)\r\n" + PROMPT, run(c, "info status"));
                c.send("inf"); // a half-typed line is dropped with the connection
            }
            Thread.sleep(4 * ConnectionWatch.POLL_MILLIS + 50);
            try (HmpClient c = new HmpClient(sock())) {
                assertEquals(BANNER + PROMPT, c.until(PROMPT));
                c.send("\033[A\r");
                assertTrue(c.until(PROMPT).endsWith("info status\r\nVM status: paused (prelaunch)\r\n" + PROMPT));
            }
        }
    }

    @Test
    void onAMuxTheMonitorSpeaksWhenItHasTheFocus() throws Exception {
        try (TestMachine m = new TestMachine(dir); SocketServerBackend s = SocketServerBackend.unix(sock(), false)) {
            Hmp[] hmp = new Hmp[1];
            MuxBackend mux = new MuxBackend(s, new MuxBackend.Listener() {
                @Override
                public void focusChanged(int focus) {
                    hmp[0].setFocused(focus == 1);
                }
            });
            mux.newPort().attach(new CharFrontend() { // the serial port's place
                @Override
                public int canReceive() {
                    return 1024;
                }

                @Override
                public void receive(byte[] buf, int off, int len) {
                }
            });
            hmp[0] = m.monitors.addHmp(mux.newPort(), s, false);
            mux.setFocus(0);
            m.start(false);
            try (HmpClient c = new HmpClient(sock())) {
                assertEquals("", c.quiet(300), "the banner waits for the focus");
                c.send("\001c");
                assertEquals(BANNER + PROMPT, c.until(PROMPT));
                assertEquals("info status\r\nVM status: running\r\n" + PROMPT, run(c, "info status"));
                c.send("\001c");
                assertEquals("\r\n", c.until("\r\n"));
                c.send("info status\r"); // goes to the serial port
                c.send("\001c");
                assertEquals(PROMPT, c.until(PROMPT));
                assertEquals("stop\r\n" + PROMPT, run(c, "stop"));
                assertEquals(RunState.PAUSED, m.machine.state());
            }
        }
    }
}
