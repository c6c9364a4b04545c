package dev.agate.internal.durability;

import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.NodeLease;
import dev.agate.internal.storage.StoreUnavailableException;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews this node's lease, on a thread of its own so that no other job delays it. When the store answers
 * that this incarnation is no longer registered (the leader declared it dead: it was frozen, cut off from
 * the store, or starved for longer than the node timeout, and its envelopes went to other nodes), the node
 * stops acting as that incarnation: the lease is marked lost, so workers, listeners and claims wait; what
 * it held in memory is dropped unhandled and the writes that waited are forgotten (other nodes own those
 * rows now); then it registers again as a new incarnation and goes on.
 */
final class HeartbeatJob extends DurabilityJob {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatJob.class);

    private final DurableStorage storage;
    private final NodeMembership membership;
    private final IntSupplier dropInMemory;

    /** @param dropInMemory drops the stored envelopes this host holds in memory, unhandled; returns how many */
    HeartbeatJob(DurableStorage storage, NodeMembership membership, IntSupplier dropInMemory) {
        super("heartbeat", storage.settings().heartbeatInterval(), false);
        this.storage = storage;
        this.membership = membership;
        this.dropInMemory = dropInMemory;
    }

    @Override
    boolean ownThread() {
        return true;
    }

    @Override
    void run() {
        NodeLease lease = storage.lease();
        int id = lease.incarnation();
        long sentAt = System.nanoTime();
        boolean registered;
        try {
            registered = storage.call("renewing the lease of node " + id, () -> storage.store().nodes().renew(id));
        } catch (StoreUnavailableException e) {
            lease.unreachable();
            throw e;
        }
        if (registered) {
            lease.renewed(sentAt);
            return;
        }
        if (membership.isLeaving()) {
            return; // deregistered by its own leave(): the host is closing
        }
        lease.markLost();
        membership.term(0);
        int dropped = dropInMemory.getAsInt();
        storage.forgetIncarnation();
        int newId = membership.register();
        log.warn("node {} of '{}' lost its lease: it renewed nothing for longer than {} (the process was frozen, cut off from {}"
                        + " or starved), so another node declared it dead and took its envelopes over; it dropped the {} it held in"
                        + " memory, unhandled, and goes on as node {}", id, membership.serviceName(), seconds(storage.settings().nodeTimeout()),
                storage.store().description(), dropped, newId);
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }
}
