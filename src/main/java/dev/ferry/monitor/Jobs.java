package dev.ferry.monitor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * QEMU's background jobs as QMP shows them: each has an id, a type and a status that moves
 * through QEMU's job states, with a JOB_STATUS_CHANGE event for every move. A job is created
 * and running before its command replies; its work runs afterwards on the jobs' own thread, one
 * job at a time, and ends waiting, pending, concluded (or aborting, concluded with an error).
 * Jobs are not dismissed automatically (QEMU's auto-dismiss off, as for snapshot jobs): a
 * concluded job stays in query-jobs until job-dismiss.
 */
public final class Jobs implements AutoCloseable {
    /** QEMU's JobStatus values that Ferry's jobs pass through. */
    public enum Status {
        CREATED, RUNNING, WAITING, PENDING, ABORTING, CONCLUDED, NULL;

        public String qemuName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A job's work: returns normally when done, throws with the message query-jobs shows when it failed. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    /** One job, as query-jobs lists it. */
    public static final class Job {
        final String id;
        final String type;
        private volatile Status status = Status.CREATED;
        private volatile long current;
        private final long total = 1;
        private volatile String error;

        Job(String id, String type) {
            this.id = id;
            this.type = type;
        }

        public Status status() {
            return status;
        }

        /** The failure's message, or null. */
        public String error() {
            return error;
        }
    }

    private final QmpEvents events;
    private final Map<String, Job> jobs = new LinkedHashMap<>(); // guarded by this
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("ferry-job").unstarted(r));

    Jobs(QmpEvents events) {
        this.events = events;
    }

    /** QEMU's rule for ids: a letter, then letters, digits, '-', '.' and '_'. */
    static boolean wellFormed(String id) {
        if (id.isEmpty() || !Character.isLetter(id.charAt(0)) || id.charAt(0) > 0x7f) return false;
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c > 0x7f || !(Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_')) return false;
        }
        return true;
    }

    /**
     * Creates job {@code id} and starts it: created and running are announced before this
     * returns (so before the command's reply, as QEMU), the work follows on the jobs' thread.
     */
    public Job start(String id, String type, Work work) {
        if (!wellFormed(id)) throw QmpError.generic("Invalid job ID '" + id + "'");
        Job job = new Job(id, type);
        synchronized (this) {
            if (jobs.containsKey(id)) throw QmpError.generic("Job ID '" + id + "' already in use");
            jobs.put(id, job);
        }
        announce(job);
        transition(job, Status.RUNNING);
        worker.execute(() -> {
            try {
                work.run();
                job.current = job.total;
                transition(job, Status.WAITING);
                transition(job, Status.PENDING);
            } catch (Exception e) {
                job.current = job.total;
                job.error = e.getMessage() != null ? e.getMessage() : e.toString();
                transition(job, Status.ABORTING);
            }
            transition(job, Status.CONCLUDED);
        });
        return job;
    }

    /** job-dismiss: a concluded job goes away (status null). */
    public void dismiss(String id) {
        Job job;
        synchronized (this) {
            job = jobs.get(id);
            if (job == null) throw QmpError.generic("Job not found");
            if (job.status != Status.CONCLUDED)
                throw QmpError.generic("Job '" + id + "' in state '" + job.status.qemuName() + "' cannot accept command verb 'dismiss'");
            jobs.remove(id);
            transition(job, Status.NULL);
        }
    }

    /** The job named {@code id}, or null. */
    public synchronized Job get(String id) {
        return jobs.get(id);
    }

    /** query-jobs: the newest job first, members in the order QEMU 7.2 prints them. */
    public ArrayNode query() {
        List<Job> all;
        synchronized (this) {
            all = new ArrayList<>(jobs.values());
        }
        ArrayNode a = QmpJson.NODES.arrayNode();
        for (Job j : all.reversed()) {
            ObjectNode o = a.addObject();
            o.put("current-progress", j.current);
            o.put("status", j.status.qemuName());
            o.put("total-progress", j.total);
            o.put("type", j.type);
            o.put("id", j.id);
            if (j.error != null) o.put("error", j.error);
        }
        return a;
    }

    /** A move and its event under the jobs' lock, so that events come in the order of the moves. */
    private synchronized void transition(Job job, Status s) {
        job.status = s;
        announce(job);
    }

    private synchronized void announce(Job job) {
        ObjectNode d = QmpJson.NODES.objectNode();
        d.put("status", job.status.qemuName());
        d.put("id", job.id);
        events.emit("JOB_STATUS_CHANGE", d);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
