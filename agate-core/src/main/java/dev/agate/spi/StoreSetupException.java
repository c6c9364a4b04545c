package dev.agate.spi;

import dev.agate.AgateException;

/**
 * A message store cannot start as it is set up, and trying again will not change that: the database
 * refuses the login, say. Thrown by {@link MessageStore#start()}; the host then fails its start at once
 * instead of retrying until its store start timeout. Any other failure of {@code start()} is taken as one
 * that may pass (a database still starting or being created, a schema a migration is applying, a network
 * that comes back) and is retried.
 */
public class StoreSetupException extends AgateException {
    private static final long serialVersionUID = 1L;

    public StoreSetupException(String message) {
        super(message);
    }

    public StoreSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
