package dev.ferry.monitor;

/**
 * QEMU's getfd and closefd: a QMP client on a Unix socket passes a descriptor (SCM_RIGHTS) with
 * the getfd request, and the monitor keeps it under a name for later commands
 * ({@code migrate fd:NAME}, {@code migrate-incoming fd:NAME}).
 */
final class QmpFds {
    private QmpFds() {
    }

    static void register(QmpCommands r) {
        r.register(QmpCommand.builder("getfd").arg("fdname", QmpType.STR).handler(call -> {
            QmpMonitor m = call.session();
            int fd = m == null ? -1 : m.takeReceivedFd();
            if (fd < 0) throw QmpError.generic("No file descriptor supplied via SCM_RIGHTS");
            String name = call.str("fdname");
            if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                dev.ferry.os.Posix.closeQuietly(fd);
                throw QmpError.generic("Parameter 'fdname' expects a name not starting with a digit");
            }
            m.fds().put(name, fd);
            return QmpCommand.empty();
        }).build());
        r.register(QmpCommand.builder("closefd").arg("fdname", QmpType.STR).handler(call -> {
            String name = call.str("fdname");
            QmpMonitor m = call.session();
            if (m == null || !m.fds().close(name)) throw QmpError.generic("File descriptor named '" + name + "' not found");
            return QmpCommand.empty();
        }).build());
    }
}
