package dev.agate.internal.runtime;

import dev.agate.Envelope;

/** An envelope addressed to an endpoint, waiting to be handed over (now, or at its scheduled time). */
record Delivery(Endpoint endpoint, Envelope envelope) {
}
