package dev.agate;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-send settings: headers, an expiry ({@code deliverBy}) and a correlation id. Immutable; build one
 * with {@link #builder()} or use {@link #none()}.
 *
 * <p>An envelope whose {@code deliverBy} has passed when it reaches its handler is discarded, not handled,
 * and the discard is logged.
 */
public final class DeliveryOptions {
    private static final DeliveryOptions NONE = new DeliveryOptions(Map.of(), null, null, null);

    private final Map<String, String> headers;
    private final Instant deliverBy;
    private final Duration deliverWithin;
    private final String correlationId;

    private DeliveryOptions(Map<String, String> headers, Instant deliverBy, Duration deliverWithin, String correlationId) {
        this.headers = headers;
        this.deliverBy = deliverBy;
        this.deliverWithin = deliverWithin;
        this.correlationId = correlationId;
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

        public DeliveryOptions build() {
            if (deliverBy != null && deliverWithin != null) {
                throw new IllegalStateException("set deliverBy or deliverWithin, not both");
            }
            Map<String, String> copy = headers.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            return new DeliveryOptions(copy, deliverBy, deliverWithin, correlationId);
        }
    }
}
