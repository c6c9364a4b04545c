package dev.agate.internal.deadletter;

import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.DeadLetters;
import dev.agate.Envelope;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.internal.Observers;
import dev.agate.internal.storage.DurableStorage;
import dev.agate.internal.storage.StoreUnavailableException;
import dev.agate.spi.MessageEvent.Kind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Clock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves envelopes to the dead letters: an envelope of a durable endpoint to the store's (moved out of
 * the inbox, checked against this node's ownership), any other to the host's in-memory ones. Logs it and
 * announces it to the observers. Thread-safe.
 */
public final class DeadLettering {
    private static final Logger log = LoggerFactory.getLogger(DeadLettering.class);

    /** Null for a host without a store. */
    private final DurableStorage storage;
    private final InMemoryDeadLetters memory;
    private final Observers observers;
    private final Clock clock;

    /** @param capacity how many dead letters are kept in memory */
    public DeadLettering(DurableStorage storage, int capacity, Observers observers, Clock clock) {
        this.storage = storage;
        this.memory = new InMemoryDeadLetters(capacity);
        this.observers = observers;
        this.clock = clock;
    }

    /**
     * The view of the dead letters to show and replay.
     *
     * @param replayer sends an in-memory dead letter again
     * @param wakeRecovery runs recovery soon, after stored dead letters went back to the inbox
     */
    public DeadLetters view(Consumer<DeadLetter> replayer, Runnable wakeRecovery) {
        return new HostDeadLetters(storage, memory, replayer, wakeRecovery, clock);
    }

    /**
     * The audit of operators' actions: the store's (on its dead letters and scheduled envelopes) and those on the
     * in-memory dead letters, merged into one listing.
     *
     * @throws StoreUnavailableException when the store failed
     */
    public Page<AuditEntry> audit(PageRequest page) {
        Page<AuditEntry> inMemory = memory.audit(page);
        if (storage == null) {
            return inMemory;
        }
        Page<AuditEntry> stored = storage.call("reading the audit", () -> storage.store().admin().audit(page));
        return HostDeadLetters.merge(page, stored, inMemory, AuditEntry::position);
    }

    /**
     * Moves an envelope that failed at {@code endpoint} to the dead letters.
     *
     * @param durable whether the envelope is in the store (it came from a durable endpoint)
     * @param failure the exception it failed with, or null
     * @throws StoreUnavailableException when the store failed; the envelope is still where it was
     */
    public void deadLetter(Envelope envelope, URI endpoint, boolean durable, String reason, Throwable failure) {
        String stack = null;
        if (failure != null) {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            stack = trace.toString();
        }
        DeadLetter letter = new DeadLetter(envelope, endpoint, reason, failure == null ? null : failure.getClass().getName(),
                failure == null ? null : failure.getMessage(), stack, envelope.attempts(), clock.instant());
        if (durable && storage != null) {
            if (!storage.deadLetter(letter)) {
                log.warn("envelope {} ({}) was taken over by another node while it failed here; not dead-lettered by this node",
                        envelope.id(), envelope.messageType());
                observers.emit(Kind.DISCARDED, envelope, endpoint, failure, "no longer owned by this node");
                return;
            }
        } else {
            memory.add(letter);
        }
        log.error("envelope {} ({}) moved to dead letters from {} after {} attempt(s): {}", envelope.id(),
                envelope.messageType(), endpoint, envelope.attempts(), reason, failure);
        observers.emit(Kind.DEAD_LETTERED, envelope, endpoint, failure, reason);
    }

    /**
     * Moves an envelope its destination refuses for good (it cannot deserialize it) to the dead letters, so
     * that a person can see why and replay it once the receiver is fixed.
     *
     * @param durable whether the envelope is an outgoing row of the store (its sender is durable)
     * @throws StoreUnavailableException when the store failed
     */
    public void deadLetterUnsendable(Envelope envelope, URI sender, boolean durable, String reason) {
        DeadLetter letter = new DeadLetter(envelope, sender, reason, null, null, null, envelope.attempts(), clock.instant());
        if (durable) {
            storage.deadLetterOutgoing(letter);
        } else {
            memory.add(letter);
        }
        log.error("envelope {} ({}) moved to dead letters: {}", envelope.id(), envelope.messageType(), reason);
        observers.emit(Kind.DEAD_LETTERED, envelope, sender, null, reason);
    }
}
