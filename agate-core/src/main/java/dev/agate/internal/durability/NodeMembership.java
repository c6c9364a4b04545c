package dev.agate.internal.durability;

import dev.agate.AgateException;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.LeaderLock;
import dev.agate.spi.MessageStore;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host as a node of its store: {@link #join()} starts the store (trying again with backoff while it
 * fails) and registers the node; {@link #leave} gives back what the node owns and deregisters it;
 * {@link #close()} lets go of the leader lock and closes the store. The host calls them in its order:
 * leave only after draining, close only after the durability agent stopped.
 */
public final class NodeMembership {
    private static final Logger log = LoggerFactory.getLogger(NodeMembership.class);

    private final String serviceName;
    private final DurableStorage storage;
    private final Duration startTimeout;
    /** How this node names itself in the registry: service, pid and host (looked up once: it can be slow). */
    private volatile String description;
    private volatile LeaderLock leaderLock;

    public NodeMembership(String serviceName, DurableStorage storage, Duration startTimeout) {
        this.serviceName = serviceName;
        this.storage = storage;
        this.startTimeout = startTimeout;
    }

    String serviceName() {
        return serviceName;
    }

    /** How this node names itself in the registry; null before {@link #join()}. */
    String description() {
        return description;
    }

    /** The lock of the store's leader, who declares nodes dead; null before {@link #join()}. */
    LeaderLock leaderLock() {
        return leaderLock;
    }

    /**
     * Starts the store, trying again with {@link DurableStorage#PAUSE} while it fails, then registers this node.
     *
     * @throws AgateException when the store did not start within the store start timeout, or the node could
     *         not register; the store is closed then
     */
    public void join() {
        MessageStore store = storage.store();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        for (int failures = 1; ; failures++) {
            try {
                store.start();
                break;
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    store.close();
                    throw new AgateException("host '" + serviceName + "' could not start its message store (" + store.description()
                            + ") within " + startTimeout + ": " + e.getMessage(), e);
                }
                long backoffMillis = DurableStorage.PAUSE.after(failures).toMillis();
                log.error("host '{}' cannot start its message store ({}): {}; trying again in {} ms", serviceName,
                        store.description(), e.getMessage(), backoffMillis);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    store.close();
                    throw new AgateException("interrupted while starting the message store of host '" + serviceName + "'", interrupted);
                }
            }
        }
        description = serviceName + " pid " + ProcessHandle.current().pid() + " on " + localHostName();
        try {
            storage.nodeId(storage.call("registering this node", () -> store.nodes().register(serviceName, description, storage.now())));
            leaderLock = store.leaderLock();
        } catch (RuntimeException e) {
            store.close();
            throw new AgateException("host '" + serviceName + "' could not register as a node of " + store.description() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * After the workers stopped: writes what waits to be written, gives what this node still owns back to
     * any node, and deregisters it. Never before draining: a node that released what it was still handling
     * would let another node handle it too. Never throws: on failure, another node takes the work over
     * once this node's heartbeat is old.
     *
     * @param leftInMemory how many stored envelopes were still in memory, for the log
     */
    public void leave(int leftInMemory) {
        MessageStore store = storage.store();
        int node = storage.nodeId();
        try {
            if (!storage.flushWriteBehindNow()) {
                throw new AgateException("the handled marks could not be written; nothing is released, so that what was handled"
                        + " is not handed out again before the leader finds this node gone");
            }
            int released = storage.call("releasing what node " + node + " owns", () -> store.inbox().releaseOwnedBy(node)
                    + store.outbox().releaseOwnedBy(node));
            storage.call("deregistering node " + node, () -> {
                store.nodes().deregister(node);
                return null;
            });
            if (released > 0 || leftInMemory > 0) {
                log.info("host '{}' left {} envelope(s) in its store for any node ({} were in memory)", serviceName, released, leftInMemory);
            }
        } catch (RuntimeException e) {
            log.error("host '{}' could not release what node {} owns in {}: another node takes it over once this node's heartbeat"
                    + " is {} old", serviceName, node, store.description(), storage.settings().nodeTimeout(), e);
        }
    }

    /** Lets go of the leader lock and closes the store. */
    public void close() {
        try {
            if (leaderLock != null) {
                leaderLock.release();
            }
        } finally {
            storage.store().close();
        }
    }

    /** This machine's name, or "unknown host". */
    public static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }
}
