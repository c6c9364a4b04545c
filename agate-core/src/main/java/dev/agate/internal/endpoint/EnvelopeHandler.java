package dev.agate.internal.endpoint;

import dev.agate.Envelope;

/** Handles one envelope that an endpoint delivered, error policies included. Never throws. */
@FunctionalInterface
public interface EnvelopeHandler {
    void handle(Envelope envelope, Endpoint origin);
}
