package dev.agate;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * An envelope that will not be handled again unless it is replayed, with why. A replayed dead letter is kept,
 * with its {@link #replay()} mark, until it expires; if its envelope fails again, the new dead letter takes
 * its place, unmarked.
 *
 * @param envelope         the envelope as it was when it failed
 * @param endpoint         the endpoint where it failed; null when there is nowhere to replay it to
 * @param reason           a short reason: the exception's type, or "cannot deserialize", or "no handler"
 * @param exceptionType    the exception's class name, or null
 * @param exceptionMessage the exception's message, or null
 * @param stackTrace       the exception's stack trace, or null
 * @param attempts         the attempts started before it was given up
 * @param failedAt         when it was dead-lettered
 * @param replay           when, by whom and as which envelope it was replayed; null while it was not
 */
public record DeadLetter(Envelope envelope, URI endpoint, String reason, String exceptionType,
                         String exceptionMessage, String stackTrace, int attempts, Instant failedAt, Replay replay) {
    public DeadLetter {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(failedAt, "failedAt");
    }

    /** A dead letter not replayed. */
    public DeadLetter(Envelope envelope, URI endpoint, String reason, String exceptionType,
                      String exceptionMessage, String stackTrace, int attempts, Instant failedAt) {
        this(envelope, endpoint, reason, exceptionType, exceptionMessage, stackTrace, attempts, failedAt, null);
    }

    /**
     * How a dead letter was replayed.
     *
     * @param at         when
     * @param by         who asked (the actor of the action)
     * @param envelopeId the envelope that went back: the dead letter's own id for a replay, a new id for an
     *                   edited one ({@link EnvelopeEdit})
     */
    public record Replay(Instant at, String by, UUID envelopeId) {
        public Replay {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(by, "by");
            Objects.requireNonNull(envelopeId, "envelopeId");
        }
    }

    /** The envelope id, which is also the dead letter's id. */
    public UUID id() {
        return envelope.id();
    }

    /** Whether it was replayed. */
    public boolean isReplayed() {
        return replay != null;
    }

    /** Whether it can be replayed: it has an endpoint to go back to. */
    public boolean isReplayable() {
        return endpoint != null;
    }

    /** The same dead letter with a replay mark. */
    public DeadLetter replayed(Replay mark) {
        return new DeadLetter(envelope, endpoint, reason, exceptionType, exceptionMessage, stackTrace, attempts, failedAt, mark);
    }

    /** Where it sits in a listing of dead letters: when it failed, then its id. */
    public PageRequest.Position position() {
        return new PageRequest.Position(failedAt, id());
    }
}
