package dev.agate.spi;

import dev.agate.Envelope;
import java.net.URI;
import java.util.function.BiConsumer;

/**
 * Carries a distributed trace through an envelope's life: the sender's trace context is written into the
 * envelope's headers when the envelope is made, so it is stored with it (in the business transaction, for
 * the outbox), crosses every transport with it, and survives a crash and a recovery by another node; the
 * relay and the handling then report spans that continue it. {@code agate-micrometer} implements it with
 * Micrometer Observation; register one with {@code AgateHost.Builder#tracer}.
 *
 * <p>Threads: {@link #inject} runs on the thread that sends (a caller, or a handler for its cascades);
 * {@link #process} on the handling thread, where the returned span stays current until it is ended, so what
 * the handler sends continues it; {@link #send} on a sender's thread. Implementations must be thread-safe and
 * must not throw: an exception is logged and ignored, and never changes what happens to an envelope.
 */
public interface MessageTracer {

    /** The W3C trace context header; also what Agate reads first to continue a trace. */
    String TRACEPARENT = "traceparent";
    /** The W3C vendor-specific trace state header. */
    String TRACESTATE = "tracestate";
    /** The header in which Wolverine (and Jasper) carry the sender's activity id: read when there is no traceparent. */
    String WOLVERINE_PARENT_ID = "parent-id";

    /** Writes the current trace context, if there is one, as headers of a new envelope. */
    void inject(BiConsumer<String, String> headers);

    /**
     * Starts the span of one handling attempt of {@code envelope} at {@code endpoint} (null for an inline
     * {@code invoke}), continuing the trace in its headers, and makes it current on this thread.
     */
    Span process(Envelope envelope, URI endpoint);

    /** Starts the span of handing {@code envelope} to the transport of {@code destination}, continuing its trace. */
    Span send(Envelope envelope, URI destination);

    /** A span that Agate ends: on the thread that started it, for {@link #process}. */
    interface Span {
        /** Records why the step failed; {@link #end()} follows. */
        void failed(Throwable failure);

        /** Ends the span (and, for a process span, its scope on this thread). Called once. */
        void end();
    }

    /** No tracing: nothing is injected and spans cost nothing. */
    MessageTracer NONE = new MessageTracer() {
        private final Span none = new Span() {
            @Override
            public void failed(Throwable failure) {
            }

            @Override
            public void end() {
            }
        };

        @Override
        public void inject(BiConsumer<String, String> headers) {
        }

        @Override
        public Span process(Envelope envelope, URI endpoint) {
            return none;
        }

        @Override
        public Span send(Envelope envelope, URI destination) {
            return none;
        }

        @Override
        public String toString() {
            return "no tracing";
        }
    };
}
