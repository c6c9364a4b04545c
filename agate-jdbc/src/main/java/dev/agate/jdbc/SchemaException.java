package dev.agate.jdbc;

import dev.agate.AgateException;

/** Agate's tables are missing, of another version, or could not be changed. The message says what to do. */
public class SchemaException extends AgateException {
    private static final long serialVersionUID = 1L;

    public SchemaException(String message) {
        super(message);
    }

    public SchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
