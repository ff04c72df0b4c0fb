package dev.ferry.cli;

import java.time.LocalDateTime;

/** {@code -rtc [base=utc|localtime|DATETIME][,clock=host|rt|vm][,driftfix=none|slew]}. */
public record RtcConfig(Base base, Clock clock, boolean driftFixSlew) {
    public static final RtcConfig DEFAULT = new RtcConfig(new Base.Utc(), Clock.HOST, false);

    public sealed interface Base {
        record Utc() implements Base {}
        record LocalTime() implements Base {}
        /** A fixed start date (UTC), the clock running from it. */
        record At(LocalDateTime start) implements Base {}
    }

    public enum Clock { HOST, RT, VM }
}
