package dev.agate;

/**
 * Thrown when a bounded queue stayed full for the whole send timeout. That queue did not take the
 * envelope; when the message routes to several endpoints, the message names those earlier in the route
 * that already took it. The caller may retry, slow down, or fail its own work.
 *
 * <p>Only sends from outside handlers see this: cascades of a handler that succeeded are owed, and wait
 * in memory for room instead.
 */
public class QueueFullException extends AgateException {
    private static final long serialVersionUID = 1L;

    public QueueFullException(String message) {
        super(message);
    }
}
