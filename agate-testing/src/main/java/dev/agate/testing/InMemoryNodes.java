package dev.agate.testing;

import dev.agate.spi.NodeRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The node registry of an {@link InMemoryMessageStore}: ids from a counter, never 0 and never reused;
 * leases timed by the system clock, every change under the store's one lock.
 */
final class InMemoryNodes implements NodeRegistry {
    private final InMemoryMessageStore store;
    private final InMemoryInbox inbox;
    private final InMemoryOutbox outbox;
    private final InMemoryStoreAdmin admin;

    InMemoryNodes(InMemoryMessageStore store, InMemoryInbox inbox, InMemoryOutbox outbox, InMemoryStoreAdmin admin) {
        this.store = store;
        this.inbox = inbox;
        this.outbox = outbox;
        this.admin = admin;
    }

    @Override
    public int register(String serviceName, String description) {
        return store.withTables(tables -> {
            int id = ++tables.lastNodeId;
            Instant now = Instant.now();
            tables.nodes.put(id, new Node(id, serviceName, description, now, now));
            return id;
        });
    }

    @Override
    public boolean renew(int nodeId) {
        return store.withTables(tables -> {
            Node node = tables.nodes.get(nodeId);
            if (node == null) {
                return false;
            }
            tables.nodes.put(nodeId, new Node(nodeId, node.serviceName(), node.description(), node.startedAt(), Instant.now()));
            return true;
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

    @Override
    public long lead(int nodeId, Duration lease) {
        return store.withTables(tables -> {
            Instant now = Instant.now();
            if (!tables.nodes.containsKey(nodeId)) {
                return 0L;
            }
            boolean free = tables.leaderNode == 0 || tables.leaderExpiresAt == null || tables.leaderExpiresAt.isBefore(now)
                    || !tables.nodes.containsKey(tables.leaderNode);
            if (tables.leaderNode != nodeId && !free) {
                return 0L;
            }
            if (tables.leaderNode != nodeId) {
                tables.leaderTerm++;
                tables.leaderNode = nodeId;
            }
            tables.leaderExpiresAt = now.plus(lease);
            return tables.leaderTerm;
        });
    }

    @Override
    public void resign(int nodeId, long term) {
        store.withTables(tables -> {
            if (tables.leaderNode == nodeId && tables.leaderTerm == term) {
                tables.leaderExpiresAt = null;
            }
            return null;
        });
    }

    @Override
    public Leader leader() {
        return store.withTables(tables -> tables.leaderTerm == 0 ? null : new Leader(tables.leaderNode, tables.leaderTerm, tables.leaderExpiresAt));
    }

    @Override
    public Released releaseDead(int nodeId, long term, Duration nodeTimeout, Duration lease, boolean orphans) {
        return store.withTables(tables -> {
            Instant now = Instant.now();
            if (tables.leaderNode != nodeId || tables.leaderTerm != term || tables.leaderExpiresAt == null
                    || tables.leaderExpiresAt.isBefore(now)) {
                return null;
            }
            tables.leaderExpiresAt = now.plus(lease);
            Instant deadline = now.minus(nodeTimeout);
            List<DeadNode> dead = new ArrayList<>();
            for (Node node : List.copyOf(tables.nodes.values())) {
                if (node.id() != nodeId && node.heartbeatAt().isBefore(deadline)) {
                    dead.add(new DeadNode(node, inbox.releaseOwnedBy(node.id()), outbox.releaseOwnedBy(node.id())));
                    tables.nodes.remove(node.id());
                }
            }
            int orphanIncoming = 0;
            int orphanOutgoing = 0;
            if (orphans) {
                for (int owner : admin.owners()) {
                    if (owner != 0 && owner <= tables.lastNodeId && !tables.nodes.containsKey(owner)) {
                        orphanIncoming += inbox.releaseOwnedBy(owner);
                        orphanOutgoing += outbox.releaseOwnedBy(owner);
                    }
                }
            }
            return new Released(dead, orphanIncoming, orphanOutgoing, false);
        });
    }
}
