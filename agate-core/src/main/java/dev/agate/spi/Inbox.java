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

    /** Marks incoming envelopes handled, kept until {@code keepUntil}. Missing ids are ignored. */
    void markHandled(StoreTransaction transaction, Collection<UUID> ids, Instant keepUntil);

    /**
     * Marks one envelope handled if it is still incoming and owned by {@code ownerId}, in the handler's
     * transaction. False means another node owns it now, or it was handled already: the caller must roll
     * the transaction back, so that the handler's effects happen once.
     */
    boolean markHandled(StoreTransaction transaction, UUID id, int ownerId, Instant keepUntil);

    /**
     * Deletes an incoming envelope that {@code ownerId} owns, in {@code transaction} (or one of its own when
     * null): a scheduled send that came due leaves the inbox for the outbox this way, so that a listener
     * on the same database receives it as a new envelope. False, changing nothing, when the row is not
     * incoming and owned by {@code ownerId}.
     */
    boolean remove(StoreTransaction transaction, UUID id, int ownerId);

    /** Records that an attempt started, so attempts survive a crash in the middle of one. */
    void recordAttempts(UUID id, int attempts);

    /**
     * Makes an incoming envelope owned by {@code ownerId} scheduled again for {@code at}, with its attempts,
     * owned by nobody. False, changing nothing, when it is not incoming or not that node's (another node
     * took it over and may have handled it): a retry must not bring a handled envelope back.
     */
    boolean scheduleRetry(UUID id, int ownerId, int attempts, Instant at);

    /**
     * Claims up to {@code limit} unowned incoming envelopes of {@code endpoint} for {@code ownerId}, oldest
     * first. Two nodes claiming at once never get the same envelope.
     */
    List<Envelope> claimIncoming(URI endpoint, int ownerId, int limit);

    /**
     * Claims up to {@code limit} scheduled envelopes due at {@code now}: they become incoming and owned by
     * {@code ownerId}. Two nodes claiming at once never get the same envelope.
     */
    List<Envelope> claimDueScheduled(Instant now, int ownerId, int limit);

    /** Gives claimed incoming envelopes back to any node (owner 0). */
    void release(Collection<UUID> ids);

    /** Gives every incoming and scheduled envelope of {@code ownerId} back to any node; returns how many. */
    int releaseOwnedBy(int ownerId);

    /** Deletes up to {@code limit} handled envelopes kept until before {@code now}; returns how many. */
    int deleteExpiredHandled(Instant now, int limit);

    /** The endpoints that have unowned incoming envelopes, for recovery. */
    Set<URI> endpointsWithUnowned();
}
