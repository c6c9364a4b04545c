package dev.agate.spi;

import dev.agate.Envelope;
import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Envelopes received by durable endpoints, until they are handled and then kept for a while so late
 * duplicates are recognized.
 *
 * <p>States: <em>incoming</em> (waiting to be handled), <em>scheduled</em> (to be handled at a time),
 * <em>handled</em> (kept until a time, then deleted). Each row has an owner: the node id working on it,
 * or 0 when any node may claim it.
 */
public interface Inbox {

    /**
     * Persists envelopes received at {@code endpoint}, as incoming (or scheduled, when their scheduled time
     * is after {@code now}) and owned by {@code ownerId}. Envelopes whose id is already stored, in any
     * state, are duplicates: they are not stored again and their ids are returned. An id given twice in
     * one batch is stored once and not reported: callers remove duplicates within their own batch. Envelopes must carry a
     * body; attempts are stored as they are.
     *
     * @param transaction the transaction to join, or null for one of its own
     * @return the ids of the duplicates
     */
    Set<UUID> store(StoreTransaction transaction, URI endpoint, List<Envelope> envelopes, int ownerId, Instant now);

    /**
     * Marks incoming envelopes owned by {@code ownerId} handled, kept until {@code keepUntil}. Ids that are
     * missing, not incoming or owned by another node (it was declared dead and its work taken over) are
     * left as they are. The ids must be distinct.
     *
     * @param transaction the transaction to join (a batch of handlings whose effects commit with their marks),
     *                    or null for one of its own
     * @return how many envelopes it marked: fewer than {@code ids.size()} when some were left as they are
     */
    int markHandled(StoreTransaction transaction, Collection<UUID> ids, int ownerId, Instant keepUntil);

    /**
     * Marks one envelope handled if it is still incoming and owned by {@code ownerId}, in the handler's
     * transaction. False means another node owns it now, or it was handled already: the caller must roll
     * the transaction back, so that the handler's effects happen once.
     */
    boolean markHandled(StoreTransaction transaction, UUID id, int ownerId, Instant keepUntil);

    /**
     * Ends the handling of incoming envelopes owned by {@code ownerId} whose ids need no deduplication record:
     * envelopes the runtime addressed to a local queue with an id it made, which nothing can send again. A store
     * deletes their rows (no record to write now, none to clean up later); ids that are missing, not incoming or
     * owned by another node are left as they are, as by {@link #markHandled(StoreTransaction, Collection, int, Instant)}.
     * The ids must be distinct. The default keeps them as handled until {@code keepUntil}, which is always safe.
     *
     * @param transaction the transaction to join (a handling whose effects commit with its end), or null for one of its own
     * @return how many envelopes it ended: fewer than {@code ids.size()} when some were left as they are
     */
    default int deleteHandled(StoreTransaction transaction, Collection<UUID> ids, int ownerId, Instant keepUntil) {
        return markHandled(transaction, ids, ownerId, keepUntil);
    }

    /**
     * Deletes an incoming envelope that {@code ownerId} owns, in {@code transaction} (or one of its own when
     * null): a scheduled send that came due leaves the inbox for the outbox this way, so that a listener
     * on the same database receives it as a new envelope. False, changing nothing, when the row is not
     * incoming and owned by {@code ownerId}.
     */
    boolean remove(StoreTransaction transaction, UUID id, int ownerId);

    /**
     * Records the attempts of an envelope whose attempt failed and that its node keeps handling (a retry in
     * memory), so attempts survive a crash; its takes are 1 again: the node holds it, one attempt ended.
     * Changes nothing when the envelope is not owned by {@code ownerId}.
     */
    void recordAttempts(UUID id, int ownerId, int attempts);

    /**
     * Makes an incoming envelope owned by {@code ownerId} scheduled again for {@code at}, with its attempts,
     * owned by nobody. False, changing nothing, when it is not incoming or not that node's (another node
     * took it over and may have handled it): a retry must not bring a handled envelope back.
     */
    boolean scheduleRetry(UUID id, int ownerId, int attempts, Instant at);

    /**
     * An envelope a claim took, with what its row tells of earlier takes: how a poison message (one whose
     * handling crashes the process) is told from the envelopes that were only held when it did.
     *
     * @param envelope        the envelope, its attempts as stored
     * @param unfinishedTakes how often a node took it before (stored it owned, or claimed it) and no attempt
     *                        of that take ended: the holder died (or was declared dead) holding it, maybe while
     *                        handling it. 0 for an envelope nobody held, or whose last attempt ended.
     * @param crashes         how many attempts of it started once it was suspected, each recorded before it
     *                        ran ({@link #recordSuspectStart}), and never ended ({@link #recordSuspectEnd})
     */
    record Claimed(Envelope envelope, int unfinishedTakes, int crashes) {
    }

    /**
     * Claims up to {@code limit} unowned incoming envelopes of {@code endpoint} for {@code ownerId}, oldest
     * first, each with its history of takes; counts this take (in the claim's own statement). Two nodes
     * claiming at once never get the same envelope. Storing an envelope owned by a node counts as its first take.
     */
    List<Claimed> take(URI endpoint, int ownerId, int limit);

    /**
     * Reads envelopes back by id, each only if it is incoming and owned by {@code ownerId}, in the order of
     * {@code ids}: a durable queue that was full left them in the store, and loads them when it has room.
     * Changes nothing.
     */
    List<Envelope> load(List<UUID> ids, int ownerId);

    /** The envelopes of {@link #take}, without their history. */
    default List<Envelope> claimIncoming(URI endpoint, int ownerId, int limit) {
        return take(endpoint, ownerId, limit).stream().map(Claimed::envelope).toList();
    }

    /**
     * Records, before an attempt of a suspected envelope starts, that it may crash the process: its crashes
     * grow by one, committed before the handler runs. False, changing nothing, when the envelope is not
     * incoming and owned by {@code ownerId}.
     */
    boolean recordSuspectStart(UUID id, int ownerId);

    /**
     * Records that the attempt of a suspected envelope ended without crashing the process: its crashes shrink
     * by one. Changes nothing when the envelope is not owned by {@code ownerId}.
     */
    void recordSuspectEnd(UUID id, int ownerId);

    /**
     * Claims up to {@code limit} scheduled envelopes due at {@code now}: they become incoming and owned by
     * {@code ownerId}. Two nodes claiming at once never get the same envelope.
     */
    List<Envelope> claimDueScheduled(Instant now, int ownerId, int limit);

    /**
     * Gives incoming envelopes that {@code ownerId} claimed back to any node (owner 0), as not taken: the node
     * did not start them, or ended its attempt. Envelopes another node owns are left as they are.
     */
    void release(Collection<UUID> ids, int ownerId);

    /**
     * Gives every incoming and scheduled envelope of {@code ownerId} back to any node; returns how many. Their
     * takes stay: the node is taken for dead, so the next claim sees takes that never ended.
     */
    int releaseOwnedBy(int ownerId);

    /** Deletes up to {@code limit} handled envelopes kept until before {@code now}; returns how many. */
    int deleteExpiredHandled(Instant now, int limit);

    /** The endpoints that have unowned incoming envelopes, for recovery. */
    Set<URI> endpointsWithUnowned();
}
