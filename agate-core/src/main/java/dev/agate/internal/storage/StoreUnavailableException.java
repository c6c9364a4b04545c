package dev.agate.internal.storage;

import dev.agate.AgateException;

/**
 * A call to the message store failed: not the handler's fault, so it does not count as an attempt and no
 * error policy applies. The envelope stays owned by this node in the store and is tried again after the
 * store has had a rest.
 */
public final class StoreUnavailableException extends AgateException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
