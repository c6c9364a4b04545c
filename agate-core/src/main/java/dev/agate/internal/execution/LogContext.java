package dev.agate.internal.execution;

import dev.agate.Envelope;
import org.slf4j.MDC;

/**
 * The SLF4J MDC of a handling: {@value #MESSAGE_ID}, {@value #MESSAGE_TYPE} and, when the envelope has one,
 * {@value #CORRELATION_ID}, so that every log line a handler (or Agate, about that attempt) writes says
 * which message it belongs to. Closing puts back what was there before: a handler that invokes another
 * message inline gets that message's keys, and its own again after. Used on the handling thread only.
 */
final class LogContext implements AutoCloseable {
    static final String MESSAGE_ID = "agate.messageId";
    static final String MESSAGE_TYPE = "agate.messageType";
    static final String CORRELATION_ID = "agate.correlationId";

    private final String id;
    private final String type;
    private final String correlation;

    private LogContext() {
        this.id = MDC.get(MESSAGE_ID);
        this.type = MDC.get(MESSAGE_TYPE);
        this.correlation = MDC.get(CORRELATION_ID);
    }

    /** Puts {@code envelope}'s keys in the MDC until {@link #close()}. */
    static LogContext of(Envelope envelope) {
        LogContext previous = new LogContext();
        MDC.put(MESSAGE_ID, envelope.id().toString());
        MDC.put(MESSAGE_TYPE, envelope.messageType());
        put(CORRELATION_ID, envelope.correlationId());
        return previous;
    }

    @Override
    public void close() {
        put(MESSAGE_ID, id);
        put(MESSAGE_TYPE, type);
        put(CORRELATION_ID, correlation);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
