package dev.agate.internal.runtime;

import dev.agate.DeadLetter;
import dev.agate.Durability;
import dev.agate.Envelope;
import dev.agate.spi.MessageStore;
import dev.agate.spi.Serializer;
import dev.agate.spi.StoreTransaction;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's side of its message store: this node's id, every write the runtime makes to the store,
 * the batched "handled" marks, and the store's health.
 *
 * <p>Every store call goes through {@link #call}: a failure becomes a {@link StoreUnavailableException}
 * and pauses the durable workers with a growing backoff (250 ms doubling to 5 s), so that a database that
 * is down is not hammered by every worker at once; the first call that works again ends the pause.
 *
 * <p>Handled marks: a handling that wrote nothing to the store (no transaction was opened) is marked
 * handled later, in a batch of up to {@link Durability#batchSize()} ids: one statement instead of one
 * transaction per envelope. Until the batch is written a crash may handle it again, which such a handler
 * (one that changes nothing in the database) must tolerate anyway. Thread-safe.
 */
final class DurableStorage {
    private static final Logger log = LoggerFactory.getLogger(DurableStorage.class);
    private static final long MIN_PAUSE_NANOS = 250_000_000L;
    private static final long MAX_PAUSE_NANOS = 5_000_000_000L;

    private final MessageStore store;
    private final Durability settings;
    private final Clock clock;
    private final Serializer serializer;
    private volatile int nodeId;
    private final ConcurrentLinkedQueue<UUID> handledMarks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<UUID> pendingReleases = new ConcurrentLinkedQueue<>();
    /** Outgoing rows to give back to any node, with their attempts. */
    private final ConcurrentLinkedQueue<Map.Entry<UUID, Integer>> pendingOutgoingReleases = new ConcurrentLinkedQueue<>();
    /** Outgoing rows whose envelopes were acknowledged, still to delete. */
    private final ConcurrentLinkedQueue<UUID> pendingOutgoingDeletes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingMarks = new AtomicInteger();
    private final ReentrantLock flushing = new ReentrantLock();
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private volatile long pausedUntilNanos;
    private volatile String lastFailure;

    DurableStorage(MessageStore store, Durability settings, Clock clock, Serializer serializer) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.serializer = serializer;
    }

    MessageStore store() {
        return store;
    }

    Durability settings() {
        return settings;
    }

    Instant now() {
        return clock.instant();
    }

    int nodeId() {
        return nodeId;
    }

    void nodeId(int id) {
        this.nodeId = id;
    }

    // ---- writes

    /** The envelope with its serialized body, which the store keeps. */
    Envelope serialized(Envelope envelope) {
        return envelope.body() != null ? envelope : envelope.withBody(serializer.contentType(), serializer.serialize(envelope.message()));
    }

    /** Whether the store keeps this envelope as scheduled rather than incoming, at {@code now}. */
    static boolean isLater(Envelope envelope, Instant now) {
        return envelope.scheduledTime() != null && envelope.scheduledTime().isAfter(now);
    }

    /**
     * Persists envelopes received at {@code endpoint}, owned by this node (scheduled ones by nobody), in
     * {@code transaction} or one of their own; scheduled means scheduled after {@code now}. Returns them serialized; duplicates are not stored again.
     */
    List<Envelope> persist(StoreTransaction transaction, URI endpoint, List<Envelope> envelopes, Instant now) {
        return persist(transaction, endpoint, envelopes, now, false);
    }

    /**
     * {@link #persist(StoreTransaction, URI, List, Instant)}; in the application's own transaction a failure
     * is the application's (its transaction may be aborted already), so it does not pause the workers.
     */
    private List<Envelope> persist(StoreTransaction transaction, URI endpoint, List<Envelope> envelopes, Instant now,
                                   boolean applicationTransaction) {
        List<Envelope> serialized = new ArrayList<>(envelopes.size());
        envelopes.forEach(e -> serialized.add(serialized(e)));
        write("storing " + envelopes.size() + " envelope(s) for " + endpoint,
                () -> store.inbox().store(transaction, endpoint, serialized, nodeId, now), applicationTransaction);
        return serialized;
    }

    /**
     * Writes the deliveries that must be stored (to durable endpoints, or scheduled for later) in the
     * transaction {@code transaction} supplies (asked only if there is something to store), and returns
     * what is left to deliver once it commits: the durable ones (to be taken into memory as stored) and the
     * buffered ones. Scheduled ones wait in the store for the agent; they are added to {@code later}.
     */
    List<Delivery> persistDeliveries(Supplier<StoreTransaction> transaction, List<Delivery> deliveries, List<Delivery> later,
                                     boolean applicationTransaction) {
        Instant now = now();
        Map<Endpoint, List<Envelope>> byEndpoint = new LinkedHashMap<>();
        List<Delivery> toDeliver = new ArrayList<>(deliveries.size());
        // Decided per delivery: one endpoint may get a stored (scheduled) envelope and an in-memory one.
        for (Delivery delivery : deliveries) {
            if (delivery.endpoint().mode() == dev.agate.EndpointMode.DURABLE || isLater(delivery.envelope(), now)) {
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
            List<Envelope> outgoing = endpoint.sendsOut() ? envelopes.stream().filter(e -> !isLater(e, now)).toList() : List.of();
            if (!outgoing.isEmpty()) {
                // Due now, to another service: an outgoing row, deleted once the destination acknowledges it.
                for (Envelope stored : persistOutgoing(storing, outgoing, applicationTransaction)) {
                    toDeliver.add(new Delivery(endpoint, stored));
                }
                if (outgoing.size() == envelopes.size()) {
                    continue;
                }
                envelopes = envelopes.stream().filter(e -> isLater(e, now)).toList();
            }
            for (Envelope stored : persist(storing, endpoint.uri(), envelopes, now, applicationTransaction)) {
                (isLater(stored, now) ? later : toDeliver).add(new Delivery(endpoint, stored));
            }
        }
        return toDeliver;
    }

    /** Writes envelopes due now for another service to the outbox, owned by this node; returns them serialized. */
    List<Envelope> persistOutgoing(StoreTransaction transaction, List<Envelope> envelopes) {
        return persistOutgoing(transaction, envelopes, false);
    }

    private List<Envelope> persistOutgoing(StoreTransaction transaction, List<Envelope> envelopes, boolean applicationTransaction) {
        List<Envelope> serialized = new ArrayList<>(envelopes.size());
        envelopes.forEach(e -> serialized.add(serialized(e)));
        write("storing " + envelopes.size() + " outgoing envelope(s) for " + envelopes.get(0).destination(), () -> {
            store.outbox().store(transaction, serialized, nodeId);
            return null;
        }, applicationTransaction);
        return serialized;
    }

    /** A write; in the application's own transaction its failure is the application's, and does not pause the workers. */
    private void write(String what, Supplier<?> work, boolean applicationTransaction) {
        if (!applicationTransaction) {
            call(what, work);
            return;
        }
        try {
            work.get();
        } catch (RuntimeException e) {
            throw new dev.agate.AgateException(what + " in the application's transaction failed: " + e.getMessage(), e);
        }
    }

    /**
     * Persists a batch a listener received for the queue {@code endpoint}, owned by this node, in one
     * transaction, and returns the envelopes that were not there already (an envelope sent again after a
     * lost acknowledgement is stored and handled once).
     *
     * @throws StoreUnavailableException when the store failed: nothing was stored
     */
    List<Envelope> persistReceived(URI endpoint, List<Envelope> envelopes, Instant now) {
        Map<UUID, Envelope> unique = new LinkedHashMap<>();
        envelopes.forEach(e -> unique.putIfAbsent(e.id(), e));
        List<Envelope> batch = List.copyOf(unique.values());
        java.util.Set<UUID> duplicates = call("storing " + batch.size() + " received envelope(s) for " + endpoint,
                () -> store.inbox().store(null, endpoint, batch, nodeId, now));
        return duplicates.isEmpty() ? batch : batch.stream().filter(e -> !duplicates.contains(e.id())).toList();
    }

    /**
     * Moves an incoming envelope (a scheduled send that came due, a replayed dead letter) to the outbox, owned
     * by this node, and marks its incoming row handled, in one transaction.
     */
    void moveToOutbox(Envelope envelope) {
        call("moving envelope " + envelope.id() + " to the outbox", () -> {
            try (StoreTransaction transaction = store.begin()) {
                store.outbox().store(transaction, List.of(serialized(envelope)), nodeId);
                store.inbox().markHandled(transaction, List.of(envelope.id()), clock.instant().plus(settings.keepHandledFor()));
                transaction.commit();
            }
            return null;
        });
    }

    /** Outgoing rows this node holds but cannot send now: given back to any node with the next flush. */
    void releaseOutgoingLater(java.util.Collection<UUID> ids, int attempts) {
        ids.forEach(id -> pendingOutgoingReleases.add(Map.entry(id, attempts)));
    }

    /** Deletes outgoing rows whose envelopes were acknowledged; when the store fails they wait for the next flush. */
    void deleteOutgoing(java.util.Collection<UUID> ids) {
        try {
            call("deleting " + ids.size() + " sent envelope(s)", () -> {
                store.outbox().delete(null, ids);
                return null;
            });
        } catch (StoreUnavailableException e) {
            // Still owned by this node: deleted with the next flush, or sent again after a crash (the receiver drops the duplicate).
            pendingOutgoingDeletes.addAll(ids);
        }
    }

    /**
     * Gives envelopes back to any node with the next flush of the handled marks (within 100 ms), not on the
     * calling thread: the caller may hold the only connection (SQLite) or a lock the release would wait for.
     */
    void releaseLater(Collection<UUID> ids) {
        pendingReleases.addAll(ids);
    }

    /**
     * Gives envelopes this node could not take into memory back to any node. Never throws: when the store
     * fails, the ids wait and are released with the next flush, because a row this node owns but does not
     * hold would otherwise wait for this node to stop.
     */
    void release(Collection<UUID> ids) {
        try {
            call("releasing " + ids.size() + " envelope(s)", () -> {
                store.inbox().release(ids);
                return null;
            });
        } catch (StoreUnavailableException e) {
            pendingReleases.addAll(ids);
            log.warn("{} envelope(s) wait to be released to any node: {}", ids.size(), e.getMessage());
        }
    }

    /** Marks an envelope handled in the handler's transaction; false when this node no longer owns it. */
    boolean markHandled(StoreTransaction transaction, UUID id) {
        return call("marking envelope " + id + " handled",
                () -> store.inbox().markHandled(transaction, id, nodeId, clock.instant().plus(settings.keepHandledFor())));
    }

    /** Marks an envelope handled in the next batch. */
    void markHandledLater(UUID id) {
        handledMarks.add(id);
        if (pendingMarks.incrementAndGet() >= settings.batchSize()) {
            flushHandledMarks();
        }
    }

    /** Writes the pending handled marks (and releases); on failure they stay pending. Skipped while another thread writes them. */
    void flushHandledMarks() {
        if (!flushing.tryLock()) {
            return; // another thread is writing them
        }
        try {
            flushLocked();
        } finally {
            flushing.unlock();
        }
    }

    /** Like {@link #flushHandledMarks()}, but waits for a flush under way; true when nothing is left pending. */
    boolean flushHandledMarksNow() {
        flushing.lock();
        try {
            flushLocked();
            return handledMarks.isEmpty() && pendingReleases.isEmpty() && pendingOutgoingReleases.isEmpty()
                    && pendingOutgoingDeletes.isEmpty();
        } finally {
            flushing.unlock();
        }
    }

    private void flushLocked() {
        while (!handledMarks.isEmpty()) {
            List<UUID> batch = new ArrayList<>();
            UUID id;
            while (batch.size() < settings.batchSize() && (id = handledMarks.poll()) != null) {
                batch.add(id);
            }
            pendingMarks.addAndGet(-batch.size());
            try {
                call("marking " + batch.size() + " envelope(s) handled", () -> {
                    store.inbox().markHandled(null, batch, clock.instant().plus(settings.keepHandledFor()));
                    return null;
                });
            } catch (StoreUnavailableException e) {
                handledMarks.addAll(batch);
                pendingMarks.addAndGet(batch.size());
                log.warn("{} handled mark(s) wait for the store: {}", batch.size(), e.getMessage());
                return;
            }
        }
        List<UUID> releases = new ArrayList<>();
        UUID id;
        while ((id = pendingReleases.poll()) != null) {
            releases.add(id);
        }
        if (!releases.isEmpty()) {
            release(releases); // failing again, they go back to wait
        }
        flushOutgoing();
    }

    private void flushOutgoing() {
        List<UUID> deletes = new ArrayList<>();
        UUID id;
        while ((id = pendingOutgoingDeletes.poll()) != null) {
            deletes.add(id);
        }
        if (!deletes.isEmpty()) {
            deleteOutgoing(deletes);
        }
        Map<Integer, List<UUID>> byAttempts = new java.util.HashMap<>();
        Map.Entry<UUID, Integer> release;
        while ((release = pendingOutgoingReleases.poll()) != null) {
            byAttempts.computeIfAbsent(release.getValue(), a -> new ArrayList<>()).add(release.getKey());
        }
        for (Map.Entry<Integer, List<UUID>> group : byAttempts.entrySet()) {
            try {
                call("releasing " + group.getValue().size() + " outgoing envelope(s)", () -> {
                    store.outbox().release(group.getValue(), group.getKey());
                    return null;
                });
            } catch (StoreUnavailableException e) {
                group.getValue().forEach(i -> pendingOutgoingReleases.add(Map.entry(i, group.getKey())));
                log.warn("{} outgoing envelope(s) wait to be released to any node: {}", group.getValue().size(), e.getMessage());
            }
        }
    }

    void recordAttempts(UUID id, int attempts) {
        call("recording the attempts of envelope " + id, () -> {
            store.inbox().recordAttempts(id, attempts);
            return null;
        });
    }

    /** False when this node no longer owns the envelope: another node took it over; nothing is changed. */
    boolean scheduleRetry(UUID id, int attempts, Instant at) {
        return call("scheduling a retry of envelope " + id, () -> store.inbox().scheduleRetry(id, nodeId, attempts, at));
    }

    /** False when this node no longer owns the envelope: another node took it over; nothing is changed. */
    boolean deadLetter(DeadLetter letter) {
        DeadLetter stored = new DeadLetter(serialized(letter.envelope()), letter.endpoint(), letter.reason(), letter.exceptionType(),
                letter.exceptionMessage(), letter.stackTrace(), letter.attempts(), letter.failedAt());
        return call("moving envelope " + letter.id() + " to the dead letters",
                () -> store.deadLetters().moveFromInbox(stored, nodeId, expiresAt(letter)));
    }

    /** Writes a dead letter for an envelope that has no incoming row (an outgoing one its destination refused). */
    void deadLetterOutgoing(DeadLetter letter) {
        call("moving envelope " + letter.id() + " to the dead letters", () -> {
            store.deadLetters().moveFromInbox(letter, expiresAt(letter));
            return null;
        });
    }

    private Instant expiresAt(DeadLetter letter) {
        return settings.deadLetterRetention() == null ? null : letter.failedAt().plus(settings.deadLetterRetention());
    }

    StoreTransaction begin() {
        return call("opening a transaction", store::begin);
    }

    /** Joins the application's transaction on {@code connection}; its failures are the application's, not the store's health. */
    StoreTransaction enlist(java.sql.Connection connection) {
        return store.enlist(java.util.Objects.requireNonNull(connection, "connection"));
    }

    // ---- health

    /** Runs one store call, turning its failure into a {@link StoreUnavailableException} and a pause. */
    <T> T call(String what, Supplier<T> work) {
        try {
            T result = work.get();
            if (failuresInARow.get() > 0) {
                failuresInARow.set(0);
                pausedUntilNanos = 0;
                lastFailure = null;
                log.info("the message store {} works again", store.description());
            }
            return result;
        } catch (StoreUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            int failures = failuresInARow.incrementAndGet();
            lastFailure = what + " failed: " + e.getMessage();
            pausedUntilNanos = System.nanoTime() + pauseNanos(failures);
            throw new StoreUnavailableException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** Why the last store call failed, or null when it worked. */
    String lastFailure() {
        return lastFailure;
    }

    /** Whether durable workers should wait before taking more work: the store failed moments ago. */
    boolean isPaused() {
        long until = pausedUntilNanos;
        return until != 0 && until - System.nanoTime() > 0;
    }

    /** How long to wait before trying the store again after a failure. */
    java.time.Duration retryDelay() {
        return java.time.Duration.ofNanos(pauseNanos(failuresInARow.get()));
    }

    /** 250 ms after the first failure in a row, doubling up to 5 s. */
    private static long pauseNanos(int failuresInARow) {
        return Math.min(MAX_PAUSE_NANOS, MIN_PAUSE_NANOS << Math.min(5, Math.max(0, failuresInARow - 1)));
    }
}
