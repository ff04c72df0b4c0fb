package dev.ferry.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ferry demo}: starts two Ferry processes on localhost, boots the built-in demo guest on
 * the source, live-migrates it over TCP to the destination (started with {@code -incoming}),
 * shows the progress and the figures, and shows the guest's counter carrying on at the
 * destination. Both processes are driven through their human monitors, as a user would.
 */
public final class Demo {
    private Demo() {}

    private static final Pattern PASS = Pattern.compile("demo: pass (\\d+) ok");

    public static int run(String[] args) {
        double seconds = 3;
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
        List<Process> procs = new ArrayList<>();
        try {
            Path dir = Files.createTempDirectory("ferry-demo");
            Path guest = dir.resolve("demo-guest.bin");
            Files.write(guest, DemoGuest.build(16, 1_000_000));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            List<String> common = List.of("-machine", "virt", "-m", "128M", "-bios", "none", "-kernel", guest.toString(),
                    "-display", "none");
            Path srcOut = dir.resolve("source.txt"), dstOut = dir.resolve("destination.txt");
            Path srcMon = dir.resolve("source.monitor"), dstMon = dir.resolve("destination.monitor");
            say("the demo guest: a bare-metal RV64 program that rewrites 16 MiB every pass and counts passes");
            List<String> dstCmd = new ArrayList<>(common);
            dstCmd.addAll(List.of("-serial", "file:" + dstOut, "-monitor", "unix:" + dstMon + ",server=on,wait=off",
                    "-incoming", "tcp:127.0.0.1:" + port));
            procs.add(start(dstCmd, dir.resolve("destination.log")));
            say("destination: ferry " + String.join(" ", dstCmd));
            List<String> srcCmd = new ArrayList<>(common);
            srcCmd.addAll(List.of("-serial", "file:" + srcOut, "-monitor", "unix:" + srcMon + ",server=on,wait=off"));
            procs.add(start(srcCmd, dir.resolve("source.log")));
            say("source:      ferry " + String.join(" ", srcCmd));
            Monitor src = Monitor.connect(srcMon, procs.get(1), dir.resolve("source.log"));
            Monitor dst = Monitor.connect(dstMon, procs.get(0), dir.resolve("destination.log"));
            say("destination status: " + dst.command("info status").strip());
            int[] shown = {0};
            long until = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < until) {
                showNew(srcOut, "source", shown);
                Thread.sleep(100);
            }
            showNew(srcOut, "source", shown);
            say("migrating: migrate -d tcp:127.0.0.1:" + port + " (max-bandwidth 128 MiB/s, downtime-limit 300 ms)");
            src.command("migrate -d tcp:127.0.0.1:" + port);
            String info;
            boolean tty = System.console() != null;
            long lastLine = 0;
            while (true) {
                info = src.command("info migrate");
                String status = field(info, "Migration status");
                long done = num(field(info, "transferred ram")), total = num(field(info, "total ram"));
                long remaining = num(field(info, "remaining ram"));
                int width = 40;
                int filled = total > 0 ? (int) Math.min(width, width * (total - Math.min(total, remaining)) / total) : 0;
                if (status != null && status.equals("completed")) filled = width;
                String line = String.format(Locale.ROOT, "ferry demo: [%s%s] %-9s %7d KiB sent, %7d KiB left",
                        "#".repeat(filled), ".".repeat(width - filled), status, done, remaining);
                boolean end = status == null || status.equals("completed") || status.equals("failed") || status.equals("cancelled");
                if (tty) {
                    System.out.print("\r" + line + "   ");
                    System.out.flush();
                } else if (end || System.nanoTime() - lastLine > 250_000_000L) {
                    System.out.println(line);
                    lastLine = System.nanoTime();
                }
                if (end) break;
                Thread.sleep(50);
            }
            if (tty) System.out.println();
            String status = field(info, "Migration status");
            if (!"completed".equals(status)) {
                say("migration " + status + ": " + field(info, "Error"));
                return 1;
            }
            say("completed: total time " + field(info, "total time") + ", downtime " + field(info, "downtime")
                    + ", " + field(info, "transferred ram") + " sent in " + field(info, "dirty sync count") + " dirty-log syncs");
            say("source status:      " + src.command("info status").strip());
            String dstStatus = dst.command("info status").strip();
            for (int i = 0; i < 100 && dstStatus.contains("inmigrate"); i++) { // it finishes loading the last bytes
                Thread.sleep(20);
                dstStatus = dst.command("info status").strip();
            }
            say("destination status: " + dstStatus);
            List<Integer> before = passes(srcOut);
            int[] shownDst = {0};
            until = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < until) {
                showNew(dstOut, "destination", shownDst);
                Thread.sleep(100);
            }
            showNew(dstOut, "destination", shownDst);
            List<Integer> after = passes(dstOut);
            boolean failed = Files.readString(dstOut).contains("FAIL");
            boolean continues = !before.isEmpty() && !after.isEmpty() && after.get(0) == before.get(before.size() - 1) + 1;
            say(continues && !failed
                    ? "the guest's counter went on from pass " + before.get(before.size() - 1) + " to " + after.get(after.size() - 1)
                            + " on the destination, with no lost write"
                    : "the guest did not continue as expected on the destination (see " + dir + ")");
            dst.command("quit");
            src.command("quit");
            for (Process p : procs) p.waitFor();
            return continues && !failed ? 0 : 1;
        } catch (IOException e) {
            System.err.println("ferry demo: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            for (Process p : procs) p.destroyForcibly();
        }
    }

    private static void say(String s) {
        System.out.println("ferry demo: " + s);
    }

    private static Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.ferry.cli.Main");
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    private static void showNew(Path console, String who, int[] shown) throws IOException {
        if (!Files.exists(console)) return;
        String text = Files.readString(console);
        text = text.substring(0, text.lastIndexOf('\n') + 1); // whole lines only
        List<String> lines = text.lines().toList();
        for (int i = shown[0]; i < lines.size(); i++) System.out.printf("  %-11s | %s%n", who, lines.get(i));
        shown[0] = lines.size();
    }

    private static List<Integer> passes(Path console) throws IOException {
        Matcher m = PASS.matcher(Files.readString(console));
        List<Integer> out = new ArrayList<>();
        while (m.find()) out.add(Integer.parseInt(m.group(1)));
        return out;
    }

    private static String field(String info, String name) {
        for (String l : info.lines().toList()) if (l.startsWith(name + ": ")) return l.substring(name.length() + 2).strip();
        return null;
    }

    private static long num(String v) {
        if (v == null) return 0;
        String d = v.replaceAll("[^0-9].*$", "");
        return d.isEmpty() ? 0 : Long.parseLong(d);
    }

    /** A human-monitor connection: sends a command line, returns what it printed before the next prompt. */
    private static final class Monitor {
        private final BufferedReader in;
        private final OutputStream out;

        private Monitor(SocketChannel sc) throws IOException {
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(sc), StandardCharsets.UTF_8));
            out = Channels.newOutputStream(sc);
            readUntilPrompt();
        }

        static Monitor connect(Path sock, Process p, Path log) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (true) {
                if (Files.exists(sock)) {
                    try {
                        SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX);
                        sc.connect(UnixDomainSocketAddress.of(sock));
                        return new Monitor(sc);
                    } catch (IOException e) {
                        // not listening yet
                    }
                }
                if (!p.isAlive()) throw new IOException("ferry exited: " + Files.readString(log).strip());
                if (System.nanoTime() > deadline) throw new IOException("no monitor at " + sock);
                Thread.sleep(50);
            }
        }

        String command(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readUntilPrompt();
        }

        private String readUntilPrompt() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                sb.append((char) c);
                if (sb.length() >= 7 && sb.substring(sb.length() - 7).equals("(qemu) ")) break;
            }
            String s = sb.toString().replace("\r", "");
            int first = s.indexOf('\n');
            s = first >= 0 ? s.substring(first + 1) : ""; // drop the echoed command line
            return s.endsWith("(qemu) ") ? s.substring(0, s.length() - 7) : s;
        }
    }
}
