package dev.agate.internal.storage;

import dev.agate.AgateException;
import dev.agate.DeadLetter;
import dev.agate.Durability;
import dev.agate.Envelope;
import dev.agate.internal.Backoff;
import dev.agate.internal.EnvelopeBodies;
import dev.agate.internal.Observers;
import dev.agate.spi.ClaimOutcomeUnknownException;
import dev.agate.spi.MessageStore;
import dev.agate.spi.StoreTransaction;
import java.net.URI;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's side of its message store: this node's id and every write the runtime makes to the
 * store. It speaks envelopes, ids and endpoint URIs; what an endpoint is, and which envelopes go to the
 * inbox or the outbox, is decided above it.
 *
 * <p>Every store call goes through the store's {@link StoreHealth} (a failure becomes a
 * {@link StoreUnavailableException} and pauses the durable workers); the writes that may wait go through
 * {@link WriteBehind}. Thread-safe.
 */
public final class DurableStorage {
    private static final Logger log = LoggerFactory.getLogger(DurableStorage.class);
    /** How long to wait after store failures in a row; also the pace of retrying the store's start. */
    public static final Backoff PAUSE = StoreHealth.PAUSE;

    private final MessageStore store;
    private final Durability settings;
    private final Clock clock;
    private final EnvelopeBodies bodies;
    private final StoreHealth health;
    private final WriteBehind writeBehind;
    private final Suspects suspects = new Suspects(this);
    /**
     * Rows deleted outside cleanup since it last asked (acknowledged outgoing rows, ended local envelopes): churn of
     * the tables, for {@link dev.agate.spi.StoreAdmin#afterCleanup}.
     */
    private final LongAdder deletedRows = new LongAdder();
    private final NodeLease lease;
    private final HandlingTurns turns = new HandlingTurns();

    /** @param observers told how long each store call that moves envelopes took */
    public DurableStorage(MessageStore store, Durability settings, Clock clock, EnvelopeBodies bodies, Observers observers) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.bodies = bodies;
        this.health = new StoreHealth(store.description(), observers);
        this.lease = new NodeLease(settings.nodeTimeout());
        this.writeBehind = new WriteBehind(store, settings, clock, health, lease::incarnation);
    }

    public MessageStore store() { return store; }

    public Durability settings() { return settings; }

    public Instant now() {
        return clock.instant();
    }

    /** This node's current incarnation: the owner id its writes carry and check. */
    public int nodeId() {
        return lease.incarnation();
    }

    /** This node's lease: whether it may act, and under which incarnation. */
    public NodeLease lease() {
        return lease;
    }

    /**
     * Forgets what this node meant to write and suspected under an incarnation that was declared dead: its
     * rows belong to other nodes now.
     */
    public void forgetIncarnation() {
        writeBehind.forget();
        suspects.clear();
    }

    /** Whether the store keeps this envelope as scheduled rather than incoming, at {@code now}. */
    public static boolean isLater(Envelope envelope, Instant now) {
        return envelope.scheduledTime() != null && envelope.scheduledTime().isAfter(now);
    }

    // ---- writes now

    /**
     * Persists envelopes received at {@code endpoint}, owned by this node (scheduled ones by nobody), in
     * {@code transaction} or one of their own; scheduled means scheduled after {@code now}. Returns the ones
     * it stored, serialized: an id already there (a send repeated with its own message id) is not stored again
     * and not returned.
     */
    public List<Envelope> persist(StoreTransaction transaction, URI endpoint, List<Envelope> envelopes, Instant now) {
        return persist(transaction, endpoint, envelopes, now, false);
    }

    /**
     * {@link #persist(StoreTransaction, URI, List, Instant)}; in the application's own transaction a failure
     * is the application's (its transaction may be aborted already), so it does not pause the workers.
     */
    public List<Envelope> persist(StoreTransaction transaction, URI endpoint, List<Envelope> envelopes, Instant now,
                           boolean applicationTransaction) {
        List<Envelope> serialized = serializedAll(envelopes);
        Set<UUID> duplicates = owning(transaction == null, serialized, false, () -> write("inbox.insert", serialized.size(),
                "storing " + envelopes.size() + " envelope(s) for " + endpoint,
                () -> store.inbox().store(transaction, endpoint, serialized, nodeId(), now), applicationTransaction));
        return withoutDuplicates(serialized, duplicates);
    }

    /** Writes envelopes due now for another service to the outbox, owned by this node; returns the ones it stored, serialized. */
    public List<Envelope> persistOutgoing(StoreTransaction transaction, List<Envelope> envelopes) {
        return persistOutgoing(transaction, envelopes, false);
    }

    /** {@link #persistOutgoing(StoreTransaction, List)}; see {@link #persist(StoreTransaction, URI, List, Instant, boolean)} for the flag. */
    public List<Envelope> persistOutgoing(StoreTransaction transaction, List<Envelope> envelopes, boolean applicationTransaction) {
        List<Envelope> serialized = serializedAll(envelopes);
        Set<UUID> duplicates = owning(transaction == null, serialized, true, () -> write("outbox.insert", serialized.size(),
                "storing " + envelopes.size() + " outgoing envelope(s) for " + envelopes.get(0).destination(),
                () -> store.outbox().store(transaction, serialized, nodeId()), applicationTransaction));
        return withoutDuplicates(serialized, duplicates);
    }

    /**
     * Runs a write that stores rows owned by this node. When it ran in a transaction of its own
     * ({@code ownTransaction}) and failed, its COMMIT may have gone through all the same (the connection
     * dropped, or the server crashed, as it answered): then the rows are this node's and held by nobody, and
     * would wait for this node to stop. So they are given to any node with the next flush: if they were
     * stored, the durability agent delivers them (the owner-checked marks and deletes make that safe); if
     * not, the release finds nothing. In a transaction of the caller's, the caller knows its COMMIT: see
     * {@link #releaseAfterFailedCommit}. A write that works takes back the releases that wait for the incoming
     * envelopes it stored (sent again after such a failure, with their own ids): they are this node's after all.
     *
     * @param write returns the ids it did not store, being there already
     */
    private Set<UUID> owning(boolean ownTransaction, List<Envelope> envelopes, boolean outgoing, Supplier<Set<UUID>> write) {
        if (!ownTransaction) {
            return write.get();
        }
        try {
            Set<UUID> duplicates = write.get();
            if (!outgoing) {
                keep(envelopes.stream().map(Envelope::id).filter(id -> !duplicates.contains(id)).toList());
            }
            return duplicates;
        } catch (StoreUnavailableException e) {
            releaseAfterFailedCommit(outgoing ? List.of() : envelopes, outgoing ? envelopes : List.of());
            throw e;
        }
    }

    /**
     * After a COMMIT that failed, of a transaction that stored rows owned by this node: gives those rows to
     * any node with the next flush, in case it went through as the connection dropped. See {@link #owning}.
     *
     * @param incoming envelopes stored in the inbox (scheduled ones among them are nobody's, and left alone)
     * @param outgoing envelopes stored in the outbox
     */
    public void releaseAfterFailedCommit(Collection<Envelope> incoming, Collection<Envelope> outgoing) {
        if (!incoming.isEmpty()) {
            releaseLater(incoming.stream().map(Envelope::id).toList());
        }
        for (Envelope envelope : outgoing) {
            releaseOutgoingLater(List.of(envelope.id()), envelope.attempts());
        }
    }

    private static List<Envelope> withoutDuplicates(List<Envelope> envelopes, Set<UUID> duplicates) {
        if (duplicates == null || duplicates.isEmpty()) {
            return envelopes;
        }
        log.info("{} envelope(s) are stored already (sent again with their own message id), not stored again: {}", duplicates.size(),
                duplicates);
        return envelopes.stream().filter(e -> !duplicates.contains(e.id())).toList();
    }

    /** The envelope with its body serialized (as it is when it has one already). */
    public Envelope serialized(Envelope envelope) {
        return bodies.serialized(envelope);
    }

    private List<Envelope> serializedAll(List<Envelope> envelopes) {
        List<Envelope> serialized = new ArrayList<>(envelopes.size());
        envelopes.forEach(e -> serialized.add(bodies.serialized(e)));
        return serialized;
    }

    /** A write; in the application's own transaction its failure is the application's, and does not pause the workers. */
    private <T> T write(String operation, int envelopes, String what, Supplier<T> work, boolean applicationTransaction) {
        if (!applicationTransaction) {
            return health.call(operation, envelopes, what, work);
        }
        return health.timed(operation, envelopes, () -> {
            try {
                return work.get();
            } catch (RuntimeException e) {
                throw new AgateException(what + " in the application's transaction failed: " + e.getMessage(), e);
            }
        });
    }

    /** What {@link #persistReceived} stored: envelopes to hand on, and envelopes too old to handle, dead-lettered. */
    public record Received(List<Envelope> fresh, List<DeadLetter> tooOld) {
    }

    /**
     * Persists a batch a listener received for the queue {@code endpoint}, owned by this node, in one
     * transaction. An envelope whose id is there already (sent again after a lost acknowledgement, however
     * late, within the deduplication horizon) is not stored again. An envelope first sent (or scheduled)
     * longer ago than the horizon, whose id may have been forgotten, is not handled: in the same transaction
     * it goes to the dead letters, and its id is remembered like a handled one's.
     *
     * @throws StoreUnavailableException when the store failed: nothing was stored, or its COMMIT went through
     *         as the connection dropped, and then the envelopes are given to any node (see {@link #owning})
     */
    public Received persistReceived(URI endpoint, List<Envelope> envelopes, Instant now) {
        Map<UUID, Envelope> unique = new LinkedHashMap<>();
        envelopes.forEach(e -> unique.putIfAbsent(e.id(), e));
        List<Envelope> batch = List.copyOf(unique.values());
        Instant horizon = now.minus(settings.deduplicationHorizon());
        boolean anyTooOld = batch.stream().anyMatch(e -> firstSentBefore(e, horizon));
        List<DeadLetter> tooOld = new ArrayList<>(0);
        Set<UUID> duplicates = owning(true, batch, false, () -> health.call("inbox.insert", batch.size(),
                "storing " + batch.size() + " received envelope(s) for " + endpoint,
                () -> anyTooOld ? storeDeadLetteringTooOld(endpoint, batch, now, horizon, tooOld)
                        : store.inbox().store(null, endpoint, batch, nodeId(), now)));
        if (duplicates.isEmpty() && tooOld.isEmpty()) {
            return new Received(batch, List.of());
        }
        Set<UUID> notFresh = new HashSet<>(duplicates);
        tooOld.forEach(letter -> notFresh.add(letter.id()));
        return new Received(batch.stream().filter(e -> !notFresh.contains(e.id())).toList(), tooOld);
    }

    /**
     * Stores a batch in one transaction, the envelopes first sent before {@code horizon} moved on to the dead
     * letters (added to {@code tooOld}); returns the ids that were there already.
     */
    private Set<UUID> storeDeadLetteringTooOld(URI endpoint, List<Envelope> batch, Instant now, Instant horizon, List<DeadLetter> tooOld) {
        try (StoreTransaction transaction = store.begin()) {
            Set<UUID> duplicates = store.inbox().store(transaction, endpoint, batch, nodeId(), now);
            for (Envelope envelope : batch) {
                if (duplicates.contains(envelope.id()) || !firstSentBefore(envelope, horizon)) {
                    continue;
                }
                DeadLetter letter = new DeadLetter(envelope, endpoint, "older than the deduplication horizon ("
                        + settings.deduplicationHorizon() + "): first sent " + firstSent(envelope) + ", it may have been"
                        + " handled already and its id forgotten; replay it if it was not", null, null, null, envelope.attempts(), now);
                store.deadLetters().moveFromInbox(transaction, letter, nodeId(), expiresAt(letter), now.plus(settings.deduplicationHorizon()));
                tooOld.add(letter);
            }
            transaction.commit();
            return duplicates;
        }
    }

    /** When the envelope was first sent, or the time it was scheduled for when later: how old it is for deduplication. */
    private static Instant firstSent(Envelope envelope) {
        Instant sent = envelope.sentAt();
        Instant scheduled = envelope.scheduledTime();
        return scheduled != null && (sent == null || scheduled.isAfter(sent)) ? scheduled : sent;
    }

    private static boolean firstSentBefore(Envelope envelope, Instant horizon) {
        Instant first = firstSent(envelope);
        return first != null && first.isBefore(horizon);
    }

    /**
     * Moves an incoming envelope this node claimed (a scheduled send that came due, a replayed dead letter) to
     * the outbox, owned by this node, in one transaction. Its incoming row is deleted, not kept as handled:
     * the id is the receiver's to remember, and a listener on this same database must find no row of it.
     *
     * @return false, moving nothing, when this node no longer owns the incoming row (another node took it over
     *         or moved it: an earlier move committed though it seemed to fail), or the outbox holds the id already
     */
    public boolean moveToOutbox(Envelope envelope) {
        try {
            return moveToOutboxNow(envelope);
        } catch (StoreUnavailableException e) {
            releaseAfterFailedCommit(List.of(), List.of(envelope)); // the incoming row's release is the caller's
            throw e;
        }
    }

    private boolean moveToOutboxNow(Envelope envelope) {
        return health.call("outbox.insert", 1, "moving envelope " + envelope.id() + " to the outbox", () -> {
            try (StoreTransaction transaction = store.begin()) {
                if (!store.inbox().remove(transaction, envelope.id(), nodeId())) {
                    return false;
                }
                boolean moved = store.outbox().store(transaction, List.of(bodies.serialized(envelope)), nodeId()).isEmpty();
                transaction.commit();
                return moved;
            }
        });
    }

    /** Reads back, in order, the envelopes among {@code ids} that are still incoming and this node's. */
    public List<Envelope> loadOwned(List<UUID> ids) {
        return call("loading " + ids.size() + " envelope(s) back from the store", () -> store.inbox().load(ids, nodeId()));
    }

    /** Deletes an incoming envelope this node claimed and sent on from memory; false when it no longer owns it. */
    public boolean removeIncoming(UUID id) {
        return call("removing envelope " + id + " from the inbox", () -> store.inbox().remove(null, id, nodeId()));
    }

    /** Marks an envelope handled in the handler's transaction (see {@link HandledIds}); false when this node no longer owns it. */
    public boolean markHandled(StoreTransaction transaction, Envelope envelope) {
        return markHandled(transaction, List.of(envelope)) == 1;
    }

    /**
     * Marks envelopes handled in the transaction of a batch of handlings, keeping the ids that need a record (see
     * {@link HandledIds}); returns how many this node still owned (fewer than all: the batch must roll back, some
     * are another node's now).
     */
    public int markHandled(StoreTransaction transaction, List<Envelope> envelopes) {
        List<UUID> kept = new ArrayList<>(envelopes.size());
        List<UUID> deleted = new ArrayList<>(envelopes.size());
        envelopes.forEach(e -> (HandledIds.recordNeeded(e) ? kept : deleted).add(e.id()));
        deletedRows.add(deleted.size());
        return health.call("inbox.mark", envelopes.size(), "marking " + envelopes.size() + " envelopes handled", () -> {
            Instant keepUntil = keepIdUntil();
            return (kept.isEmpty() ? 0 : store.inbox().markHandled(transaction, kept, nodeId(), keepUntil))
                    + (deleted.isEmpty() ? 0 : store.inbox().deleteHandled(transaction, deleted, nodeId(), keepUntil));
        });
    }

    public void recordAttempts(UUID id, int attempts) {
        call("recording the attempts of envelope " + id, () -> {
            store.inbox().recordAttempts(id, nodeId(), attempts);
            return null;
        });
    }

    /** False when this node no longer owns the envelope: another node took it over; nothing is changed. */
    public boolean scheduleRetry(UUID id, int attempts, Instant at) {
        return call("scheduling a retry of envelope " + id, () -> store.inbox().scheduleRetry(id, nodeId(), attempts, at));
    }

    /**
     * Moves the envelope to the dead letters, its id kept (like a handled one's) until the deduplication
     * horizon, so a resend of it is not handled. False when this node no longer owns the envelope: another
     * node took it over; nothing is changed.
     */
    public boolean deadLetter(DeadLetter letter) {
        DeadLetter stored = new DeadLetter(bodies.serialized(letter.envelope()), letter.endpoint(), letter.reason(), letter.exceptionType(),
                letter.exceptionMessage(), letter.stackTrace(), letter.attempts(), letter.failedAt());
        return health.call("dead.letter", 1, "moving envelope " + letter.id() + " to the dead letters",
                () -> store.deadLetters().moveFromInbox(null, stored, nodeId(), expiresAt(letter), keepIdUntil()));
    }

    /** Writes a dead letter for an envelope that has no incoming row (an outgoing one its destination refused). */
    public void deadLetterOutgoing(DeadLetter letter) {
        health.call("dead.letter", 1, "moving envelope " + letter.id() + " to the dead letters", () -> {
            store.deadLetters().moveFromInbox(letter, expiresAt(letter), keepIdUntil());
            return null;
        });
    }

    /** Until when an id marked handled or dead-lettered now is remembered: the deduplication horizon from now. */
    private Instant keepIdUntil() {
        return clock.instant().plus(settings.deduplicationHorizon());
    }

    private Instant expiresAt(DeadLetter letter) {
        return settings.deadLetterRetention() == null ? null : letter.failedAt().plus(settings.deadLetterRetention());
    }

    /** Opens a transaction; {@code durableHandling}: for a durable queue's handling, which takes turns ({@link HandlingTurns}). */
    public StoreTransaction begin(boolean durableHandling) {
        Supplier<StoreTransaction> open = () -> call("opening a transaction", store::begin);
        return durableHandling ? turns.handling(open) : open.get();
    }

    /** Turns at the database's connections between durable handlings and the application's transactions. */
    public HandlingTurns turns() { return turns; }

    /** Joins the application's transaction on {@code connection}; its failures are the application's, not the store's health. */
    public StoreTransaction enlist(Connection connection) {
        return store.enlist(Objects.requireNonNull(connection, "connection"));
    }

    /** Poison messages: envelopes claimed after a holder died holding them. */
    public Suspects suspects() {
        return suspects;
    }

    /** How many rows were deleted outside cleanup (acknowledged outgoing rows, ended local envelopes) since the last call. */
    public long takeDeletedRows() {
        return deletedRows.sumThenReset();
    }

    // ---- writes that may wait: see WriteBehind

    /** Marks an envelope handled in the next batch (see {@link HandledIds}). */
    public void markHandledLater(Envelope envelope) {
        boolean keep = HandledIds.recordNeeded(envelope);
        deletedRows.add(keep ? 0 : 1);
        writeBehind.markHandledLater(envelope.id(), keep);
    }

    /** Gives envelopes back to any node with the next flush, not on the calling thread. */
    public void releaseLater(Collection<UUID> ids) {
        suspects.forget(ids);
        writeBehind.releaseLater(ids);
    }

    /** Takes back releases that wait for envelopes this node stored again and handles after all. */
    public void keep(Collection<UUID> ids) {
        writeBehind.keep(ids);
    }

    /** Gives envelopes back to any node now; never throws (when the store fails they wait for the next flush). */
    public void release(Collection<UUID> ids) {
        suspects.forget(ids);
        writeBehind.release(ids);
    }

    /** Outgoing rows this node holds but cannot send now: given back to any node with the next flush. */
    public void releaseOutgoingLater(Collection<UUID> ids, int attempts) {
        writeBehind.releaseOutgoingLater(ids, attempts);
    }

    /** Deletes outgoing rows whose envelopes were acknowledged with the next flush, off the sender's path. */
    public void deleteOutgoing(Collection<UUID> ids) {
        deletedRows.add(ids.size());
        writeBehind.deleteOutgoingLater(ids);
    }

    /** Writes what waits; skipped while another thread does. */
    public void flushWriteBehind() {
        writeBehind.flush();
    }

    /** Writes what waits, after a flush under way; true when nothing is left pending. */
    public boolean flushWriteBehindNow() {
        return writeBehind.flushNow();
    }

    // ---- health: see StoreHealth

    /** Runs one store call, turning its failure into a {@link StoreUnavailableException} and a pause. */
    public <T> T call(String what, Supplier<T> work) {
        return health.call(what, work);
    }

    /**
     * {@link #call} of a claim, timed for the observers as {@code operation} ({@code inbox.claim},
     * {@code outbox.claim}, {@code scheduled.claim}) on the envelopes it claimed.
     */
    public <T extends Collection<?>> T claim(String operation, String what, Supplier<T> work) {
        try {
            return health.claim(operation, what, work);
        } catch (StoreUnavailableException e) {
            if (e.getCause() instanceof ClaimOutcomeUnknownException unknown) {
                // Claimed maybe, held by nobody: given to any node, as after any commit that failed (see owning).
                List<Envelope> claimed = unknown.claimed();
                releaseAfterFailedCommit(unknown.outgoing() ? List.of() : claimed, unknown.outgoing() ? claimed : List.of());
            }
            throw e;
        }
    }

    /** Why the last store call failed, or null when it worked. */
    public String lastFailure() {
        return health.lastFailure();
    }

    /** Whether durable workers should wait before taking more work: the store failed moments ago. */
    public boolean isPaused() {
        return health.isPaused();
    }

    /** How long to wait before trying the store again after a failure. */
    public Duration retryDelay() {
        return health.retryDelay();
    }
}
