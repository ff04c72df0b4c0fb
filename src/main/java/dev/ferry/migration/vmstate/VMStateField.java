package dev.ferry.migration.vmstate;

/** What a description says about one of its fields (for tools, listings and tests). */
public interface VMStateField {
    String name();

    /** QEMU's type name: "uint64", "bool", "buffer", "struct", "uint32 equal", a custom info's name... */
    String type();

    /** The field is in the stream only when the stream's version is at least this (0 = always). */
    int sinceVersion();

    /** Whether an {@code existsIf} test, rather than the version, decides the field's presence. */
    boolean hasExistsTest();
}
