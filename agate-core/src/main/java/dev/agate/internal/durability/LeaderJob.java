package dev.agate.internal.durability;

import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.NodeLease;
import dev.agate.spi.NodeRegistry;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes or keeps the leader's lease, and as leader declares dead the nodes whose leases ran out: their
 * envelopes go to any node, and rows of owners that are no registered node (orphans) too. All of that
 * runs in one store transaction that first renews the lease in this node's term, so a leader that was
 * deposed while frozen changes nothing when it wakes.
 *
 * <p>A node takes or keeps the lease only once it has reached the store without a break (no failed renewal,
 * no freeze) for a full node timeout: after an outage no node could renew, and each must get the time to do
 * it before its lease counts as run out; and a leader whose own renewals fail gives the lease up to one
 * whose do not. Orphans are looked for every
 * {@link #ORPHAN_SWEEP} (and on each of the next runs after a node died: rows its frozen sessions held
 * locked are released once those locks are gone), because the look reads every owned row.
 */
final class LeaderJob extends DurabilityJob {
    private static final Logger log = LoggerFactory.getLogger(LeaderJob.class);
    static final Duration ORPHAN_SWEEP = Duration.ofSeconds(10);

    private final DurableStorage storage;
    private final NodeMembership membership;
    /** Runs recovery at once on this node after a release: it is the one that knows there is work. */
    private final Runnable wakeRecovery;
    private long lastSweep = System.nanoTime() - ORPHAN_SWEEP.toNanos();
    private long sweepUntil;

    LeaderJob(DurableStorage storage, NodeMembership membership, Runnable wakeRecovery) {
        super("leader", storage.settings().heartbeatInterval(), false);
        this.storage = storage;
        this.membership = membership;
        this.wakeRecovery = wakeRecovery;
    }

    @Override
    void run() {
        NodeLease lease = storage.lease();
        int id = lease.incarnation();
        if (!lease.isLive() || membership.isLeaving()) {
            return; // a node that may be dead does not lead; the heartbeat finds out
        }
        NodeRegistry nodes = storage.store().nodes();
        Duration nodeTimeout = storage.settings().nodeTimeout();
        long term = membership.term();
        if (lease.reachableFor().compareTo(nodeTimeout) < 0) {
            // It cannot judge yet (it reached the store for less than a node timeout without a break): it neither
            // takes the lease nor keeps it, so that a node that can judge leads.
            if (term != 0) {
                long resigned = term;
                storage.call("giving up the leader's lease", () -> {
                    nodes.resign(id, resigned);
                    return null;
                });
                changeTerm(id, term, 0);
            }
            return;
        }
        if (term == 0) {
            long held = storage.call("taking the leader's lease", () -> nodes.lead(id, nodeTimeout));
            changeTerm(id, term, held);
            term = held;
            if (term == 0) {
                return;
            }
        }
        long now = System.nanoTime();
        boolean orphans = now - lastSweep >= ORPHAN_SWEEP.toNanos() || now < sweepUntil;
        long leading = term;
        NodeRegistry.Released released = storage.call("releasing the envelopes of dead nodes",
                () -> nodes.releaseDead(id, leading, nodeTimeout, nodeTimeout, orphans));
        if (released == null) {
            changeTerm(id, term, 0);
            return;
        }
        if (orphans) {
            lastSweep = now;
        }
        report(released, id);
    }

    private void changeTerm(int id, long before, long after) {
        membership.term(after);
        if (before != after) {
            if (after != 0) {
                log.info("node {} of '{}' leads {} (term {})", id, membership.serviceName(), storage.store().description(), after);
            } else {
                log.info("node {} of '{}' no longer leads {}", id, membership.serviceName(), storage.store().description());
            }
        }
    }

    private void report(NodeRegistry.Released released, int leader) {
        Instant now = storage.now();
        for (NodeRegistry.DeadNode dead : released.dead()) {
            NodeRegistry.Node node = dead.node();
            log.warn("node {} ({}, {}) renewed its lease last {} ago: declared dead by node {}; {} incoming and {} outgoing envelope(s)"
                    + " released to any node", node.id(), node.serviceName(), node.description(),
                    Duration.between(node.heartbeatAt(), now).toMillis() + " ms", leader, dead.incoming(), dead.outgoing());
        }
        if (released.orphanIncoming() + released.orphanOutgoing() > 0) {
            log.warn("{} incoming and {} outgoing envelope(s) owned by nodes that are no longer registered released to any node",
                    released.orphanIncoming(), released.orphanOutgoing());
        }
        if (!released.dead().isEmpty() || released.more()) {
            sweepUntil = System.nanoTime() + ORPHAN_SWEEP.toNanos(); // look again soon: what was locked or left over
        }
        if (!released.dead().isEmpty() || released.orphanIncoming() + released.orphanOutgoing() > 0) {
            wakeRecovery.run();
        }
    }
}
