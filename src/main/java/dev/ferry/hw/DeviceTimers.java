package dev.ferry.hw;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** The scheduler devices use for their timers (UART FIFO timeout, RTC alarm) unless given another. */
public final class DeviceTimers {
    private DeviceTimers() {
    }

    private static final class Holder {
        static final ScheduledExecutorService SHARED = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "ferry-device-timers");
                t.setDaemon(true);
                return t;
            });
            ex.setRemoveOnCancelPolicy(true);
            return ex;
        }
    }

    /** A process-wide single daemon thread; device timer callbacks must be short. */
    public static ScheduledExecutorService shared() {
        return Holder.SHARED;
    }
}
