package dev.agate.spi;

import dev.agate.Envelope;
import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Envelopes on their way out of the process through a durable sending endpoint, from the transaction
 * that sent them until the receiver confirms them. Each row has an owner: the node whose sending agent
 * holds the envelope in memory, or 0 when any node may claim it. Thread-safe.
 */
public interface Outbox {

    /**
     * Persists envelopes to be sent to their {@link Envelope#destination()}, owned by {@code ownerId}
     * (0: the durability agent of any node sends them). Envelopes must carry a body and a destination.
     * Envelopes whose id is already in the outbox are duplicates (a send repeated with its own message id):
     * they are not stored again, the stored one is left as it is, and their ids are returned. An id given
     * twice in one batch is stored once and not reported.
     *
     * @param transaction the transaction to join, or null for one of its own
     * @return the ids that were already stored
     */
    Set<UUID> store(StoreTransaction transaction, List<Envelope> envelopes, int ownerId);

    /**
     * Deletes envelopes owned by {@code ownerId} that the receiver confirmed, or that expired; missing ids and
     * envelopes another node owns are left as they are.
     */
    void delete(StoreTransaction transaction, Collection<UUID> ids, int ownerId);

    /**
     * Claims up to {@code limit} unowned envelopes for {@code destination} for {@code ownerId}, oldest first.
     * Two nodes claiming at once never get the same envelope.
     */
    List<Envelope> claim(URI destination, int ownerId, int limit);

    /** The destinations that have unowned envelopes, for recovery. */
    Set<URI> destinationsWithUnowned();

    /** Gives envelopes owned by {@code ownerId} back to any node (owner 0), with the attempts made so far. */
    void release(Collection<UUID> ids, int ownerId, int attempts);

    /** Gives every envelope of {@code ownerId} back to any node; returns how many. */
    int releaseOwnedBy(int ownerId);

    /** Deletes up to {@code limit} envelopes whose deliver-by time is before {@code now}; returns how many. */
    int deleteExpired(Instant now, int limit);
}
