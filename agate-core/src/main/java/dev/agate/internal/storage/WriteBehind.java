package dev.agate.internal.storage;

import dev.agate.Durability;
import dev.agate.spi.MessageStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store writes that may wait a little and go in batches: handled marks of handlings that wrote
 * nothing else, releases of rows this node cannot take, and deletes of acknowledged outgoing rows. They
 * are written when a batch is full, by the durability agent every 100 ms, and at close; a write that
 * fails puts its ids back to wait for the next flush, so nothing is forgotten while the store is down.
 *
 * <p>Handled marks: a handling that wrote nothing to the store (no transaction was opened) is marked
 * handled in a batch of up to {@link Durability#batchSize()} ids: one statement instead of one
 * transaction per envelope. Until the batch is written a crash may handle it again, which such a handler
 * (one that changes nothing in the database) must tolerate anyway. Thread-safe; one flush at a time.
 */
final class WriteBehind {
    private static final Logger log = LoggerFactory.getLogger(WriteBehind.class);

    private final MessageStore store;
    private final Durability settings;
    private final Clock clock;
    private final StoreHealth health;
    /** This node's current incarnation: every write checks that the rows are still its own. */
    private final java.util.function.IntSupplier nodeId;
    private final ConcurrentLinkedQueue<UUID> handledMarks = new ConcurrentLinkedQueue<>();
    /** Handled envelopes whose ids need no record (see {@link HandledIds}): their rows are deleted. */
    private final ConcurrentLinkedQueue<UUID> handledDeletes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingMarks = new AtomicInteger();
    private final ConcurrentLinkedQueue<UUID> pendingReleases = new ConcurrentLinkedQueue<>();
    /** Outgoing rows to give back to any node, with their attempts. */
    private final ConcurrentLinkedQueue<Map.Entry<UUID, Integer>> pendingOutgoingReleases = new ConcurrentLinkedQueue<>();
    /** Outgoing rows whose envelopes were acknowledged, still to delete. */
    private final ConcurrentLinkedQueue<UUID> pendingOutgoingDeletes = new ConcurrentLinkedQueue<>();
    private final ReentrantLock flushing = new ReentrantLock();

    WriteBehind(MessageStore store, Durability settings, Clock clock, StoreHealth health, java.util.function.IntSupplier nodeId) {
        this.nodeId = nodeId;
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.health = health;
    }

    /** Marks an envelope handled in the next batch; without {@code keepRecord}, deletes its row instead. */
    void markHandledLater(UUID id, boolean keepRecord) {
        (keepRecord ? handledMarks : handledDeletes).add(id);
        if (pendingMarks.incrementAndGet() >= settings.batchSize()) {
            flush();
        }
    }

    /**
     * Gives envelopes back to any node with the next flush (within 100 ms), not on the calling thread: the
     * caller may hold the only connection (SQLite) or a lock the release would wait for.
     */
    void releaseLater(Collection<UUID> ids) {
        pendingReleases.addAll(ids);
    }

    /** Takes back releases that wait: the envelopes are this node's to handle after all. */
    void keep(Collection<UUID> ids) {
        if (!pendingReleases.isEmpty()) {
            pendingReleases.removeAll(ids instanceof java.util.Set<?> ? ids : java.util.Set.copyOf(ids));
        }
    }

    /**
     * Gives envelopes this node could not take into memory back to any node. Never throws: when the store
     * fails, the ids wait and are released with the next flush, because a row this node owns but does not
     * hold would otherwise wait for this node to stop.
     */
    void release(Collection<UUID> ids) {
        try {
            health.call("inbox.release", ids.size(), "releasing " + ids.size() + " envelope(s)", () -> {
                store.inbox().release(ids, nodeId.getAsInt());
                return null;
            });
        } catch (StoreUnavailableException e) {
            pendingReleases.addAll(ids);
            log.warn("{} envelope(s) wait to be released to any node: {}", ids.size(), e.getMessage());
        }
    }

    /** Outgoing rows this node holds but cannot send now: given back to any node with the next flush. */
    void releaseOutgoingLater(Collection<UUID> ids, int attempts) {
        ids.forEach(id -> pendingOutgoingReleases.add(Map.entry(id, attempts)));
    }

    /**
     * Deletes outgoing rows whose envelopes were acknowledged with the next flush (within 100 ms), in one
     * statement for all senders, off the path of the sender's next batch. Until then they are this node's and
     * held by nobody, which is safe: a crash before the flush makes another node send them again, and the
     * receiver drops the duplicates.
     */
    void deleteOutgoingLater(Collection<UUID> ids) {
        pendingOutgoingDeletes.addAll(ids);
    }

    /** Deletes outgoing rows now; when the store fails they wait for the next flush. */
    private void deleteOutgoing(Collection<UUID> ids) {
        try {
            health.call("outbox.delete", ids.size(), "deleting " + ids.size() + " sent envelope(s)", () -> {
                store.outbox().delete(null, ids, nodeId.getAsInt());
                return null;
            });
        } catch (StoreUnavailableException e) {
            // Still owned by this node: deleted with the next flush, or sent again after a crash (the receiver drops the duplicate).
            pendingOutgoingDeletes.addAll(ids);
        }
    }

    /** Writes what waits; on failure it stays pending. Skipped while another thread flushes. */
    void flush() {
        if (!flushing.tryLock()) {
            return; // another thread is writing them
        }
        try {
            flushLocked();
        } finally {
            flushing.unlock();
        }
    }

    /** Like {@link #flush()}, but waits for a flush under way; true when nothing is left pending. */
    boolean flushNow() {
        flushing.lock();
        try {
            flushLocked();
            return handledMarks.isEmpty() && handledDeletes.isEmpty() && pendingReleases.isEmpty() && pendingOutgoingReleases.isEmpty()
                    && pendingOutgoingDeletes.isEmpty();
        } finally {
            flushing.unlock();
        }
    }

    private void flushLocked() {
        if (!flushMarks(handledMarks, true) || !flushMarks(handledDeletes, false)) {
            return;
        }
        List<UUID> releases = drain(pendingReleases);
        if (!releases.isEmpty()) {
            release(releases); // failing again, they go back to wait
        }
        List<UUID> deletes = drain(pendingOutgoingDeletes);
        if (!deletes.isEmpty()) {
            deleteOutgoing(deletes);
        }
        flushOutgoingReleases();
    }

    /** Writes the handled marks of {@code queue} in batches; false when the store failed (the rest wait for the next flush). */
    private boolean flushMarks(ConcurrentLinkedQueue<UUID> queue, boolean keepRecord) {
        while (!queue.isEmpty()) {
            List<UUID> batch = new ArrayList<>();
            UUID id;
            while (batch.size() < settings.batchSize() && (id = queue.poll()) != null) {
                batch.add(id);
            }
            pendingMarks.addAndGet(-batch.size());
            try {
                health.call("inbox.mark", batch.size(), "marking " + batch.size() + " envelope(s) handled", () -> {
                    java.time.Instant keepUntil = clock.instant().plus(settings.deduplicationHorizon());
                    return keepRecord ? store.inbox().markHandled(null, batch, nodeId.getAsInt(), keepUntil)
                            : store.inbox().deleteHandled(null, batch, nodeId.getAsInt(), keepUntil);
                });
            } catch (StoreUnavailableException e) {
                queue.addAll(batch);
                pendingMarks.addAndGet(batch.size());
                log.warn("{} handled mark(s) wait for the store: {}", batch.size(), e.getMessage());
                return false;
            }
        }
        return true;
    }

    private void flushOutgoingReleases() {
        Map<Integer, List<UUID>> byAttempts = new HashMap<>();
        Map.Entry<UUID, Integer> release;
        while ((release = pendingOutgoingReleases.poll()) != null) {
            byAttempts.computeIfAbsent(release.getValue(), a -> new ArrayList<>()).add(release.getKey());
        }
        for (Map.Entry<Integer, List<UUID>> group : byAttempts.entrySet()) {
            try {
                health.call("outbox.release", group.getValue().size(), "releasing " + group.getValue().size() + " outgoing envelope(s)", () -> {
                    store.outbox().release(group.getValue(), nodeId.getAsInt(), group.getKey());
                    return null;
                });
            } catch (StoreUnavailableException e) {
                group.getValue().forEach(i -> pendingOutgoingReleases.add(Map.entry(i, group.getKey())));
                log.warn("{} outgoing envelope(s) wait to be released to any node: {}", group.getValue().size(), e.getMessage());
            }
        }
    }

    /**
     * Forgets every write that waits: they were for rows of an incarnation of this node that was declared dead,
     * whose rows other nodes took over; written under the next incarnation they would change nothing anyway.
     */
    void forget() {
        // Without the flush lock: a flush may hang on a connection that died. What it puts back is written later under
        // the new incarnation, and changes nothing there.
        pendingMarks.addAndGet(-drain(handledMarks).size() - drain(handledDeletes).size());
        pendingReleases.clear();
        pendingOutgoingReleases.clear();
        pendingOutgoingDeletes.clear();
    }

    private static List<UUID> drain(ConcurrentLinkedQueue<UUID> queue) {
        List<UUID> drained = new ArrayList<>();
        UUID id;
        while ((id = queue.poll()) != null) {
            drained.add(id);
        }
        return drained;
    }
}
