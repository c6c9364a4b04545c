package dev.agate.internal.bus;

import dev.agate.DeliveryOptions;
import dev.agate.Envelope;
import dev.agate.NoRouteException;
import dev.agate.Uuid7;
import dev.agate.internal.MessageTypes;
import dev.agate.internal.Tracing;
import dev.agate.internal.endpoint.Delivery;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.routing.Router;
import dev.agate.internal.storage.HandledIds;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Turns a message into deliveries: finds its endpoints by the routing rules (or takes the one given) and
 * wraps it in a new envelope for each, with its id, correlation and causation, source, reply-to, schedule
 * and expiry. Addressing fails at once for a message with no route, so the send that asked for it fails.
 * Thread-safe.
 */
public final class Addressing {
    private final String serviceName;
    private final Clock clock;
    private final Router router;
    private final Endpoints endpoints;
    private final Tracing tracing;
    /** The reply-to of envelopes sent to other services: the first listener's address; null without listeners. */
    private volatile URI replyUri;

    public Addressing(String serviceName, Clock clock, Router router, Endpoints endpoints, Tracing tracing) {
        this.serviceName = serviceName;
        this.clock = clock;
        this.router = router;
        this.endpoints = endpoints;
        this.tracing = tracing;
    }

    /** Sets the reply-to of what this host sends to other services, once it listens. */
    public void replyTo(URI uri) {
        this.replyUri = uri;
    }

    public URI replyUri() {
        return replyUri;
    }

    /**
     * Addresses {@code message} to every routed endpoint.
     *
     * @param required true for a send (no route is an error), false for a publish (no route: no delivery)
     * @throws NoRouteException when it is required and no rule or handler routes the message
     */
    public List<Delivery> route(Object message, DeliveryOptions options, Envelope parent, boolean required, Instant scheduledTime) {
        Objects.requireNonNull(message, "message");
        List<URI> uris = router.routesFor(message.getClass());
        if (uris.isEmpty()) {
            if (required) {
                throw new NoRouteException("no route for message type '" + MessageTypes.nameOf(message.getClass()) + "' ("
                        + message.getClass().getName() + "): no routing rule matches it and no handler in host '"
                        + serviceName + "' handles it");
            }
            return List.of();
        }
        List<Delivery> deliveries = new ArrayList<>(uris.size());
        for (URI uri : uris) {
            // One message to several endpoints is one envelope at each: with an id of the sender's own, each
            // gets its own, derived from it and the endpoint, so a retried send finds every one of them.
            DeliveryOptions each = options.id() == null || uris.size() == 1 ? options
                    : options.withId(UUID.nameUUIDFromBytes((options.id() + " " + uri).getBytes(StandardCharsets.UTF_8)));
            deliveries.add(address(uri, message, each, parent, scheduledTime));
        }
        return deliveries;
    }

    /** Addresses {@code message} to one endpoint, in a new envelope of its own. */
    public Delivery address(URI uri, Object message, DeliveryOptions options, Envelope parent, Instant scheduledTime) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(options, "options");
        Endpoint endpoint = endpoints.endpoint(uri);
        return new Delivery(endpoint, newEnvelope(message, options, parent, endpoint.uri(), scheduledTime));
    }

    /** A new envelope for {@code message}; {@code parent} is the envelope being handled, if any. */
    public Envelope newEnvelope(Object message, DeliveryOptions options, Envelope parent, URI destination, Instant scheduledTime) {
        Instant now = clock.instant();
        UUID id = options.id() != null ? options.id() : Uuid7.next();
        // A correlation id ties a whole conversation together: the caller's, else the parent's, else this id.
        String correlationId = options.correlationId() != null ? options.correlationId()
                : parent != null && parent.correlationId() != null ? parent.correlationId() : id.toString();
        Envelope.Builder envelope = Envelope.builder()
                .id(id)
                .messageType(MessageTypes.nameOf(message.getClass()))
                .message(message)
                .source(serviceName)
                .sentAt(now)
                .headers(options.headers())
                .correlationId(correlationId)
                .causationId(parent == null ? null : parent.id())
                .destination(destination)
                .replyTo(destination == null || "local".equals(destination.getScheme()) ? null : replyUri)
                .scheduledTime(scheduledTime)
                .deliverBy(options.expiryFrom(scheduledTime != null && scheduledTime.isAfter(now) ? scheduledTime : now));
        // The trace context of the caller (a request, or the handling that cascades this): stored with the
        // envelope, in the caller's transaction, so whoever sends or handles it continues the trace.
        tracing.inject(options.headers(), envelope);
        if (HandledIds.madeHere(options.id() != null, destination)) {
            envelope.header(HandledIds.HEADER, "true");
        } else {
            envelope.removeHeader(HandledIds.HEADER); // only the runtime may say an id needs no record (headers passed on, say)
        }
        return envelope.build();
    }
}
