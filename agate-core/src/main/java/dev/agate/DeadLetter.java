package dev.agate;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * An envelope that will not be handled again unless it is replayed, with why.
 *
 * @param envelope         the envelope as it was when it failed
 * @param endpoint         the endpoint where it failed
 * @param reason           a short reason: the exception's type, or "cannot deserialize", or "no handler"
 * @param exceptionType    the exception's class name, or null
 * @param exceptionMessage the exception's message, or null
 * @param stackTrace       the exception's stack trace, or null
 * @param attempts         the attempts started before it was given up
 * @param failedAt         when it was dead-lettered
 */
public record DeadLetter(Envelope envelope, URI endpoint, String reason, String exceptionType,
                         String exceptionMessage, String stackTrace, int attempts, Instant failedAt) {
    public DeadLetter {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(failedAt, "failedAt");
    }

    /** The envelope id, which is also the dead letter's id. */
    public java.util.UUID id() {
        return envelope.id();
    }
}
