package dev.agate;

/** The root of Agate's domain failures: something a caller may catch and act on. */
public class AgateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AgateException(String message) {
        super(message);
    }

    public AgateException(String message, Throwable cause) {
        super(message, cause);
    }
}
