package dev.ferry.migration;

/** A migration, snapshot save or load that failed, with a message fit for the user. */
public class MigrationException extends Exception {
    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
