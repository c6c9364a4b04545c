package dev.agate.internal.execution;

import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.internal.endpoint.Delivery;
import dev.agate.internal.endpoint.Endpoint;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.spi.StoreTransaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Decides, for what a unit of work sends, what must be in the store before it commits, and writes it:
 * to a durable sender, an outgoing row (the outbox); to a durable local queue, or scheduled for later to
 * any endpoint, an incoming row (the inbox). Buffered and inline sends, and durable ones once stored,
 * are delivered into memory after the commit. Thread-safe (stateless over its storage).
 */
final class StoredSends {
    private final DurableStorage storage;

    StoredSends(DurableStorage storage) {
        this.storage = storage;
    }

    /** Whether a delivery is written to the store at {@code now}: to a durable endpoint, or scheduled for later. */
    static boolean isStored(Delivery delivery, Instant now) {
        return delivery.endpoint().mode() == EndpointMode.DURABLE || DurableStorage.isLater(delivery.envelope(), now);
    }

    /** Whether a stored delivery goes to the outbox (due now, to another service) rather than the inbox. */
    static boolean isOutgoing(Delivery delivery, Instant now) {
        return delivery.endpoint().sendsOut() && !DurableStorage.isLater(delivery.envelope(), now);
    }

    /**
     * The deliveries, those that {@link #store} will write with their bodies serialized now: a message that
     * cannot be serialized fails here, in the handling that sent it, when the write comes later for several.
     */
    List<Delivery> serializeStored(List<Delivery> deliveries) {
        Instant now = storage.now();
        List<Delivery> serialized = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            serialized.add(isStored(delivery, now) ? new Delivery(delivery.endpoint(), storage.serialized(delivery.envelope())) : delivery);
        }
        return serialized;
    }

    /**
     * Writes the deliveries that must be stored in the transaction {@code transaction} supplies (asked only
     * if there is something to store), and returns what is left to deliver once it commits: the durable ones
     * (to be taken into memory as stored) and the buffered ones. Scheduled ones wait in the store for the
     * durability agent; they are added to {@code later}.
     *
     * @param applicationTransaction true in the application's own transaction: a failure is the application's
     */
    List<Delivery> store(Supplier<StoreTransaction> transaction, List<Delivery> deliveries, List<Delivery> later,
                         boolean applicationTransaction) {
        Instant now = storage.now();
        Map<Endpoint, List<Envelope>> byEndpoint = new LinkedHashMap<>();
        List<Delivery> toDeliver = new ArrayList<>(deliveries.size());
        // Decided per delivery: one endpoint may get a stored (scheduled) envelope and an in-memory one.
        for (Delivery delivery : deliveries) {
            if (isStored(delivery, now)) {
                byEndpoint.computeIfAbsent(delivery.endpoint(), e -> new ArrayList<>()).add(delivery.envelope());
            } else {
                toDeliver.add(delivery);
            }
        }
        if (byEndpoint.isEmpty()) {
            return deliveries;
        }
        StoreTransaction storing = transaction.get();
        for (Map.Entry<Endpoint, List<Envelope>> entry : byEndpoint.entrySet()) {
            Endpoint endpoint = entry.getKey();
            List<Envelope> envelopes = entry.getValue();
            List<Envelope> outgoing = endpoint.sendsOut() ? envelopes.stream().filter(e -> !DurableStorage.isLater(e, now)).toList() : List.of();
            if (!outgoing.isEmpty()) {
                // Due now, to another service: an outgoing row, deleted once the destination acknowledges it.
                for (Envelope stored : storage.persistOutgoing(storing, outgoing, applicationTransaction)) {
                    toDeliver.add(new Delivery(endpoint, stored));
                }
                if (outgoing.size() == envelopes.size()) {
                    continue;
                }
                envelopes = envelopes.stream().filter(e -> DurableStorage.isLater(e, now)).toList();
            }
            for (Envelope stored : storage.persist(storing, endpoint.uri(), envelopes, now, applicationTransaction)) {
                (DurableStorage.isLater(stored, now) ? later : toDeliver).add(new Delivery(endpoint, stored));
            }
        }
        return toDeliver;
    }

    /**
     * Commits a unit of work that {@link #store} wrote {@code toDeliver} in. When the COMMIT fails it may have
     * gone through all the same (the connection dropped, or the server crashed, as it answered), and then the
     * rows it wrote would be this node's, held by nobody: they are given to any node, in case (see
     * {@link DurableStorage#releaseAfterFailedCommit}). The handled marks need nothing: an attempt again finds
     * its envelope no longer this node's and does nothing.
     *
     * @throws dev.agate.internal.storage.StoreUnavailableException when the COMMIT failed
     */
    void commit(StoreTransaction transaction, List<Delivery> toDeliver, String what) {
        try {
            storage.call(what, () -> {
                transaction.commit();
                return null;
            });
        } catch (RuntimeException e) {
            List<Envelope> incoming = new ArrayList<>();
            List<Envelope> outgoing = new ArrayList<>();
            for (Delivery delivery : toDeliver) {
                if (delivery.endpoint().mode() == EndpointMode.DURABLE) { // stored: due now, so the outbox's when it sends out
                    (delivery.endpoint().sendsOut() ? outgoing : incoming).add(delivery.envelope());
                }
            }
            storage.releaseAfterFailedCommit(incoming, outgoing);
            throw e;
        }
    }
}
