package dev.agate.internal;

import dev.agate.AgateException;

/** An envelope arrived with only a body, for a message type this host does not know. */
public final class UnknownMessageTypeException extends AgateException {
    private static final long serialVersionUID = 1L;

    UnknownMessageTypeException(String messageType) {
        super("unknown message type '" + messageType + "': no handler or registered class has that name");
    }
}
