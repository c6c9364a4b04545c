package dev.agate;

/** A message could not be turned into bytes or back. The envelope is dead-lettered, never retried. */
public class SerializationException extends AgateException {
    private static final long serialVersionUID = 1L;

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
