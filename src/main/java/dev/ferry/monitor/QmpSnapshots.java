package dev.ferry.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.machine.Snapshots;
import dev.ferry.machine.VirtMachine;
import dev.ferry.migration.MigrationException;
import java.util.ArrayList;
import java.util.List;

/**
 * QEMU 7.2's QMP snapshot jobs: snapshot-save, snapshot-load and snapshot-delete name the
 * nodes to snapshot ({@code devices}) and, for save and load, the node holding the machine's
 * state ({@code vmstate}). Each returns at once and runs as a job of its own name; what went
 * wrong is the job's {@code error} in query-jobs, never the command's reply. query-jobs and
 * job-dismiss look after the jobs.
 */
final class QmpSnapshots {
    private QmpSnapshots() {
    }

    static void register(QmpCommands r) {
        registerWithVmstate(r, "snapshot-save", Snapshots::save);
        registerWithVmstate(r, "snapshot-load", Snapshots::load);
        r.register(QmpCommand.builder("snapshot-delete")
                .arg("job-id", QmpType.STR)
                .arg("tag", QmpType.STR)
                .arg("devices", QmpType.arrayOf(QmpType.STR))
                .handler(call -> {
                    String tag = call.str("tag");
                    List<String> devices = strings(call.get("devices"));
                    var m = call.monitors().machine();
                    call.monitors().jobs().start(call.str("job-id"), "snapshot-delete", () -> Snapshots.delete(m, tag, devices));
                    return QmpCommand.empty();
                })
                .build());
        r.register(QmpCommand.builder("query-jobs").handler(call -> call.monitors().jobs().query()).build());
        r.register(QmpCommand.builder("job-dismiss").arg("id", QmpType.STR).handler(call -> {
            call.monitors().jobs().dismiss(call.str("id"));
            return QmpCommand.empty();
        }).build());
    }

    /** What snapshot-save and snapshot-load run as their job. */
    private interface VmstateOperation {
        void run(VirtMachine m, String tag, List<String> devices, String vmstate) throws MigrationException;
    }

    /** snapshot-save and snapshot-load: the same arguments, a job of the command's name. */
    private static void registerWithVmstate(QmpCommands r, String name, VmstateOperation op) {
        r.register(QmpCommand.builder(name)
                .arg("job-id", QmpType.STR)
                .arg("tag", QmpType.STR)
                .arg("vmstate", QmpType.STR)
                .arg("devices", QmpType.arrayOf(QmpType.STR))
                .handler(call -> {
                    String tag = call.str("tag"), vmstate = call.str("vmstate");
                    List<String> devices = strings(call.get("devices"));
                    var m = call.monitors().machine();
                    call.monitors().jobs().start(call.str("job-id"), name, () -> op.run(m, tag, devices, vmstate));
                    return QmpCommand.empty();
                })
                .build());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.textValue());
        return out;
    }
}
