package dev.agate.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The nodes of a store and their leases: who is alive, and who leads. Thread-safe.
 *
 * <p><b>Incarnations.</b> Every {@link #register} hands out an id that this store never handed out before
 * and never hands out again (not after a restart of the store or of any node): a node that was declared
 * dead and comes back can only rejoin under a new id. Envelope rows carry that id as their owner, so a
 * write checked against the owner id is checked against the incarnation too. 0 is never a node's id; it
 * means "any node".
 *
 * <p><b>Leases, timed by the store's clock.</b> A node's lease is its last {@link #renew}, stamped with the
 * store's own time (the database server's clock; for a file on one machine, that machine's clock), so
 * clocks of nodes that disagree cannot shorten or stretch it. The leader's lease is a row too: whoever
 * holds it unexpired leads, whatever sessions or locks a frozen former leader still has open.
 */
public interface NodeRegistry {

    /** A registered node; {@code heartbeatAt} is its last renewal, in the store's time. */
    record Node(int id, String serviceName, String description, Instant startedAt, Instant heartbeatAt) {
    }

    /** The leader's lease: the node that holds it, its term, and when it runs out (store's time). */
    record Leader(int nodeId, long term, Instant expiresAt) {
    }

    /** A node the leader declared dead, and how many of its incoming and outgoing envelopes went back to any node. */
    record DeadNode(Node node, int incoming, int outgoing) {
    }

    /**
     * What one {@link #releaseDead} changed: the nodes declared dead, and the rows of owners that are no
     * registered node at all (an incarnation declared dead earlier that wrote on before it knew). {@code more}:
     * the store releases a bounded number of rows per call, so that the leader's transaction stays short, and
     * left some for the next look for orphans.
     */
    record Released(List<DeadNode> dead, int orphanIncoming, int orphanOutgoing, boolean more) {
    }

    /**
     * Registers a new incarnation, its lease renewed now (store's time), and returns its id: never handed
     * out before by this store, never 0.
     */
    int register(String serviceName, String description);

    /**
     * Renews the node's lease (its heartbeat) to the store's current time.
     *
     * @return false, changing nothing, when the node is no longer registered: another node declared it dead,
     *         and the caller must stop acting as that node (and may register again, as a new incarnation)
     */
    boolean renew(int nodeId);

    /** Removes the node. */
    void deregister(int nodeId);

    List<Node> nodes();

    /**
     * Takes the leader's lease for {@code nodeId} when it is free (never taken, run out, or held by a node
     * that is not registered), or renews it when the node already holds it; the lease then runs until the
     * store's time plus {@code lease}. A node that is not registered never gets it. Taking it over starts
     * a new term, greater than every earlier one; renewing keeps the term.
     *
     * @return the term this node leads in, or 0 when another node holds an unexpired lease
     */
    long lead(int nodeId, Duration lease);

    /** Gives the leader's lease up, if {@code nodeId} holds it in {@code term}: a leaving node lets the next lead at once. */
    void resign(int nodeId, long term);

    /** Who holds the leader's lease, run out or not; null when nobody ever took it. */
    Leader leader();

    /**
     * The leader's work, fenced by its lease, in one transaction: first renews the lease of {@code nodeId} in
     * {@code term} (and stops, changing nothing, when it does not hold it unexpired: it was deposed), then
     * declares dead every node whose last renewal is older than {@code nodeTimeout} in the store's time,
     * except the leader and a node whose renewal is under way: each is deregistered, then its incoming and
     * outgoing envelopes go to any node (owner 0). Then, when {@code orphans}, envelopes owned by an id that is no registered
     * node, and was handed out before this call began, go to any node too (that look reads every owned row,
     * so the caller does it less often).
     *
     * @return what was changed, or null when {@code nodeId} does not lead in {@code term}
     */
    Released releaseDead(int nodeId, long term, Duration nodeTimeout, Duration lease, boolean orphans);
}
