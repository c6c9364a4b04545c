package dev.agate.internal;

import dev.agate.Envelope;
import dev.agate.spi.MessageTracer;
import java.net.URI;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's {@link MessageTracer}, guarded: a tracer that throws is logged and ignored, so tracing never
 * changes what happens to an envelope. Without one every call is a field read.
 */
public final class Tracing {
    private static final Logger log = LoggerFactory.getLogger(Tracing.class);
    private static final MessageTracer.Span NO_SPAN = MessageTracer.NONE.send(null, null);

    private final MessageTracer tracer;
    private final boolean on;

    public Tracing(MessageTracer tracer) {
        this.tracer = tracer == null ? MessageTracer.NONE : tracer;
        this.on = this.tracer != MessageTracer.NONE;
    }

    /** Whether a tracer is registered. */
    public boolean on() {
        return on;
    }

    /**
     * Adds the current trace context to a new envelope's headers, unless the sender set a trace context of its
     * own in {@code given}.
     */
    public void inject(Map<String, String> given, Envelope.Builder envelope) {
        if (!on || given.containsKey(MessageTracer.TRACEPARENT)) {
            return;
        }
        try {
            tracer.inject(envelope::header);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable e) {
            log.warn("tracer {} failed to write the trace context of a new envelope; sent without it", tracer, e);
        }
    }

    /** The span of one handling attempt, current on this thread until ended. */
    public MessageTracer.Span process(Envelope envelope, URI endpoint) {
        if (!on) {
            return NO_SPAN;
        }
        try {
            return guarded(tracer.process(envelope, endpoint));
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable e) {
            log.warn("tracer {} failed to start the span of handling envelope {}; handled without it", tracer, envelope.id(), e);
            return NO_SPAN;
        }
    }

    /** The span of handing an envelope to a transport. */
    public MessageTracer.Span send(Envelope envelope, URI destination) {
        if (!on) {
            return NO_SPAN;
        }
        try {
            return guarded(tracer.send(envelope, destination));
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable e) {
            log.warn("tracer {} failed to start the span of sending envelope {}; sent without it", tracer, envelope.id(), e);
            return NO_SPAN;
        }
    }

    private MessageTracer.Span guarded(MessageTracer.Span span) {
        if (span == null) {
            return NO_SPAN;
        }
        return new MessageTracer.Span() {
            @Override
            public void failed(Throwable failure) {
                try {
                    span.failed(failure);
                } catch (VirtualMachineError fatal) {
                    throw fatal;
                } catch (Throwable e) {
                    log.warn("tracer {} failed to record a failure; ignored", tracer, e);
                }
            }

            @Override
            public void end() {
                try {
                    span.end();
                } catch (VirtualMachineError fatal) {
                    throw fatal;
                } catch (Throwable e) {
                    log.warn("tracer {} failed to end a span; ignored", tracer, e);
                }
            }
        };
    }
}
