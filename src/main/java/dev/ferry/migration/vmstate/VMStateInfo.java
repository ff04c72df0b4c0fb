package dev.ferry.migration.vmstate;

/**
 * The escape hatch for state no built-in field kind expresses (QEMU's {@code VMStateInfo}):
 * a type name (shown as the field's "type" in the JSON description) and a pair of functions
 * that write and read the field's bytes themselves. {@code get} must consume exactly what
 * {@code put} wrote, and should validate what it reads (throw {@link VMStateException} with
 * the detail; the engine adds the path). Prefer the declarative kinds: a custom field's bytes
 * are opaque to every tool reading the stream.
 */
public interface VMStateInfo<T> {
    String name();

    void put(VMStateWriter out, T obj) throws VMStateException;

    void get(VMStateReader in, T obj) throws VMStateException;

    interface Put<T> {
        void put(VMStateWriter out, T obj) throws VMStateException;
    }

    interface Get<T> {
        void get(VMStateReader in, T obj) throws VMStateException;
    }

    static <T> VMStateInfo<T> of(String name, Put<T> put, Get<T> get) {
        return new VMStateInfo<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void put(VMStateWriter out, T obj) throws VMStateException {
                put.put(out, obj);
            }

            @Override
            public void get(VMStateReader in, T obj) throws VMStateException {
                get.get(in, obj);
            }
        };
    }
}
