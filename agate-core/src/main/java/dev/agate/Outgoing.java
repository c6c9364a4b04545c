package dev.agate;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A message returned from a handler with instructions: send it later, or to a named endpoint.
 * Immutable. Example: {@code return Outgoing.of(new Reminder(id)).delayedBy(Duration.ofMinutes(5));}
 */
public final class Outgoing {
    private final Object message;
    private final URI endpoint;
    private final Duration delay;
    private final Instant scheduledTime;
    private final DeliveryOptions options;

    private Outgoing(Object message, URI endpoint, Duration delay, Instant scheduledTime, DeliveryOptions options) {
        this.message = Objects.requireNonNull(message, "message");
        this.endpoint = endpoint;
        this.delay = delay;
        this.scheduledTime = scheduledTime;
        this.options = options;
    }

    /** The message, routed as usual and sent immediately; refine it with the methods below. */
    public static Outgoing of(Object message) {
        return new Outgoing(message, null, null, null, DeliveryOptions.none());
    }

    /** Send after {@code delay} instead of now. */
    public Outgoing delayedBy(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative but was " + delay);
        }
        return new Outgoing(message, endpoint, delay, null, options);
    }

    /** Send at {@code time} instead of now. */
    public Outgoing scheduledAt(Instant time) {
        return new Outgoing(message, endpoint, null, Objects.requireNonNull(time, "time"), options);
    }

    /** Send to this endpoint instead of the routed ones. */
    public Outgoing toEndpoint(String uri) {
        return new Outgoing(message, URI.create(uri), delay, scheduledTime, options);
    }

    /** Send with these headers, expiry or correlation id. */
    public Outgoing withOptions(DeliveryOptions options) {
        return new Outgoing(message, endpoint, delay, scheduledTime, Objects.requireNonNull(options, "options"));
    }

    public Object message() { return message; }

    /** The explicit endpoint, or null to route. */
    public URI endpoint() { return endpoint; }

    public DeliveryOptions options() { return options; }

    /** When to handle it: null for now. */
    public Instant scheduledTimeFrom(Instant now) {
        return scheduledTime != null ? scheduledTime : delay == null || delay.isZero() ? null : now.plus(delay);
    }
}
