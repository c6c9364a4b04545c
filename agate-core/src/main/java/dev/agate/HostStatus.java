package dev.agate;

import java.net.URI;
import java.util.List;

/**
 * A snapshot of a host's health, for health checks and dashboards: {@link AgateHost#status()}.
 *
 * @param running    true between start and close
 * @param nodeId     this node's id in its message store (0 without a store)
 * @param store      the message store's description, or null for a host without one
 * @param storeError why the last call to the store failed, or null when the last call worked (or there is
 *                   no store); while it is set, durable workers pause and retry with backoff
 * @param failure    why the host stopped taking work while running, or null: a handler, a store call or a
 *                   background job met a {@link VirtualMachineError} (out of memory, a stack overflow), after
 *                   which the JVM may be unusable; durable envelopes go back to the store for other nodes,
 *                   and the process should be restarted
 * @param endpoints  the endpoints this host has opened, with their mode
 * @param listeners  the host's listeners, and whether each receives now
 */
public record HostStatus(boolean running, int nodeId, String store, String storeError, String failure, List<EndpointStatus> endpoints,
                         List<ListenerStatus> listeners) {

    public HostStatus {
        endpoints = List.copyOf(endpoints);
        listeners = List.copyOf(listeners);
    }

    /** A status without listeners. */
    public HostStatus(boolean running, int nodeId, String store, String storeError, String failure, List<EndpointStatus> endpoints) {
        this(running, nodeId, store, storeError, failure, endpoints, List.of());
    }

    /**
     * True when the host runs, has not stopped taking work after a fatal error, and its store (if any)
     * answered its last call; a latched sender or a listener whose broker is away is reported, not unhealthy
     * (each recovers by itself, and nothing is lost meanwhile).
     */
    public boolean healthy() {
        return running && failure == null && storeError == null;
    }

    /**
     * One listener of a host.
     *
     * @param uri     where it listens (with the bound port)
     * @param queue   the local queue its envelopes go to
     * @param problem why it receives nothing now (its broker connection is down and retried, say), or null
     */
    public record ListenerStatus(URI uri, String queue, String problem) {

        /** True when it receives. */
        public boolean receiving() {
            return problem == null;
        }
    }

    /**
     * One endpoint of a host.
     *
     * @param latched        true for a sender that stopped sending after repeated failures and pings its
     *                       destination until it answers
     * @param waitingInStore a durable local queue: how many envelopes stored for it wait in the store because
     *                       its buffer was full (its back-pressure; they are loaded back in order)
     * @param overflowed     a durable local queue: how many envelopes found it full since it opened
     */
    public record EndpointStatus(URI uri, EndpointMode mode, boolean latched, int waitingInStore, long overflowed) {

        /** An endpoint that is not latched and holds nothing in the store for lack of room. */
        public EndpointStatus(URI uri, EndpointMode mode) {
            this(uri, mode, false, 0, 0);
        }

        /** An endpoint that holds nothing in the store for lack of room. */
        public EndpointStatus(URI uri, EndpointMode mode, boolean latched) {
            this(uri, mode, latched, 0, 0);
        }
    }
}
