package dev.agate.internal.durability;

import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.NodeRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader only: finds nodes whose heartbeat is older than the node timeout, gives their incoming and
 * outgoing envelopes to owner 0 so any node claims them, and removes them from the registry, in that
 * order (a crash in between leaves the node to be found again). Also releases rows whose owner is not
 * registered at all (a node declared dead that wrote on under its old id). The leader lock is re-checked
 * on its live session every run before it is trusted.
 */
final class ReleaseDeadNodesJob extends DurabilityJob {
    private static final Logger log = LoggerFactory.getLogger(ReleaseDeadNodesJob.class);

    private final DurableStorage storage;
    private final NodeMembership membership;
    private boolean leading;

    ReleaseDeadNodesJob(DurableStorage storage, NodeMembership membership) {
        super("release dead nodes", storage.settings().heartbeatInterval(), false);
        this.storage = storage;
        this.membership = membership;
    }

    @Override
    void run() {
        boolean leads = membership.leaderLock().tryAcquire();
        if (leads != leading) {
            log.info("node {} {} the leader of {}", storage.nodeId(), leads ? "is now" : "is no longer", storage.store().description());
            leading = leads;
        }
        if (!leads) {
            return;
        }
        NodeRegistry nodes = storage.store().nodes();
        Instant now = storage.now();
        Instant deadline = now.minus(storage.settings().nodeTimeout());
        Set<Integer> alive = new HashSet<>();
        int highestListed = storage.nodeId();
        for (NodeRegistry.Node node : storage.call("listing nodes", nodes::nodes)) {
            highestListed = Math.max(highestListed, node.id());
            if (node.id() == storage.nodeId() || !node.heartbeatAt().isBefore(deadline)) {
                alive.add(node.id());
                continue;
            }
            int incoming = storage.call("releasing node " + node.id(), () -> storage.store().inbox().releaseOwnedBy(node.id()));
            int outgoing = storage.call("releasing node " + node.id(), () -> storage.store().outbox().releaseOwnedBy(node.id()));
            storage.call("removing node " + node.id(), () -> {
                nodes.deregister(node.id());
                return null;
            });
            log.warn("node {} ({}, {}) sent no heartbeat for {} ms: declared dead; {} incoming and {} outgoing envelope(s) released"
                    + " to any node", node.id(), node.serviceName(), node.description(),
                    Duration.between(node.heartbeatAt(), now).toMillis(), incoming, outgoing);
        }
        alive.add(storage.nodeId());
        releaseOrphans(alive, highestListed);
    }

    /** Owners above {@code highestListed} may be nodes that registered after the list was read: left alone. */
    private void releaseOrphans(Set<Integer> alive, int highestListed) {
        Set<Integer> owners = new HashSet<>(storage.call("listing owners", () -> storage.store().admin().owners()));
        owners.remove(0);
        owners.removeAll(alive);
        owners.removeIf(owner -> owner > highestListed);
        for (int orphan : owners) {
            int released = storage.call("releasing owner " + orphan, () -> storage.store().inbox().releaseOwnedBy(orphan)
                    + storage.store().outbox().releaseOwnedBy(orphan));
            log.warn("{} envelope(s) owned by node {}, which is not registered, released to any node", released, orphan);
        }
    }
}
