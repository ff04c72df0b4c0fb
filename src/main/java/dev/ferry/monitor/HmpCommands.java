package dev.ferry.monitor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A human-monitor command table: the top-level commands, or a sub-table such as
 * {@code info}'s. Later work adds commands with {@link #register} (migrate, savevm, loadvm...)
 * and info subcommands with {@code info().register(...)} (info migrate, info snapshots...).
 * {@code help} lists a table in name order, as QEMU does. Thread-safe.
 */
public final class HmpCommands {
    private final List<HmpCommand> commands = new ArrayList<>();

    public synchronized void register(HmpCommand c) {
        for (String n : c.names()) {
            if (lookup(n) != null) throw new IllegalArgumentException("HMP command registered twice: " + n);
        }
        commands.add(c);
    }

    /** The command named {@code word} (its name or an alias), or null. */
    public synchronized HmpCommand lookup(String word) {
        for (HmpCommand c : commands) {
            if (c.names().contains(word)) return c;
        }
        return null;
    }

    /** The commands in name order. */
    public synchronized List<HmpCommand> all() {
        List<HmpCommand> l = new ArrayList<>(commands);
        l.sort(Comparator.comparing(HmpCommand::name));
        return l;
    }

    /** The {@code info} sub-table. */
    public HmpCommands info() {
        HmpCommand info = lookup("info");
        if (info == null || info.subcommands() == null) throw new IllegalStateException("no info command");
        return info.subcommands();
    }

    /** Every name and alias, for completion. */
    public synchronized List<String> names() {
        List<String> l = new ArrayList<>();
        for (HmpCommand c : commands) l.addAll(c.names());
        l.sort(null);
        return l;
    }

    /** Runs one command line, printing its output (or QEMU's error) through {@code ctx}. */
    public void execute(HmpContext ctx, String line) {
        dispatch(ctx, line, 0, "");
    }

    private void dispatch(HmpContext ctx, String line, int pos, String prefix) {
        while (pos < line.length() && Character.isWhitespace(line.charAt(pos))) pos++;
        if (pos >= line.length()) return;
        int start = pos;
        while (pos < line.length() && !Character.isWhitespace(line.charAt(pos))) pos++;
        String typed = line.substring(start, pos);
        HmpCommand cmd = lookup(typed);
        if (cmd == null) {
            ctx.println("unknown command: '" + prefix + typed + "'");
            return;
        }
        if (cmd.subcommands() != null) {
            int p = pos;
            while (p < line.length() && Character.isWhitespace(line.charAt(p))) p++;
            if (p >= line.length()) {
                cmd.subcommands().printHelp(ctx, prefix + typed + " ");
                return;
            }
            cmd.subcommands().dispatch(ctx, line, p, prefix + typed + " ");
            return;
        }
        HmpArgs args;
        try {
            args = HmpArgs.parse(cmd, line, pos);
        } catch (HmpArgs.ParseError e) {
            ctx.println(e.getMessage());
            ctx.println("Try \"help " + prefix + typed + "\" for more information");
            return;
        }
        try {
            cmd.handler().run(ctx, args);
        } catch (QmpError e) {
            ctx.error(e.desc());
        }
    }

    /** Every command's help line, in name order. */
    public void printHelp(HmpContext ctx, String prefix) {
        for (HmpCommand c : all()) ctx.println(c.helpLine(prefix));
    }

    /**
     * {@code help [cmd]}: everything, or the commands that {@code words} name (a sub-table's
     * command by its path: {@code help info status}).
     */
    public void help(HmpContext ctx, String words) {
        String[] w = words == null ? new String[0] : words.strip().split("\\s+");
        if (w.length == 0 || w[0].isEmpty()) {
            printHelp(ctx, "");
            return;
        }
        HmpCommands table = this;
        String prefix = "";
        for (int i = 0; i < w.length; i++) {
            HmpCommand c = table.lookup(w[i]);
            if (c == null) {
                ctx.println("unknown command: '" + prefix + w[i] + "'");
                return;
            }
            if (c.subcommands() != null && i == 0 && w.length > 1) {
                table = c.subcommands();
                prefix = prefix + w[i] + " ";
                continue;
            }
            if (c.subcommands() != null && w.length == 1) {
                c.subcommands().printHelp(ctx, prefix + w[i] + " ");
                return;
            }
            ctx.println(c.helpLine(prefix));
            return;
        }
    }
}
