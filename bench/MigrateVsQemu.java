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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The live-migration scenario of bench/migrate-vs-qemu, run on an emulator given by its command:
 * a source with the shared Linux guest running {@code ab& 96} (every page rewritten over and over),
 * a destination with {@code -incoming tcp:}, both on loopback; the source gets max-bandwidth 1 GiB/s
 * and downtime-limit 300 ms through QMP, migrates, and the figures come from its query-migrate.
 * The destination must go on passing the a-b test with no FAIL line, or the round does not count.
 *
 * <p>Usage: java MigrateVsQemu.java GUESTS_DIR ROUNDS NAME=COMMAND... (COMMAND split on spaces).
 * Prints one line per round and a table of medians with the ratios to the first emulator.
 */
public class MigrateVsQemu {
    static final String[] FIELDS = {"total-time", "downtime", "setup-time", "transferred", "dirty-sync-count"};

    public static void main(String[] args) throws Exception {
        Path guests = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Map<String, String> emulators = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            emulators.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Map<String, List<Map<String, Long>>> results = new LinkedHashMap<>();
        for (var e : emulators.entrySet()) {
            List<Map<String, Long>> runs = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                Map<String, Long> m = round(e.getValue(), guests);
                System.out.printf("%-6s round %d: %s%n", e.getKey(), r, m);
                runs.add(m);
            }
            results.put(e.getKey(), runs);
        }
        String first = emulators.keySet().iterator().next();
        System.out.println();
        System.out.printf("%-22s", "median of " + rounds);
        for (String name : results.keySet()) System.out.printf("%14s", name);
        for (String name : results.keySet()) if (!name.equals(first)) System.out.printf("%14s", name + "/" + first);
        System.out.println();
        for (String f : FIELDS) {
            String label = switch (f) {
                case "total-time" -> "total time (ms)";
                case "downtime" -> "downtime (ms)";
                case "setup-time" -> "setup time (ms)";
                case "transferred" -> "sent (MB)";
                default -> "dirty syncs";
            };
            System.out.printf("%-22s", label);
            double base = median(results.get(first), f);
            for (var runs : results.values()) System.out.printf("%14s", show(f, median(runs, f)));
            for (var ent : results.entrySet())
                if (!ent.getKey().equals(first)) System.out.printf("%14.2f", median(ent.getValue(), f) / Math.max(base, 1e-9));
            System.out.println();
        }
    }

    static String show(String field, double v) {
        return field.equals("transferred") ? String.format("%.1f", v / 1e6) : String.format("%.0f", v);
    }

    static double median(List<Map<String, Long>> runs, String f) {
        double[] v = runs.stream().mapToDouble(m -> m.get(f)).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** One source, one destination, one migration; returns the source's final query-migrate figures. */
    static Map<String, Long> round(String command, Path guests) throws Exception {
        Path dir = Files.createTempDirectory("migrate-vs-qemu");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process dst = start(command, guests, dir, "dst", List.of("-incoming", "tcp:127.0.0.1:" + port));
        Process src = start(command, guests, dir, "src", List.of());
        try {
            waitFor(dir.resolve("src.txt"), "ab: pass 2 ok", 300);
            try (Qmp q = new Qmp(dir.resolve("src.qmp"))) {
                q.call("{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"max-bandwidth\":1073741824,\"downtime-limit\":300}}");
                q.call("{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:127.0.0.1:" + port + "\"}}");
                String info;
                while (true) {
                    info = q.call("{\"execute\":\"query-migrate\"}");
                    if (info.contains("\"completed\"")) break;
                    if (info.contains("\"failed\"") || info.contains("\"cancelled\"")) throw new IllegalStateException("migration: " + info);
                    Thread.sleep(20);
                }
                String passed = lastPass(dir.resolve("src.txt"));
                // the destination carries on: a pass beyond the source's last one, and no failure
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (true) {
                    String out = Files.readString(dir.resolve("dst.txt"));
                    if (out.contains("FAIL")) throw new IllegalStateException("the destination's a-b test failed:\n" + out);
                    String last = lastPass(dir.resolve("dst.txt"));
                    if (last != null && (passed == null || Long.parseLong(last) > Long.parseLong(passed))) break;
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the destination made no progress");
                    Thread.sleep(100);
                }
                Map<String, Long> m = new LinkedHashMap<>();
                for (String f : FIELDS) m.put(f, number(info, f));
                return m;
            }
        } finally {
            src.destroyForcibly().waitFor();
            dst.destroyForcibly().waitFor();
        }
    }

    static final Pattern PASS = Pattern.compile("ab: pass (\\d+) ok");

    static String lastPass(Path console) throws IOException {
        Matcher m = PASS.matcher(Files.readString(console));
        String last = null;
        while (m.find()) last = m.group(1);
        return last;
    }

    static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(\\d+)").matcher(json);
        if (!m.find()) throw new IllegalStateException("no " + field + " in " + json);
        return Long.parseLong(m.group(1));
    }

    static Process start(String command, Path guests, Path dir, String name, List<String> extra) throws IOException {
        List<String> cmd = new ArrayList<>(Arrays.asList(command.trim().split("\\s+")));
        cmd.addAll(List.of("-machine", "virt", "-m", "256M", "-display", "none", "-kernel", guests.resolve("Image").toString(),
                "-initrd", guests.resolve("initrd.cpio.gz").toString(), "-append", "console=ttyS0 quiet guest.run=ab&+96",
                "-serial", "file:" + dir.resolve(name + ".txt"),
                "-qmp", "unix:" + dir.resolve(name + ".qmp") + ",server=on,wait=off"));
        cmd.addAll(extra);
        Files.writeString(dir.resolve(name + ".txt"), "");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    static void waitFor(Path file, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!Files.readString(file).contains(text)) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("no '" + text + "' in " + file);
            Thread.sleep(100);
        }
    }

    /** A minimal QMP client: negotiates, then one request and its reply at a time (events skipped). */
    static final class Qmp implements AutoCloseable {
        final SocketChannel ch;
        final BufferedReader in;
        final OutputStream out;

        Qmp(Path socket) throws Exception {
            long deadline = System.nanoTime() + 60_000_000_000L;
            SocketChannel c = null;
            while (c == null) {
                try {
                    c = SocketChannel.open(StandardProtocolFamily.UNIX);
                    c.connect(UnixDomainSocketAddress.of(socket));
                } catch (IOException e) {
                    if (c != null) c.close();
                    c = null;
                    if (System.nanoTime() > deadline) throw e;
                    Thread.sleep(100);
                }
            }
            ch = c;
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            out = Channels.newOutputStream(ch);
            in.readLine(); // greeting
            call("{\"execute\":\"qmp_capabilities\"}");
        }

        String call(String request) throws IOException {
            out.write((request + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String line = in.readLine();
                if (line == null) throw new IOException("QMP connection closed");
                if (line.contains("\"event\"")) continue;
                if (line.contains("\"error\"")) throw new IOException(request + " -> " + line);
                return line;
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
