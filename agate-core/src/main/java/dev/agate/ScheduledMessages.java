package dev.agate;

import java.time.Instant;

/**
 * The scheduled messages in the host's message store: sent or published for later, and retries an error policy
 * scheduled. Listed, cancelled and rescheduled while the durability agents of the running nodes fire them: a
 * message fired while it is cancelled ends either handled once or cancelled, never both. The actions run in the
 * store in bounded batches and write an audit entry ({@link AgateHost#audit}). Thread-safe; every method runs on
 * the calling thread and throws an {@link AgateException} when the store cannot be reached, an
 * {@link IllegalArgumentException} for a blank actor.
 */
public interface ScheduledMessages {

    /** One page of the scheduled messages {@code filter} matches, sorted by when they are due, then by id, with how many match. */
    Page<ScheduledMessage> query(ScheduledFilter filter, PageRequest page);

    /** How many scheduled messages {@code filter} matches. */
    long count(ScheduledFilter filter);

    /**
     * Cancels the matching scheduled messages: they are never fired, and their ids stay known until the
     * deduplication horizon, so a resend of one is a duplicate.
     */
    ActionResult cancel(ScheduledFilter filter, String actor);

    /**
     * Makes the matching scheduled messages due at {@code at}; at or before now, they are fired at once (this host's
     * agent is woken; another node's fires them within its scheduled polling interval).
     */
    ActionResult reschedule(ScheduledFilter filter, Instant at, String actor);
}
