package dev.agate.tcp.internal;

/**
 * Bytes from a peer that break the wire protocol (a bad length, type, count, magic or order): the
 * connection that carried them is closed, nothing else is affected. The message says what was wrong.
 */
final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
        super(message, null, false, false);
    }
}
