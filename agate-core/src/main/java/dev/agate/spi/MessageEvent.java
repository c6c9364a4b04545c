package dev.agate.spi;

import dev.agate.Envelope;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * One step in the life of an envelope, reported to {@link MessageObserver}s.
 *
 * @param kind      what happened
 * @param envelope  the envelope it happened to
 * @param endpoint  the endpoint involved, or null (for {@code invoke})
 * @param exception the handler's exception for {@link Kind#FAILED} and the final failure kinds, else null
 * @param detail    a short human-readable reason, or null
 * @param at        when it happened, by the host's clock
 */
public record MessageEvent(Kind kind, Envelope envelope, URI endpoint, Throwable exception, String detail, Instant at) {
    public MessageEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(at, "at");
    }

    /** The steps. Those marked final end the envelope's life in this process. */
    public enum Kind {
        /**
         * Accepted by an endpoint for delivery now: sent or cascaded, a scheduled envelope that came due, or one
         * recovered from the store.
         */
        SENT,
        /**
         * Received from another service by a listener and accepted into the listener's local queue (for a durable
         * queue, stored first); what follows is as after {@link #SENT}.
         */
        RECEIVED,
        /** Accepted for delivery at its scheduled time (final until that time comes). */
        SCHEDULED,
        /** A handling attempt started. */
        STARTED,
        /** All handlers succeeded and the cascades were sent (final). */
        SUCCEEDED,
        /** A handling attempt threw; the next event says what follows. */
        FAILED,
        /** Will be handled again now, or after a cooldown on the same thread. */
        RETRYING,
        /** Put back at the end of its queue. */
        REQUEUED,
        /** Will be handled again after a delay. */
        RETRY_SCHEDULED,
        /** Acknowledged by the remote endpoint it was sent to: its life in this process ends (final). */
        FORWARDED,
        /** Moved to the dead letters (final). */
        DEAD_LETTERED,
        /** Dropped by an error policy or because it expired (final). */
        DISCARDED,
        /** Not handled and not kept: an {@code invoke} whose failure went to its caller, a send refused by a
         * full queue, or buffered work left when the host closed (final). */
        ABANDONED,
        /**
         * A copy of an envelope whose id is stored already, not stored or handled again: a batch a listener
         * received again (its acknowledgement was lost) or a send repeated with its own message id. It ends that
         * copy only, and says nothing of the envelope the id first came with, which may still be under way
         * here or have ended long ago: so it is not final, and trackers of an envelope's life leave it out
         * (a {@link #SENT} of the same copy just before it, on the same thread, announced a copy that ends here).
         */
        DUPLICATE;

        /** True when the envelope's life in this process ends here. */
        public boolean isFinal() {
            return this == SCHEDULED || this == SUCCEEDED || this == FORWARDED || this == DEAD_LETTERED || this == DISCARDED || this == ABANDONED;
        }
    }
}
