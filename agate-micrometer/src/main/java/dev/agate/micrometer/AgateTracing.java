package dev.agate.micrometer;

import dev.agate.Envelope;
import dev.agate.spi.MessageTracer;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Traces an Agate host with Micrometer Observation, so Micrometer Tracing with OpenTelemetry or Brave reports
 * its spans: register it with {@code AgateHost.builder().tracer(AgateTracing.of(observations, tracer, propagator))}
 * (the Spring Boot starter does when those beans exist).
 *
 * <p>What happens, by the OpenTelemetry messaging conventions:
 * <ul>
 *   <li><b>Sending</b> (a caller's thread, inside its transaction for the outbox): the current trace context
 *       is written into the new envelope as W3C {@code traceparent}/{@code tracestate} headers, so it is stored
 *       with the envelope and crosses every transport with it. No span: the caller's span (an HTTP request,
 *       or the handling that cascades the message) is the parent of what follows.</li>
 *   <li><b>Relay</b>: observation {@value #SEND}, span {@code send <destination>} of kind PRODUCER, a child of
 *       the stored context, from handing the envelope to the transport until the destination acknowledged it
 *       (an error when it did not). A retried relay is a second span; an envelope recovered by another node
 *       after a crash continues the same trace, because the context is in the stored envelope.</li>
 *   <li><b>Handling</b>: observation {@value #PROCESS}, span {@code process <queue>} of kind CONSUMER, a
 *       child of the stored context, current on the handling thread while the handlers run, so logs carry its
 *       trace id and cascaded messages continue the trace. One span per attempt; a failed attempt is an error.
 *       Without a {@code traceparent}, Wolverine's {@code parent-id} header is read.</li>
 * </ul>
 *
 * <p>Attributes: low cardinality {@code messaging.system=agate}, {@code messaging.operation.type}
 * ({@code send}/{@code process}), {@code messaging.operation.name}, {@code messaging.destination.name},
 * {@code agate.message.type}; high cardinality {@code messaging.message.id} and
 * {@code messaging.message.conversation_id} (the correlation id). With a meter observation handler (as
 * Spring Boot registers) the observations are also timers named {@value #SEND} and {@value #PROCESS}.
 *
 * <p>Thread-safe; cheap when the registry is a no-op one.
 */
public final class AgateTracing implements MessageTracer {
    /** The observation of relaying an envelope to its transport. */
    public static final String SEND = "agate.send";
    /** The observation of one handling attempt. */
    public static final String PROCESS = "agate.process";

    /** Stands for the missing endpoint of an inline invoke in the caches below. */
    private static final URI INVOKE = URI.create("agate:invoke");

    private final ObservationRegistry observations;
    private final Tracer tracer;
    private final Propagator propagator;
    // What every span of an endpoint (or of a message type) shares, made once: spans are made per message.
    private final Map<URI, Names> processNames = new ConcurrentHashMap<>();
    private final Map<URI, Names> sendNames = new ConcurrentHashMap<>();
    private final Map<String, KeyValue> typeValues = new ConcurrentHashMap<>();

    /** A span name and the low-cardinality attributes of one operation at one endpoint. */
    private record Names(String contextualName, KeyValues keyValues) {
    }

    private AgateTracing(ObservationRegistry observations, Tracer tracer, Propagator propagator) {
        this.observations = Objects.requireNonNull(observations, "observations");
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.propagator = Objects.requireNonNull(propagator, "propagator");
    }

    /**
     * Tracing through {@code observations}, whose handlers turn observations into spans; {@code tracer} and
     * {@code propagator} (the same Micrometer Tracing bridge's) read the current span and write it into new
     * envelopes.
     */
    public static AgateTracing of(ObservationRegistry observations, Tracer tracer, Propagator propagator) {
        return new AgateTracing(observations, tracer, propagator);
    }

    @Override
    public void inject(BiConsumer<String, String> headers) {
        io.micrometer.tracing.Span current = tracer.currentSpan();
        if (current != null) {
            propagator.inject(current.context(), headers, BiConsumer::accept);
        }
    }

    @Override
    public MessageTracer.Span process(Envelope envelope, URI endpoint) {
        Observation observation = observe(PROCESS, processNames, "process", Kind.CONSUMER, envelope, endpoint).start();
        Observation.Scope scope = observation.openScope();
        return new ObservedSpan(observation, scope);
    }

    @Override
    public MessageTracer.Span send(Envelope envelope, URI destination) {
        return new ObservedSpan(observe(SEND, sendNames, "send", Kind.PRODUCER, envelope, destination).start(), null);
    }

    private Observation observe(String name, Map<URI, Names> cache, String operation, Kind kind, Envelope envelope, URI endpoint) {
        Names names = cache.computeIfAbsent(endpoint == null ? INVOKE : endpoint, uri -> {
            String destination = destinationName(endpoint);
            return new Names(operation + " " + destination, KeyValues.of(KeyValue.of("messaging.system", "agate"),
                    KeyValue.of("messaging.operation.type", operation), KeyValue.of("messaging.operation.name", operation),
                    KeyValue.of("messaging.destination.name", destination)));
        });
        // A receiver context for both: the parent is the context stored in the envelope, not the current
        // thread's (a relay thread has none); the kind says which side this is.
        ReceiverContext<Envelope> context = new ReceiverContext<>(AgateTracing::header, kind);
        context.setCarrier(envelope);
        return Observation.createNotStarted(name, () -> context, observations)
                .contextualName(names.contextualName())
                .lowCardinalityKeyValues(names.keyValues())
                .lowCardinalityKeyValue(typeValues.computeIfAbsent(envelope.messageType(), type -> KeyValue.of("agate.message.type", type)))
                .highCardinalityKeyValue("messaging.message.id", envelope.id().toString())
                .highCardinalityKeyValue("messaging.message.conversation_id",
                        envelope.correlationId() == null ? "" : envelope.correlationId());
    }

    /** A header of the stored envelope; Wolverine's parent-id stands in for a missing traceparent. */
    private static String header(Envelope envelope, String name) {
        String value = envelope.headers().get(name);
        if (value == null && TRACEPARENT.equals(name)) {
            value = envelope.headers().get(WOLVERINE_PARENT_ID);
        }
        return value;
    }

    /**
     * The name of a destination as its spans show it: a local queue's name, a RabbitMQ queue's or exchange's,
     * else the host and port (and path) of the address.
     */
    static String destinationName(URI uri) {
        if (uri == null) {
            return "invoke";
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if ("local".equals(uri.getScheme()) || uri.getAuthority() == null) {
            String host = uri.getHost() != null ? uri.getHost() : uri.getSchemeSpecificPart();
            return path.isEmpty() || "/".equals(path) ? host : host + path;
        }
        if ("rabbitmq".equals(uri.getScheme()) && path.length() > 1) {
            return path.substring(1);
        }
        return uri.getAuthority() + (path.isEmpty() || "/".equals(path) ? "" : path);
    }

    @Override
    public String toString() {
        return "Micrometer Observation tracing (" + tracer.getClass().getSimpleName() + ")";
    }

    private static final class ObservedSpan implements MessageTracer.Span {
        private final Observation observation;
        private final Observation.Scope scope;

        ObservedSpan(Observation observation, Observation.Scope scope) {
            this.observation = observation;
            this.scope = scope;
        }

        @Override
        public void failed(Throwable failure) {
            observation.error(failure);
        }

        @Override
        public void end() {
            if (scope != null) {
                scope.close();
            }
            observation.stop();
        }
    }
}
