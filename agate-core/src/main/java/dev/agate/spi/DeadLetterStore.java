package dev.agate.spi;

import dev.agate.DeadLetter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Dead letters kept in the store, with what a person needs to decide what to do with them. */
public interface DeadLetterStore {

    /**
     * Moves an incoming envelope to the dead letters in one transaction: the dead letter is written (over
     * an older one of the same id) and the incoming row, if there is one, is kept as handled, without its
     * body, until {@code keepIdUntil}, so that the envelope received again is a duplicate, not handled.
     * Works for an envelope that was never stored (the dead letter is just written).
     */
    void moveFromInbox(DeadLetter letter, Instant expiresAt, Instant keepIdUntil);

    /**
     * Like {@link #moveFromInbox(DeadLetter, Instant, Instant)}, for the node that holds the envelope, in
     * {@code transaction} (null: one of its own): only if its row is still incoming and owned by
     * {@code ownerId}. False, changing nothing, when another node took it over (and may have handled it):
     * that node's outcome stands.
     */
    boolean moveFromInbox(StoreTransaction transaction, DeadLetter letter, int ownerId, Instant expiresAt, Instant keepIdUntil);

    /** Dead letters, oldest first, optionally of one message type, at most {@code limit}. */
    List<DeadLetter> list(String messageType, int limit);

    Optional<DeadLetter> find(UUID id);

    /**
     * Moves dead letters back into the inbox as incoming, unowned, attempts reset, in one transaction, and
     * returns them (so the caller can wake their endpoints). Null filters match everything.
     */
    List<DeadLetter> replay(UUID id, String messageType);

    /** Deletes dead letters; null filters match everything. Returns how many. */
    int purge(UUID id, String messageType);

    /** Deletes up to {@code limit} dead letters that expired before {@code now}. */
    int deleteExpired(Instant now, int limit);
}
