package dev.agate.internal.execution;

import dev.agate.Envelope;
import dev.agate.spi.MessageTracer;
import org.slf4j.MDC;

/**
 * The SLF4J MDC of a handling: {@value #MESSAGE_ID}, {@value #MESSAGE_TYPE} and, when the envelope has them,
 * {@value #CORRELATION_ID} and {@value #TRACE_ID} (the trace id of its W3C {@code traceparent}, with or
 * without a tracer: the Micrometer Tracing bridges add their own {@code traceId} while a span is current), so that every log line a handler (or Agate, about that attempt) writes says
 * which message it belongs to. Closing puts back what was there before: a handler that invokes another
 * message inline gets that message's keys, and its own again after. Used on the handling thread only.
 */
final class LogContext implements AutoCloseable {
    static final String MESSAGE_ID = "agate.messageId";
    static final String MESSAGE_TYPE = "agate.messageType";
    static final String CORRELATION_ID = "agate.correlationId";
    static final String TRACE_ID = "agate.traceId";

    private final String id;
    private final String type;
    private final String correlation;
    private final String trace;

    private LogContext() {
        this.id = MDC.get(MESSAGE_ID);
        this.type = MDC.get(MESSAGE_TYPE);
        this.correlation = MDC.get(CORRELATION_ID);
        this.trace = MDC.get(TRACE_ID);
    }

    /** Puts {@code envelope}'s keys in the MDC until {@link #close()}. */
    static LogContext of(Envelope envelope) {
        LogContext previous = new LogContext();
        MDC.put(MESSAGE_ID, envelope.id().toString());
        MDC.put(MESSAGE_TYPE, envelope.messageType());
        put(CORRELATION_ID, envelope.correlationId());
        put(TRACE_ID, traceIdOf(envelope));
        return previous;
    }

    /** The trace id in the envelope's traceparent ({@code 00-<32 hex trace id>-<16 hex span id>-<flags>}), or null. */
    static String traceIdOf(Envelope envelope) {
        String parent = envelope.headers().get(MessageTracer.TRACEPARENT);
        if (parent == null) {
            parent = envelope.headers().get(MessageTracer.WOLVERINE_PARENT_ID);
        }
        if (parent == null || parent.length() < 55 || parent.charAt(2) != '-' || parent.charAt(35) != '-') {
            return null;
        }
        return parent.substring(3, 35);
    }

    @Override
    public void close() {
        put(MESSAGE_ID, id);
        put(MESSAGE_TYPE, type);
        put(CORRELATION_ID, correlation);
        put(TRACE_ID, trace);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
