package dev.agate.internal.deadletter;

import dev.agate.DeadLetter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters in memory, of buffered and inline endpoints (and of every endpoint of a host without a
 * store): insertion-ordered and bounded; past the bound the oldest is dropped with a warning naming it.
 * Guarded by this object's monitor; replays run outside it so a replay that fails again can dead-letter
 * without deadlock.
 */
final class InMemoryDeadLetters {
    private static final Logger log = LoggerFactory.getLogger(InMemoryDeadLetters.class);

    private final int capacity;
    private final Map<UUID, DeadLetter> letters = new LinkedHashMap<>();

    InMemoryDeadLetters(int capacity) {
        this.capacity = capacity;
    }

    void add(DeadLetter letter) {
        DeadLetter dropped = null;
        synchronized (this) {
            letters.put(letter.id(), letter);
            if (letters.size() > capacity) {
                Iterator<DeadLetter> oldest = letters.values().iterator();
                dropped = oldest.next();
                oldest.remove();
            }
        }
        if (dropped != null) {
            log.warn("in-memory dead letters are full ({}); dropped the oldest, envelope {} ({}) from {}: {}",
                    capacity, dropped.id(), dropped.envelope().messageType(), dropped.endpoint(), dropped.reason());
        }
    }

    synchronized List<DeadLetter> list() {
        return List.copyOf(letters.values());
    }

    synchronized Optional<DeadLetter> find(UUID id) {
        return Optional.ofNullable(letters.get(id));
    }

    synchronized int purge() {
        int count = letters.size();
        letters.clear();
        return count;
    }

    /** Takes out the letters {@code filter} picks and hands each to {@code replayer}; what fails to replay is put back. */
    int replayWhere(Predicate<DeadLetter> filter, Consumer<DeadLetter> replayer) {
        List<DeadLetter> chosen = new ArrayList<>();
        synchronized (this) {
            for (Iterator<DeadLetter> it = letters.values().iterator(); it.hasNext(); ) {
                DeadLetter letter = it.next();
                if (filter.test(letter)) {
                    chosen.add(letter);
                    it.remove();
                }
            }
        }
        for (int i = 0; i < chosen.size(); i++) {
            try {
                replayer.accept(chosen.get(i));
            } catch (RuntimeException e) {
                // Put back what was not replayed, so a failed replay loses nothing.
                chosen.subList(i, chosen.size()).forEach(this::add);
                throw e;
            }
        }
        return chosen.size();
    }
}
