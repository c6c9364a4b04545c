package dev.agate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Per-send settings: headers, an expiry ({@code deliverBy}), a correlation id, and the message's own id.
 * Immutable; build one with {@link #builder()} or use {@link #none()}.
 *
 * <p>An envelope whose {@code deliverBy} has passed when it reaches its handler is discarded, not handled,
 * and the discard is logged.
 *
 * <p><b>Your own message id</b> ({@link Builder#id(UUID)}, {@link Builder#idFrom(String)}): a send that a
 * retried business operation repeats (the same order placed twice after a timeout, in another transaction or
 * another process) makes no second envelope. To a durable endpoint the second send finds the first's row and
 * stores nothing: in the outbox until the destination acknowledged it, in a durable local queue's inbox until
 * it was handled and for {@link Durability#deduplicationHorizon()} after; a receiver's durable listener drops it the
 * same way. Past that window a send with the id is a new message: make the receiver idempotent for longer
 * horizons. Buffered and inline endpoints keep nothing to compare with. A message routed to several endpoints
 * gets, at each, an id derived from this one and the endpoint, the same at every retry.
 */
public final class DeliveryOptions {
    private static final DeliveryOptions NONE = new DeliveryOptions(Map.of(), null, null, null, null);

    private final Map<String, String> headers;
    private final Instant deliverBy;
    private final Duration deliverWithin;
    private final String correlationId;
    private final UUID id;

    private DeliveryOptions(Map<String, String> headers, Instant deliverBy, Duration deliverWithin, String correlationId, UUID id) {
        this.headers = headers;
        this.deliverBy = deliverBy;
        this.deliverWithin = deliverWithin;
        this.correlationId = correlationId;
        this.id = id;
    }

    /** No headers, no expiry, correlation id inherited or fresh. */
    public static DeliveryOptions none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Map<String, String> headers() { return headers; }

    /** Absolute expiry, or null. */
    public Instant deliverBy() { return deliverBy; }

    /** Expiry relative to the moment of sending, or null. */
    public Duration deliverWithin() { return deliverWithin; }

    public String correlationId() { return correlationId; }

    /** The message's own id, or null for a fresh one per send (see the class comment). */
    public UUID id() { return id; }

    /** These options with another message id: what a message routed to several endpoints gets at each. */
    public DeliveryOptions withId(UUID id) {
        return new DeliveryOptions(headers, deliverBy, deliverWithin, correlationId, Objects.requireNonNull(id, "id"));
    }

    /** The absolute expiry for a message sent at {@code now}, or null when there is none. */
    public Instant expiryFrom(Instant now) {
        return deliverBy != null ? deliverBy : deliverWithin == null ? null : now.plus(deliverWithin);
    }

    /** Builds {@link DeliveryOptions}; {@code deliverBy} and {@code deliverWithin} exclude each other. */
    public static final class Builder {
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Instant deliverBy;
        private Duration deliverWithin;
        private String correlationId;
        private UUID id;

        private Builder() {
        }

        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "header name"), Objects.requireNonNull(value, "header value"));
            return this;
        }

        public Builder deliverBy(Instant deliverBy) {
            this.deliverBy = Objects.requireNonNull(deliverBy, "deliverBy");
            return this;
        }

        public Builder deliverWithin(Duration deliverWithin) {
            if (deliverWithin.isNegative() || deliverWithin.isZero()) {
                throw new IllegalArgumentException("deliverWithin must be positive but was " + deliverWithin);
            }
            this.deliverWithin = deliverWithin;
            return this;
        }

        public Builder correlationId(String correlationId) {
            this.correlationId = Objects.requireNonNull(correlationId, "correlationId");
            return this;
        }

        /** The message's own id: a second send with it makes no second envelope (see {@link DeliveryOptions}). */
        public Builder id(UUID id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /**
         * The message's own id, derived from a business key ({@code "order-4711-placed"}): the same key always
         * gives the same id (a name-based UUID), so a retry of the operation that sends it can compute it again.
         */
        public Builder idFrom(String key) {
            return id(UUID.nameUUIDFromBytes(("agate:" + Objects.requireNonNull(key, "key")).getBytes(StandardCharsets.UTF_8)));
        }

        public DeliveryOptions build() {
            if (deliverBy != null && deliverWithin != null) {
                throw new IllegalStateException("set deliverBy or deliverWithin, not both");
            }
            Map<String, String> copy = headers.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            return new DeliveryOptions(copy, deliverBy, deliverWithin, correlationId, id);
        }
    }
}
