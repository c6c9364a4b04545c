package dev.agate.internal.endpoint;

import dev.agate.Envelope;
import java.util.function.Supplier;

/** Handles envelopes that an endpoint delivered, error policies included. Never throws. */
@FunctionalInterface
public interface EnvelopeHandler {
    void handle(Envelope envelope, Endpoint origin);

    /**
     * Handles {@code first}, then each envelope {@code next} hands out for as long as this handler asks for
     * more (null: none is ready now), all from one worker of {@code origin}; where it can, in one
     * transaction. Every envelope taken from {@code next} is handled (or ends otherwise) in this call.
     */
    default void handleBatch(Envelope first, Supplier<Envelope> next, Endpoint origin) {
        handle(first, origin);
    }
}
