package dev.agate.internal.runtime;

import dev.agate.Envelope;

/** Handles one envelope that an endpoint delivered, error policies included. Never throws. */
@FunctionalInterface
interface EnvelopeHandler {
    void handle(Envelope envelope, Endpoint origin);
}
