package dev.agate;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * An envelope in the message store waiting for its time: sent or published for later, or a retry an error
 * policy scheduled. At {@link #dueAt()} a node's durability agent takes it and hands it to its endpoint.
 *
 * @param envelope the envelope, as stored
 * @param endpoint the local queue or the destination it goes to when due
 * @param dueAt    when it is due
 * @param attempts the handling attempts it had before (above 0 for a scheduled retry)
 */
public record ScheduledMessage(Envelope envelope, URI endpoint, Instant dueAt, int attempts) {
    public ScheduledMessage {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(dueAt, "dueAt");
    }

    public UUID id() {
        return envelope.id();
    }

    /** Where it sits in a listing of scheduled messages: when it is due, then its id. */
    public PageRequest.Position position() {
        return new PageRequest.Position(dueAt, id());
    }
}
