package dev.ferry.monitor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.block.BlockDriver;
import dev.ferry.block.Qcow2Image;
import dev.ferry.machine.DriveBackend;
import java.util.List;

/**
 * The block layer as QEMU 7.2's monitors show it: query-block (one entry per drive a device
 * uses, with its image node "inserted"), query-named-block-nodes (the format nodes, backing
 * nodes included) and HMP's {@code info block}. Ferry opens no separate protocol ("file")
 * nodes, so those QEMU lists too are absent, as are the throttling and I/O statistics that
 * Ferry does not keep (reported as zero where QEMU's schema requires them).
 */
final class QmpBlock {
    private QmpBlock() {
    }

    static void register(QmpCommands r) {
        r.register(QmpCommand.builder("query-block").handler(call -> {
            ArrayNode a = QmpJson.NODES.arrayNode();
            for (DriveBackend d : drives(call.monitors())) a.add(blockInfo(d));
            return a;
        }).build());
        r.register(QmpCommand.builder("query-named-block-nodes").optional("flat", QmpType.BOOL).handler(call -> {
            ArrayNode a = QmpJson.NODES.arrayNode();
            for (DriveBackend d : drives(call.monitors()))
                for (BlockDriver b = d.driver(); b != null; b = b.backing().orElse(null)) a.add(nodeInfo(b, d.attachment()));
            return a;
        }).build());
    }

    static void registerHmp(HmpCommands t) {
        t.info().register(HmpCommand.of("block", "nodes:-n,device:B?", "[-n] [device]",
                "show info of one block device or all block devices (-n: show named nodes)",
                (ctx, a) -> ctx.print(a.bool("nodes") ? infoNodes(ctx.monitors()) : infoBlock(ctx.monitors(), a.str("device", null)))));
    }

    /**
     * The drives in the order their devices were given (QEMU lists block backends in the
     * order they were created): the first device sits in the highest virtio-mmio slot.
     */
    static List<DriveBackend> drives(Monitors monitors) {
        return monitors.machine().drives().reversed();
    }

    /** One query-block entry, members in the order QEMU 7.2 prints them. */
    static ObjectNode blockInfo(DriveBackend d) {
        ObjectNode o = QmpJson.NODES.objectNode();
        o.put("io-status", "ok");
        o.put("device", d.name());
        o.put("locked", false);
        o.put("removable", false);
        o.set("inserted", nodeInfo(d.driver(), d.attachment()));
        if (d.attachment().qdev() != null) o.put("qdev", d.attachment().qdev());
        o.put("type", "unknown");
        return o;
    }

    private static int backingDepth(BlockDriver b) {
        int n = 0;
        for (BlockDriver x = b.backing().orElse(null); x != null; x = x.backing().orElse(null)) n++;
        return n;
    }

    /** QEMU's BlockDeviceInfo for a format node. */
    static ObjectNode nodeInfo(BlockDriver b, DriveBackend.Attachment at) {
        ObjectNode o = QmpJson.NODES.objectNode();
        o.put("iops_rd", 0);
        o.put("detect_zeroes", "off");
        o.set("image", imageInfo(b));
        o.put("iops_wr", 0);
        o.put("ro", b.readOnly());
        o.put("node-name", b.nodeName());
        o.put("backing_file_depth", backingDepth(b));
        o.put("drv", b.formatName());
        o.put("iops", 0);
        o.put("bps_wr", 0);
        o.put("write_threshold", 0);
        b.backing().ifPresent(x -> o.put("backing_file", x.path().toString()));
        o.put("encrypted", false);
        o.put("bps", 0);
        o.put("bps_rd", 0);
        ObjectNode cache = o.putObject("cache");
        cache.put("no-flush", at.noFlush());
        cache.put("direct", at.direct());
        cache.put("writeback", at.writeback());
        o.put("file", b.path().toString());
        return o;
    }

    /** QEMU's ImageInfo: the size, the file, the format (and a qcow2's cluster size), the backing image. */
    private static ObjectNode imageInfo(BlockDriver b) {
        ObjectNode o = QmpJson.NODES.objectNode();
        o.put("virtual-size", b.size());
        o.put("filename", b.path().toString());
        if (b instanceof Qcow2Image q) o.put("cluster-size", q.clusterSize());
        o.put("format", b.formatName());
        o.put("dirty-flag", false);
        b.backing().ifPresent(x -> {
            o.put("backing-filename", x.path().toString());
            o.set("backing-image", imageInfo(x));
        });
        return o;
    }

    /** HMP's {@code info block [device]}: an entry per drive, a blank line between entries. */
    static String infoBlock(Monitors monitors, String device) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (DriveBackend d : drives(monitors)) {
            boolean first = i++ == 0;
            if (device != null && !device.equals(d.name())) continue;
            if (!first) sb.append('\n');
            BlockDriver b = d.driver();
            sb.append(d.name()).append(" (").append(b.nodeName()).append("): ");
            entry(sb, b, d.attachment());
        }
        return sb.toString();
    }

    /** HMP's {@code info block -n}: an entry per named node. */
    static String infoNodes(Monitors monitors) {
        StringBuilder sb = new StringBuilder();
        for (DriveBackend d : drives(monitors)) {
            for (BlockDriver b = d.driver(); b != null; b = b.backing().orElse(null)) {
                if (!sb.isEmpty()) sb.append('\n');
                sb.append(b.nodeName()).append(": ");
                entry(sb, b, new DriveBackend.Attachment(null, d.attachment().writeback(), d.attachment().direct(), d.attachment().noFlush()));
            }
        }
        return sb.toString();
    }

    private static void entry(StringBuilder sb, BlockDriver b, DriveBackend.Attachment at) {
        sb.append(b.path()).append(" (").append(b.formatName());
        if (b.readOnly()) sb.append(", read-only");
        sb.append(")\n");
        if (at.qdev() != null) sb.append("    Attached to:      ").append(at.qdev()).append('\n');
        sb.append("    Cache mode:       ").append(at.writeback() ? "writeback" : "writethrough");
        if (at.direct()) sb.append(", direct");
        if (at.noFlush()) sb.append(", ignore flushes");
        sb.append('\n');
        if (b.backing().isPresent())
            sb.append("    Backing file:     ").append(b.backing().get().path()).append(" (chain depth: ").append(backingDepth(b)).append(")\n");
    }
}
