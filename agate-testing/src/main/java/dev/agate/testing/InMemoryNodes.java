package dev.agate.testing;

import dev.agate.AgateException;
import dev.agate.spi.NodeRegistry;
import java.time.Instant;
import java.util.List;

/** The node registry of an {@link InMemoryMessageStore}: ids from a counter, never 0 and never reused. */
final class InMemoryNodes implements NodeRegistry {
    private final InMemoryMessageStore store;

    InMemoryNodes(InMemoryMessageStore store) {
        this.store = store;
    }

    @Override
    public int register(String serviceName, String description, Instant now) {
        return store.withTables(tables -> {
            int id = ++tables.lastNodeId;
            tables.nodes.put(id, new Node(id, serviceName, description, now, now));
            return id;
        });
    }

    @Override
    public void heartbeat(int nodeId, Instant now) {
        store.withTables(tables -> {
            Node node = tables.nodes.get(nodeId);
            if (node == null) {
                throw new AgateException("heartbeat of node " + nodeId + " failed on " + store + ": node " + nodeId
                        + " is not registered (another node may have declared it dead)");
            }
            return tables.nodes.put(nodeId, new Node(nodeId, node.serviceName(), node.description(), node.startedAt(), now));
        });
    }

    @Override
    public void deregister(int nodeId) {
        store.withTables(tables -> tables.nodes.remove(nodeId));
    }

    @Override
    public List<Node> nodes() {
        return store.withTables(tables -> List.copyOf(tables.nodes.values()));
    }
}
