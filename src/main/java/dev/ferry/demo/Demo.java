package dev.ferry.demo;

import dev.ferry.boot.ImageLoader.BootException;
import dev.ferry.chardev.CharBackend;
import dev.ferry.chardev.CharFrontend;
import dev.ferry.machine.RunState;
import dev.ferry.machine.VirtMachine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ferry demo}: boots the built-in demo guest and shows it working. Live migration
 * between two Ferry processes joins the demo when migration lands; until then the demo boots
 * the guest, lets it run, pauses it and reports what it did.
 */
public final class Demo {
    private Demo() {}

    public static int run(String[] args) {
        double seconds = 5;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seconds") && i + 1 < args.length) {
                try {
                    seconds = Double.parseDouble(args[++i]);
                } catch (NumberFormatException e) {
                    System.err.println("ferry demo: --seconds needs a number, not '" + args[i] + "'");
                    return 1;
                }
            } else {
                System.err.println("ferry demo: unknown argument '" + args[i] + "' (usage: ferry demo [--seconds N])");
                return 1;
            }
        }
        try {
            Path guest = Files.createTempFile("ferry-demo-guest", ".bin");
            guest.toFile().deleteOnExit();
            Files.write(guest, DemoGuest.build(8, 2_000_000));
            System.out.println("ferry demo: booting the built-in demo guest (bare-metal RV64, 8 MiB rewritten each pass)");
            System.out.println("ferry demo: command line: -machine virt -m 64M -bios none -nographic -kernel " + guest);
            PrefixConsole console = new PrefixConsole();
            VirtMachine.Options o = new VirtMachine.Options(64L << 20, 1, VirtMachine.BiosKind.NONE, null, guest, null,
                    null, null, console, false, false);
            try (VirtMachine m = new VirtMachine(o)) {
                long t0 = System.nanoTime();
                m.start();
                m.resume();
                Thread.sleep((long) (seconds * 1000));
                m.pause(RunState.PAUSED);
                double s = (System.nanoTime() - t0) / 1e9;
                long insns = m.harts.get(0).instructionsRetired();
                console.flush();
                System.out.printf("ferry demo: paused after %.1f s: %d guest instructions (%.1f million per second), %d passes, %d pages dirtied%n",
                        s, insns, insns / s / 1e6, console.passes, m.ram.dirtyLog().countDirty());
                System.out.println("ferry demo: live migration between two Ferry processes is not implemented yet");
                return console.failures == 0 ? 0 : 1;
            }
        } catch (IOException | BootException e) {
            System.err.println("ferry demo: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Prints the guest's console lines indented, and counts its passes and failures. */
    private static final class PrefixConsole implements CharBackend {
        private final StringBuilder line = new StringBuilder();
        int passes, failures;

        @Override
        public synchronized void write(byte[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                char c = (char) (buf[i] & 0xff);
                if (c == '\n') flushLine();
                else line.append(c);
            }
        }

        private void flushLine() {
            String l = line.toString();
            line.setLength(0);
            if (l.contains(" ok")) passes++;
            if (l.contains("FAIL")) failures++;
            System.out.println("  guest | " + l);
        }

        synchronized void flush() {
            if (!line.isEmpty()) flushLine();
        }

        @Override
        public void attach(CharFrontend frontend) {
        }

        @Override
        public void acceptInput() {
        }

        @Override
        public void close() {
        }
    }
}
