package dev.ferry.migration;

import java.util.ArrayList;
import java.util.List;

/** The machine's state handlers in registration order; section ids follow that order. */
public final class SaveStateRegistry {
    private final List<SaveStateEntry> entries = new ArrayList<>();
    private final List<String> blockers = new ArrayList<>();

    public synchronized void register(String idstr, int instanceId, DeviceSection device) {
        add(new SaveStateEntry(idstr, instanceId, entries.size(), device, null));
    }

    public synchronized void registerLive(String idstr, int instanceId, LiveSection live) {
        add(new SaveStateEntry(idstr, instanceId, entries.size(), null, live));
    }

    private void add(SaveStateEntry e) {
        if (find(e.idstr(), e.instanceId()) != null) throw new IllegalArgumentException("duplicate state entry " + e.describeName());
        entries.add(e);
    }

    public synchronized List<SaveStateEntry> entries() {
        return List.copyOf(entries);
    }

    public synchronized SaveStateEntry find(String idstr, int instanceId) {
        for (SaveStateEntry e : entries) if (e.idstr().equals(idstr) && e.instanceId() == instanceId) return e;
        return null;
    }

    /** A reason the machine cannot be migrated or snapshotted right now (QEMU's migration blockers). */
    public synchronized void addBlocker(String reason) {
        blockers.add(reason);
    }

    public synchronized void removeBlocker(String reason) {
        blockers.remove(reason);
    }

    public synchronized List<String> blockers() {
        List<String> out = new ArrayList<>(blockers);
        for (SaveStateEntry e : entries)
            if (e.device() != null && e.device().description().isUnmigratable())
                out.add("State blocked by non-migratable device '" + e.idstr() + "'");
        return out;
    }
}
