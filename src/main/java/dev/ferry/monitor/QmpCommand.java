package dev.ferry.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One QMP command: its name, its arguments' schema (a struct whose members are the argument
 * names, types and optionality), its handler, and whether it may run out of band
 * ({@code exec-oob}). Arguments are checked against the schema before the handler runs, so a
 * handler sees only well-typed arguments.
 *
 * <pre>{@code
 * registry.register(QmpCommand.builder("migrate")
 *         .arg("uri", QmpType.STR)
 *         .optional("detach", QmpType.BOOL)
 *         .handler(call -> { ...; return QmpCommand.EMPTY; })
 *         .build());
 * }</pre>
 */
public record QmpCommand(String name, QmpType.StructType arguments, Handler handler, boolean allowOob) {
    /** The handler: returns the {@code return} value (an empty object for "nothing") or throws {@link QmpError}. */
    @FunctionalInterface
    public interface Handler {
        JsonNode handle(QmpCall call);
    }

    public QmpCommand {
        Objects.requireNonNull(name);
        Objects.requireNonNull(arguments);
        Objects.requireNonNull(handler);
    }

    /** A fresh empty object: what commands without a result return. */
    public static JsonNode empty() {
        return QmpJson.NODES.objectNode();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public static final class Builder {
        private final String name;
        private final QmpType.StructType.Builder args;
        private Handler handler;
        private boolean allowOob;

        Builder(String name) {
            this.name = name;
            this.args = QmpType.struct("q_obj_" + name.replace('-', '_') + "_arg");
        }

        /** A mandatory argument. */
        public Builder arg(String argName, QmpType type) {
            args.member(argName, type);
            return this;
        }

        /** An optional argument. */
        public Builder optional(String argName, QmpType type) {
            args.optional(argName, type);
            return this;
        }

        /** The command may be sent with {@code exec-oob}: it runs at once, on the monitor's reader thread. */
        public Builder allowOob() {
            allowOob = true;
            return this;
        }

        public Builder handler(Handler h) {
            handler = h;
            return this;
        }

        public QmpCommand build() {
            return new QmpCommand(name, args.build(), handler, allowOob);
        }
    }
}
