package dev.agate.internal.durability;

import dev.agate.AgateException;
import dev.agate.MessageStoreStartException;
import dev.agate.internal.AgateThreads;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.MessageStore;
import dev.agate.spi.StoreSetupException;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host as a node of its store: {@link #join()} starts the store (trying again with backoff while it
 * fails) and registers the node; {@link #leave} gives back what the node owns, gives up the leader's lease
 * and deregisters the node; {@link #close()} closes the store. The host calls them in its order: leave
 * only after draining, close only after the durability agent stopped.
 */
public final class NodeMembership {
    private static final Logger log = LoggerFactory.getLogger(NodeMembership.class);

    private final String serviceName;
    private final DurableStorage storage;
    private final Duration startTimeout;
    /** How this node names itself in the registry: service, pid and host (looked up once: it can be slow). */
    private volatile String description;
    /** The term this node leads in, 0 when it does not lead: kept by the leader job. */
    private volatile long term;
    /** Set when the host starts to leave: its deregistration is no lost lease, and it does not rejoin or lead. */
    private volatile boolean leaving;

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

    /** The term this node leads the store in, 0 when another node leads (or none). */
    public long term() {
        return term;
    }

    void term(long term) {
        this.term = term;
    }

    boolean isLeaving() {
        return leaving;
    }

    /**
     * Registers this node as a new incarnation and makes its lease live. The store hands out an id never
     * used before, so nothing an earlier incarnation wrote or still writes can pass for this one's.
     */
    int register() {
        long sentAt = System.nanoTime();
        int id = storage.call("registering this node", () -> storage.store().nodes().register(serviceName, description));
        storage.lease().registered(id, sentAt);
        return id;
    }

    /**
     * Starts the store, trying again with {@link DurableStorage#PAUSE} while it fails, then registers this node.
     * The start timeout is a deadline: a start that hangs (a connect that waits for an answer) is given up
     * when it passes. A {@link StoreSetupException} is not retried: the login, the database or the schema is
     * wrong, and waiting does not fix that.
     *
     * @throws MessageStoreStartException when the store did not start, its cause first; the store is closed
     * @throws AgateException when the node could not register; the store is closed
     */
    public void join() {
        MessageStore store = storage.store();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        RuntimeException previous = null;
        for (int failures = 1; ; failures++) {
            RuntimeException failure = startBefore(store, deadline);
            if (failure == null) {
                break;
            }
            long left = deadline - System.nanoTime();
            if (failure instanceof StoreSetupException || left <= 0) {
                boolean hung = failure instanceof StartTimedOut;
                if (hung) {
                    // The try still waits on the store, and closing it may wait as long: not on the caller's thread.
                    AgateThreads.named("agate-store-close").newThread(store::close).start();
                } else {
                    store.close();
                }
                // The last answer the store gave says more than "no answer", when there was one.
                RuntimeException cause = hung && previous != null ? previous : failure;
                String tried = failure instanceof StoreSetupException ? "not retried: it will not pass by itself"
                        : "gave up after " + seconds(startTimeout) + ", its store start timeout";
                throw new MessageStoreStartException(firstCause(cause) + " (host '" + serviceName + "' could not start its message store, "
                        + store.description() + "; " + tried + ")", cause);
            }
            previous = failure;
            long backoffMillis = Math.min(DurableStorage.PAUSE.after(failures).toMillis(), Math.max(1, left / 1_000_000));
            log.error("host '{}' cannot start its message store ({}): {}; trying again in {} ms", serviceName,
                    store.description(), failure.getMessage(), backoffMillis);
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                store.close();
                throw new AgateException("interrupted while starting the message store of host '" + serviceName + "'", interrupted);
            }
        }
        description = serviceName + " pid " + ProcessHandle.current().pid() + " on " + localHostName();
        try {
            register();
        } catch (RuntimeException e) {
            store.close();
            throw new AgateException("host '" + serviceName + "' could not register as a node of " + store.description() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * One try at starting the store, on a thread of its own so that it cannot outlast {@code deadline}; null
     * when it started. A try still running at the deadline is left to end by itself: the store is closed
     * next, which fails what it waits for.
     */
    private RuntimeException startBefore(MessageStore store, long deadline) {
        CompletableFuture<Void> attempt = new CompletableFuture<>();
        Thread starting = AgateThreads.named("agate-store-start").newThread(() -> {
            try {
                store.start();
                attempt.complete(null);
            } catch (Throwable e) {
                attempt.completeExceptionally(e);
            }
        });
        starting.start();
        try {
            attempt.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (TimeoutException e) {
            return new StartTimedOut("the message store did not answer within " + seconds(startTimeout), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            return e.getCause() instanceof RuntimeException failure ? failure : new AgateException(String.valueOf(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new AgateException("interrupted while starting the message store", e);
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
        leaving = true;
        MessageStore store = storage.store();
        int node = storage.nodeId();
        try {
            if (!storage.flushWriteBehindNow()) {
                throw new AgateException("the handled marks could not be written; nothing is released, so that what was handled"
                        + " is not handed out again before the leader finds this node gone");
            }
            int released = storage.call("releasing what node " + node + " owns", () -> store.inbox().releaseOwnedBy(node)
                    + store.outbox().releaseOwnedBy(node));
            long leading = term;
            if (leading != 0) {
                term = 0;
                storage.call("giving up the leader's lease", () -> {
                    store.nodes().resign(node, leading); // the next leader need not wait for it to run out
                    return null;
                });
            }
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

    /** Closes the store. */
    public void close() {
        storage.store().close();
    }

    /** A try at starting the store that was still waiting at the deadline. */
    private static final class StartTimedOut extends AgateException {
        private static final long serialVersionUID = 1L;

        StartTimedOut(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The failure's message, led by its root cause's when that one says something the top one does not (a
     * pool's "connection is not available" over the database's "role does not exist").
     */
    private static String firstCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = String.valueOf(failure.getMessage());
        String deepest = root.getMessage();
        return root == failure || deepest == null || top.contains(deepest) ? top : deepest + ": " + top;
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
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
