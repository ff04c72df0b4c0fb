package dev.ferry.machine;

/** QEMU's run states, with the names query-status and info status report. */
public enum RunState {
    DEBUG("debug"), INMIGRATE("inmigrate"), INTERNAL_ERROR("internal-error"), IO_ERROR("io-error"),
    PAUSED("paused"), POSTMIGRATE("postmigrate"), PRELAUNCH("prelaunch"), FINISH_MIGRATE("finish-migrate"),
    RESTORE_VM("restore-vm"), RUNNING("running"), SAVE_VM("save-vm"), SHUTDOWN("shutdown"),
    SUSPENDED("suspended"), WATCHDOG("watchdog"), GUEST_PANICKED("guest-panicked"), COLO("colo");

    private final String qemuName;

    RunState(String qemuName) {
        this.qemuName = qemuName;
    }

    public String qemuName() {
        return qemuName;
    }

    /** True in the states where the vCPUs execute. */
    public boolean isRunning() {
        return this == RUNNING;
    }
}
