package dev.agate.spi;

import java.time.Instant;
import java.util.List;

/**
 * The nodes of a service on one store: who is alive, by heartbeat. Node ids are what envelope rows carry
 * as their owner; 0 is never a node's id, it means "any node". Thread-safe.
 */
public interface NodeRegistry {

    /** A registered node. */
    record Node(int id, String serviceName, String description, Instant startedAt, Instant heartbeatAt) {
    }

    /** Registers a node and returns its id: unique among registered nodes, never 0. */
    int register(String serviceName, String description, Instant now);

    /**
     * Records that the node is alive.
     *
     * @throws dev.agate.AgateException when the node is not registered (another node declared it dead and
     *         removed it): the caller must stop acting as that node
     */
    void heartbeat(int nodeId, Instant now);

    /** Removes the node. */
    void deregister(int nodeId);

    List<Node> nodes();
}
