package dev.agate;

/**
 * Thrown when a bounded queue stayed full for the whole send timeout. Nothing was enqueued: the caller
 * still owns the message and may retry, slow down, or fail its own work.
 */
public class QueueFullException extends AgateException {
    private static final long serialVersionUID = 1L;

    public QueueFullException(String message) {
        super(message);
    }
}
