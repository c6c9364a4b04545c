package dev.agate.spi;

import dev.agate.ActionResult;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.ScheduledFilter;
import dev.agate.ScheduledMessage;
import java.time.Instant;

/**
 * The scheduled envelopes of the inbox (those {@link Inbox#store} kept for later, and retries an error policy
 * scheduled), for a person: listed and changed while the durability agents of running nodes fire them. Actions
 * run in transactions of at most {@link DeadLetterStore#ACTION_BATCH} rows and are audited as
 * {@link DeadLetterStore}'s are. Thread-safe.
 *
 * <p><b>Against firing.</b> Every change applies only to a row that is still scheduled when the change takes
 * it, under the same row lock that {@link Inbox#claimDueScheduled} takes; so an envelope that a node fires while
 * a person cancels it ends either fired (handled once) or cancelled, never both.
 */
public interface ScheduledStore {

    /** The scheduled envelopes {@code filter} matches, sorted by when they are due, then by id, with how many match in all. */
    Page<ScheduledMessage> query(ScheduledFilter filter, PageRequest page);

    /** How many scheduled envelopes {@code filter} matches. */
    long count(ScheduledFilter filter);

    /**
     * Cancels the matching scheduled envelopes: each becomes handled, without its body, kept until
     * {@code keepIdUntil}, so that it is never fired and a resend of it is a duplicate.
     *
     * @throws IllegalArgumentException for a blank actor
     */
    ActionResult cancel(ScheduledFilter filter, String actor, Instant now, Instant keepIdUntil);

    /**
     * Makes the matching scheduled envelopes due at {@code at} (at {@code now} or before: fired at the next poll of
     * a node's agent). Envelopes due at {@code at} already are skipped.
     *
     * @throws IllegalArgumentException for a blank actor
     */
    ActionResult reschedule(ScheduledFilter filter, Instant at, String actor, Instant now);
}
