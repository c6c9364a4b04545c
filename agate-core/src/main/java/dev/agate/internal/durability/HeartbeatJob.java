package dev.agate.internal.durability;

import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.StoreUnavailableException;
import dev.agate.spi.NodeRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the store this node is alive. When the node is no longer registered (the leader declared it
 * dead during a long pause, and released its envelopes), it registers again under a new id: what it
 * still holds in memory under the old id is then handled by whoever claims it, and this node's attempts
 * at it roll back, because the handled mark checks the owner.
 */
final class HeartbeatJob extends DurabilityJob {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatJob.class);

    private final DurableStorage storage;
    private final NodeMembership membership;

    HeartbeatJob(DurableStorage storage, NodeMembership membership) {
        super("heartbeat", storage.settings().heartbeatInterval(), false);
        this.storage = storage;
        this.membership = membership;
    }

    @Override
    void run() {
        NodeRegistry nodes = storage.store().nodes();
        int id = storage.nodeId();
        try {
            storage.call("heartbeat of node " + id, () -> {
                nodes.heartbeat(id, storage.now());
                return null;
            });
        } catch (StoreUnavailableException e) {
            boolean registered = storage.call("listing nodes", nodes::nodes).stream().anyMatch(n -> n.id() == id);
            if (registered) {
                throw e;
            }
            int newId = storage.call("registering node", () -> nodes.register(membership.serviceName(), membership.description(), storage.now()));
            storage.nodeId(newId);
            log.warn("node {} of '{}' was declared dead by another node (its heartbeats stopped for longer than {}); it goes on"
                    + " as node {}", id, membership.serviceName(), storage.settings().nodeTimeout(), newId);
        }
    }
}
