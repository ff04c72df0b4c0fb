package dev.ferry.monitor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.machine.RunState;
import java.util.List;

/**
 * The QMP commands every monitor has from the start: capabilities, run control, version and
 * name, vCPUs, and the HMP passthrough. Each result is built in the member order QEMU 7.2 prints.
 */
final class QmpBuiltins {
    private QmpBuiltins() {
    }

    static final QmpType.EnumType QMP_CAPABILITY = QmpType.enumOf("QMPCapability", "oob");

    static void register(QmpCommands r) {
        // handled by the monitor itself (negotiation mode); listed and typed here
        r.register(QmpCommand.builder("qmp_capabilities")
                .optional("enable", QmpType.arrayOf(QMP_CAPABILITY))
                .handler(call -> {
                    throw QmpError.commandNotFound("Capabilities negotiation is already complete, command ignored");
                })
                .build());
        r.register(QmpCommand.builder("query-status").handler(call -> {
            RunState s = call.monitors().machine().state();
            ObjectNode o = QmpJson.NODES.objectNode();
            o.put("status", s.qemuName());
            o.put("singlestep", false);
            o.put("running", s.isRunning());
            return o;
        }).build());
        r.register(QmpCommand.builder("stop").handler(call -> {
            call.monitors().stop();
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("cont").handler(call -> {
            call.monitors().cont();
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("system_reset").handler(call -> {
            call.monitors().systemReset();
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("system_powerdown").handler(call -> {
            call.monitors().systemPowerdown();
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("quit").handler(call -> {
            call.afterReply(call.monitors()::quit);
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("query-version").handler(call -> version()).build());
        r.register(QmpCommand.builder("query-commands").handler(call -> {
            ArrayNode a = QmpJson.NODES.arrayNode();
            for (QmpCommand c : call.monitors().qmpCommands().all()) a.addObject().put("name", c.name());
            return a;
        }).build());
        r.register(QmpCommand.builder("query-name").handler(call -> {
            ObjectNode o = QmpJson.NODES.objectNode();
            if (call.monitors().name() != null) o.put("name", call.monitors().name());
            return o;
        }).build());
        r.register(QmpCommand.builder("query-kvm").handler(call -> {
            ObjectNode o = QmpJson.NODES.objectNode();
            o.put("enabled", false);
            o.put("present", false);
            return o;
        }).build());
        r.register(QmpCommand.builder("query-cpus-fast").handler(call -> {
            ArrayNode a = QmpJson.NODES.arrayNode();
            List<Long> tids = call.monitors().vcpuThreadIds();
            for (int i = 0; i < tids.size(); i++) {
                ObjectNode c = a.addObject();
                c.put("thread-id", tids.get(i));
                c.putObject("props").put("core-id", i);
                c.put("qom-path", "/machine/soc0/harts[" + i + "]");
                c.put("cpu-index", i);
                c.put("target", "riscv64");
            }
            return a;
        }).build());
        r.register(QmpCommand.builder("human-monitor-command")
                .arg("command-line", QmpType.STR)
                .optional("cpu-index", QmpType.INT)
                .handler(call -> {
                    int cpu = 0;
                    if (call.has("cpu-index")) {
                        long idx = call.integer("cpu-index");
                        if (!call.monitors().isCpu(idx)) throw QmpError.generic("Parameter 'cpu-index' expects a CPU number");
                        cpu = (int) idx;
                    }
                    return QmpJson.NODES.textNode(call.monitors().runHmp(call.str("command-line"), cpu));
                })
                .build());
    }

    /** query-version's value, also the greeting's "version". */
    static ObjectNode version() {
        ObjectNode v = QmpJson.NODES.objectNode();
        ObjectNode q = v.putObject("qemu");
        q.put("micro", Monitors.QEMU_MICRO);
        q.put("minor", Monitors.QEMU_MINOR);
        q.put("major", Monitors.QEMU_MAJOR);
        v.put("package", Monitors.PACKAGE);
        return v;
    }
}
