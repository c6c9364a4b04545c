package dev.agate.internal.runtime;

import dev.agate.DeadLetter;
import dev.agate.DeadLetters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The dead letters of a host with a message store: those of durable endpoints live in the store (and
 * survive restarts), those of buffered endpoints in memory, like the envelopes were. Replaying a stored
 * one moves it back into the inbox as unowned, and wakes the agent's recovery, which hands it to its
 * queue on whichever node claims it first.
 */
final class StoredDeadLetters implements DeadLetters {
    /** The most stored dead letters {@link #list()} reads; the command line pages through more. */
    static final int LIST_LIMIT = 10_000;

    private final DurableStorage storage;
    private final InMemoryDeadLetters memory;
    private final Runnable wakeRecovery;

    StoredDeadLetters(DurableStorage storage, InMemoryDeadLetters memory, Runnable wakeRecovery) {
        this.storage = storage;
        this.memory = memory;
        this.wakeRecovery = wakeRecovery;
    }

    @Override
    public List<DeadLetter> list() {
        List<DeadLetter> all = new ArrayList<>(storage.call("listing dead letters", () -> storage.store().deadLetters().list(null, LIST_LIMIT)));
        all.addAll(memory.list());
        all.sort(Comparator.comparing(DeadLetter::failedAt));
        return all;
    }

    @Override
    public Optional<DeadLetter> find(UUID id) {
        Optional<DeadLetter> stored = storage.call("finding dead letter " + id, () -> storage.store().deadLetters().find(id));
        return stored.isPresent() ? stored : memory.find(id);
    }

    @Override
    public boolean replay(UUID id) {
        if (replayStored(id, null) > 0) {
            return true;
        }
        return memory.replay(id);
    }

    @Override
    public int replayMessageType(String messageType) {
        return replayStored(null, messageType) + memory.replayMessageType(messageType);
    }

    @Override
    public int replayAll() {
        return replayStored(null, null) + memory.replayAll();
    }

    private int replayStored(UUID id, String messageType) {
        int replayed = storage.call("replaying dead letters", () -> storage.store().deadLetters().replay(id, messageType)).size();
        if (replayed > 0) {
            wakeRecovery.run();
        }
        return replayed;
    }

    @Override
    public int purge() {
        return storage.call("purging dead letters", () -> storage.store().deadLetters().purge(null, null)) + memory.purge();
    }
}
