package dev.agate.internal.deadletter;

import dev.agate.DeadLetter;
import dev.agate.DeadLetters;
import dev.agate.internal.storage.DurableStorage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The dead letters a host shows ({@link dev.agate.AgateHost#deadLetters()}): those of durable endpoints
 * live in the store (and survive restarts), the others in memory, like their envelopes did. Replaying a
 * stored one moves it back into the inbox as unowned and wakes the durability agent's recovery, which
 * hands it to its queue on whichever node claims it first; an in-memory one is sent again at once.
 */
final class HostDeadLetters implements DeadLetters {
    /** The most stored dead letters {@link #list()} reads; the command line pages through more. */
    static final int LIST_LIMIT = 10_000;

    /** Null for a host without a store. */
    private final DurableStorage storage;
    private final InMemoryDeadLetters memory;
    private final Consumer<DeadLetter> replayer;
    private final Runnable wakeRecovery;

    HostDeadLetters(DurableStorage storage, InMemoryDeadLetters memory, Consumer<DeadLetter> replayer, Runnable wakeRecovery) {
        this.storage = storage;
        this.memory = memory;
        this.replayer = replayer;
        this.wakeRecovery = wakeRecovery;
    }

    @Override
    public List<DeadLetter> list() {
        if (storage == null) {
            return memory.list();
        }
        List<DeadLetter> all = new ArrayList<>(storage.call("listing dead letters", () -> storage.store().deadLetters().list(null, LIST_LIMIT)));
        all.addAll(memory.list());
        all.sort(Comparator.comparing(DeadLetter::failedAt));
        return all;
    }

    @Override
    public Optional<DeadLetter> find(UUID id) {
        Optional<DeadLetter> stored = storage == null ? Optional.empty()
                : storage.call("finding dead letter " + id, () -> storage.store().deadLetters().find(id));
        return stored.isPresent() ? stored : memory.find(id);
    }

    @Override
    public boolean replay(UUID id) {
        return replayStored(id, null) > 0 || replayInMemory(l -> l.id().equals(id)) > 0;
    }

    @Override
    public int replayMessageType(String messageType) {
        return replayStored(null, messageType) + replayInMemory(l -> l.envelope().messageType().equals(messageType));
    }

    @Override
    public int replayAll() {
        return replayStored(null, null) + replayInMemory(l -> true);
    }

    @Override
    public int purge() {
        int stored = storage == null ? 0 : storage.call("purging dead letters", () -> storage.store().deadLetters().purge(null, null));
        return stored + memory.purge();
    }

    private int replayInMemory(Predicate<DeadLetter> filter) {
        return memory.replayWhere(filter, replayer);
    }

    private int replayStored(UUID id, String messageType) {
        if (storage == null) {
            return 0;
        }
        int replayed = storage.call("replaying dead letters", () -> storage.store().deadLetters().replay(id, messageType)).size();
        if (replayed > 0) {
            wakeRecovery.run();
        }
        return replayed;
    }
}
