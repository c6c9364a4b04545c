package dev.agate.internal.endpoint;

import dev.agate.Envelope;

/** An envelope addressed to an endpoint, waiting to be handed over (now, or at its scheduled time). */
public record Delivery(Endpoint endpoint, Envelope envelope) {
}
