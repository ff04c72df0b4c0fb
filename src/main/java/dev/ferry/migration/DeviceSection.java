package dev.ferry.migration;

import dev.ferry.migration.vmstate.VMStateDescription;
import dev.ferry.migration.vmstate.VMStateException;
import dev.ferry.migration.vmstate.VMStateReader;
import dev.ferry.migration.vmstate.VMStateWriter;

/**
 * A plain device's state: saved once, with the vCPUs stopped, as one FULL section whose body
 * its {@link VMStateDescription} writes.
 */
public interface DeviceSection {
    VMStateDescription<?> description();

    void save(VMStateWriter out) throws VMStateException;

    void load(VMStateReader in, int versionId) throws VMStateException;

    /** The device's entry in the stream's JSON description. */
    String describe(String idstr, int instanceId) throws VMStateException;

    /** A section for an object that needs no locking around its description. */
    static <T> DeviceSection of(VMStateDescription<T> d, T obj) {
        return new DeviceSection() {
            public VMStateDescription<?> description() { return d; }
            public void save(VMStateWriter out) throws VMStateException { d.save(obj, out); }
            public void load(VMStateReader in, int v) throws VMStateException { d.load(obj, in, v); }
            public String describe(String idstr, int inst) throws VMStateException { return d.describe(idstr, inst, obj); }
        };
    }

    /** Saving and loading through the device's own (locking) methods. */
    interface Saver {
        void save(VMStateWriter out) throws VMStateException;
    }

    interface Loader {
        void load(VMStateReader in, int versionId) throws VMStateException;
    }

    static <T> DeviceSection locked(VMStateDescription<T> d, T obj, Saver saver, Loader loader) {
        return new DeviceSection() {
            public VMStateDescription<?> description() { return d; }
            public void save(VMStateWriter out) throws VMStateException { saver.save(out); }
            public void load(VMStateReader in, int v) throws VMStateException { loader.load(in, v); }
            public String describe(String idstr, int inst) throws VMStateException {
                synchronized (obj) {
                    return d.describe(idstr, inst, obj);
                }
            }
        };
    }
}
