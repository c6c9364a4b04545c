package dev.agate.spi;

import dev.agate.AuditEntry;
import dev.agate.Page;
import dev.agate.PageRequest;
import java.util.Map;

/** What an operator asks of a store: what it holds, and handing everything back to any node. Thread-safe. */
public interface StoreAdmin {

    /**
     * The rows a store holds.
     *
     * @param handled         ids kept as handled until the deduplication horizon: of received envelopes and of those
     *                        sent with the sender's own id, and of envelopes sent to a local queue with an id Agate
     *                        made where the store keeps those ({@link Inbox#deleteHandled} may delete them): not a
     *                        count of handlings
     * @param deadLetters     dead letters not replayed (replayed ones are kept, marked, until they expire)
     * @param incomingByOwner incoming (not scheduled, not handled) envelopes by owner node id, 0 for unowned
     * @param outgoingByOwner outgoing envelopes by owner node id
     */
    record Counts(long incoming, long scheduled, long handled, long outgoing, long deadLetters,
                  Map<Integer, Long> incomingByOwner, Map<Integer, Long> outgoingByOwner) {
        public Counts {
            incomingByOwner = Map.copyOf(incomingByOwner);
            outgoingByOwner = Map.copyOf(outgoingByOwner);
        }
    }

    /** Counts every row: for operators, not for periodic jobs (it reads whole tables). */
    Counts counts();

    /**
     * The owner ids of incoming (not scheduled, not handled) and outgoing rows that have an owner (not 0):
     * what the leader looks through for rows of nodes that are gone. Served by the indexes over owned rows,
     * so it reads neither the handled rows nor the unowned ones.
     */
    java.util.Set<Integer> owners();

    /**
     * What waits in the store, for dashboards, health endpoints and metrics (a few times a minute, not in hot
     * loops): the incoming, scheduled and outgoing envelopes counted per endpoint with the oldest time of each
     * (see {@link dev.agate.StoreStatus.Pending#oldest()}), the dead letters counted by message type and exception
     * type (those not replayed), the registered nodes, and the node that holds the leader's lease unexpired by the store's clock.
     *
     * <p>Unlike {@link #counts()} it must read only the rows that wait, through the indexes that serve recovery
     * and scheduling: never the handled rows kept for deduplication, which may be millions. It may read each
     * part at a different moment. Default: unsupported.
     *
     * @throws UnsupportedOperationException when the store cannot tell
     */
    default dev.agate.StoreStatus status() {
        throw new UnsupportedOperationException(getClass().getName() + " does not report what waits in it");
    }

    /**
     * Gives every incoming, scheduled and outgoing envelope back to owner 0, for when nodes are gone
     * and will not come back; returns how many rows changed. Safe while nodes run: what a running node
     * holds is claimed again by some node, and handled once because the mark that it was handled checks
     * the owner.
     */
    int releaseAll();

    /**
     * The audit of operators' actions on this store ({@link DeadLetterStore}, {@link ScheduledStore}), sorted by when
     * each began, then by id, in the page's order, with how many entries there are.
     */
    Page<AuditEntry> audit(PageRequest page);

    /** Deletes every envelope, dead letter, audit entry and node: for tests. */
    void clearAll();

    /**
     * Told by the cleanup after each run how many rows it deleted, so a store whose database does not reclaim
     * deleted rows' space on its own can do it: the JDBC store vacuums its tables on a PostgreSQL whose
     * autovacuum is off, or the tables would grow by every message that went through them. Default: nothing.
     * Must not throw for a failure to reclaim; it is retried after the next run.
     */
    default void afterCleanup(long deletedRows) {
    }
}
