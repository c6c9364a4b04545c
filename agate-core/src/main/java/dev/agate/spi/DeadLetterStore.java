package dev.agate.spi;

import dev.agate.ActionResult;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.EnvelopeEdit;
import dev.agate.Page;
import dev.agate.PageRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Dead letters kept in the store, with what a person needs to decide what to do with them, and the actions a
 * person takes on them. Thread-safe.
 *
 * <p><b>Actions.</b> {@link #replay}, {@link #delete} and {@link #replayEdited} run in the store, in
 * transactions of at most {@link #ACTION_BATCH} dead letters each, so that an action on a hundred thousand
 * dead letters never holds them in memory nor one long transaction. They go through the matching dead letters
 * in the order of a listing, up to the last one that matched when the action began (dead letters that fail
 * while it runs are left for the next action). Each writes one audit entry ({@link StoreAdmin#audit}) in its
 * first batch's transaction and adds each later batch's count to it in that batch's transaction. Each is
 * idempotent: a replay leaves dead letters replayed already as they are, so two replays of one dead letter, at
 * once or one after the other, put its envelope back into the inbox once.
 */
public interface DeadLetterStore {
    /** The most dead letters one transaction of an action changes. */
    int ACTION_BATCH = 500;

    /**
     * Moves an incoming envelope to the dead letters in one transaction: the dead letter is written (over
     * an older one of the same id, replayed or not) and the incoming row, if there is one, is kept as handled,
     * without its body, until {@code keepIdUntil}, so that the envelope received again is a duplicate, not
     * handled. Works for an envelope that was never stored (the dead letter is just written).
     */
    void moveFromInbox(DeadLetter letter, Instant expiresAt, Instant keepIdUntil);

    /**
     * Like {@link #moveFromInbox(DeadLetter, Instant, Instant)}, for the node that holds the envelope, in
     * {@code transaction} (null: one of its own): only if its row is still incoming and owned by
     * {@code ownerId}. False, changing nothing, when another node took it over (and may have handled it):
     * that node's outcome stands.
     */
    boolean moveFromInbox(StoreTransaction transaction, DeadLetter letter, int ownerId, Instant expiresAt, Instant keepIdUntil);

    /**
     * The dead letters {@code filter} matches, sorted by when they failed, then by id, in the page's order, one
     * page after the page's cursor, with how many match in all. Served by indexes, so it stays fast on a large
     * table for a filter on message type, exception type, endpoint or time (the exception message text is
     * searched in the rows the other criteria leave).
     */
    Page<DeadLetter> query(DeadLetterFilter filter, PageRequest page);

    /** How many dead letters {@code filter} matches. */
    long count(DeadLetterFilter filter);

    /** Dead letters, oldest first, optionally of one message type, at most {@code limit}, replayed or not. */
    default List<DeadLetter> list(String messageType, int limit) {
        return query(DeadLetterFilter.builder().messageType(messageType).build(), PageRequest.first(limit)).items();
    }

    Optional<DeadLetter> find(UUID id);

    /**
     * Puts the envelopes of the matching dead letters back into the inbox, incoming, unowned, attempts reset, no
     * expiry or scheduled time, at the endpoint where each failed; marks each dead letter replayed ({@code now},
     * {@code actor}) in the same transaction. A running node whose endpoint it is claims them within its
     * recovery interval. Skips (and counts as skipped) dead letters replayed already and those without an
     * endpoint.
     *
     * @throws IllegalArgumentException for a blank actor
     */
    ActionResult replay(DeadLetterFilter filter, String actor, Instant now);

    /**
     * Deletes the matching dead letters, replayed or not, for good. The ids of their envelopes stay known as
     * handled until the deduplication horizon, so a resend is still a duplicate.
     *
     * @throws IllegalArgumentException for a blank actor
     */
    ActionResult delete(DeadLetterFilter filter, String actor, Instant now);

    /**
     * Edit-and-replay: puts {@link EnvelopeEdit#applyTo edit applied to} the dead letter's envelope, with a new id,
     * into the inbox at its endpoint as {@link #replay} does, and marks the dead letter replayed as that id, in one
     * transaction. Nothing, and {@code skipped} 1 with the earlier envelope's id, when it was replayed already
     * (edited or not); nothing at all when there is no such dead letter, or it has no endpoint (skipped 1).
     *
     * @throws IllegalArgumentException for a blank actor
     */
    ActionResult replayEdited(UUID id, EnvelopeEdit edit, String actor, Instant now);

    /** Deletes up to {@code limit} dead letters that expired before {@code now}, replayed or not. */
    int deleteExpired(Instant now, int limit);
}
