package dev.agate.testing;

import dev.agate.AgateException;
import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.spi.DeadLetterStore;
import dev.agate.spi.StoreTransaction;
import dev.agate.testing.InMemoryTables.DeadRow;
import dev.agate.testing.InMemoryTables.IncomingRow;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The dead letters of an {@link InMemoryMessageStore}. A move and a replay each happen under the store's
 * lock, so an envelope is always in exactly one of the inbox and the dead letters. A dead letter without
 * an endpoint has nowhere to be replayed to: replay leaves it where it is.
 */
final class InMemoryDeadLetters implements DeadLetterStore {
    private final InMemoryMessageStore store;

    InMemoryDeadLetters(InMemoryMessageStore store) {
        this.store = store;
    }

    @Override
    public void moveFromInbox(DeadLetter letter, Instant expiresAt, Instant keepIdUntil) {
        DeadLetter kept = kept(letter);
        store.withTables(tables -> {
            tables.deadLetters.put(kept.id(), new DeadRow(kept, expiresAt));
            tables.incoming.computeIfPresent(kept.id(), (id, row) -> row.handled(keepIdUntil));
            return null;
        });
    }

    @Override
    public boolean moveFromInbox(StoreTransaction transaction, DeadLetter letter, int ownerId, Instant expiresAt, Instant keepIdUntil) {
        DeadLetter kept = kept(letter);
        return store.write(transaction, writes -> {
            IncomingRow row = writes.incoming(kept.id());
            if (row == null || !row.isIncomingOwnedBy(ownerId)) {
                return false;
            }
            writes.changeIncoming(kept.id(), current -> {
                if (current == null || !current.isIncomingOwnedBy(ownerId)) {
                    throw new AgateException("envelope " + kept.id() + " is no longer incoming and owned by node " + ownerId);
                }
                return current.handled(keepIdUntil);
            });
            writes.putDeadLetter(new DeadRow(kept, expiresAt));
            return true;
        });
    }

    private static DeadLetter kept(DeadLetter letter) {
        return new DeadLetter(InMemoryTables.stored(letter.envelope()), letter.endpoint(), letter.reason(),
                letter.exceptionType(), letter.exceptionMessage(), letter.stackTrace(), letter.attempts(), letter.failedAt());
    }

    @Override
    public List<DeadLetter> list(String messageType, int limit) {
        return store.withTables(tables -> tables.deadLetters.values().stream().filter(matching(null, messageType))
                .sorted(DeadRow.OLDEST_FIRST).limit(limit).map(DeadRow::letter).toList());
    }

    @Override
    public Optional<DeadLetter> find(UUID id) {
        return store.withTables(tables -> Optional.ofNullable(tables.deadLetters.get(id)).map(DeadRow::letter));
    }

    @Override
    public List<DeadLetter> replay(UUID id, String messageType) {
        return store.withTables(tables -> {
            List<DeadLetter> replayed = tables.deadLetters.values().stream().filter(matching(id, messageType))
                    .filter(row -> row.letter().endpoint() != null).sorted(DeadRow.OLDEST_FIRST).map(DeadRow::letter).toList();
            for (DeadLetter letter : replayed) {
                // Attempts start over and an old expiry no longer applies: a person decided to try again now.
                Envelope fresh = letter.envelope().toBuilder().attempts(0).deliverBy(null).scheduledTime(null).build();
                IncomingRow row = IncomingRow.received(fresh, letter.endpoint(), 0, letter.failedAt());
                tables.incoming.put(row.id(), row);
                tables.deadLetters.remove(letter.id());
            }
            return replayed;
        });
    }

    @Override
    public int purge(UUID id, String messageType) {
        return store.withTables(tables -> {
            List<UUID> purged = tables.deadLetters.values().stream().filter(matching(id, messageType))
                    .map(row -> row.letter().id()).toList();
            purged.forEach(tables.deadLetters::remove);
            return purged.size();
        });
    }

    @Override
    public int deleteExpired(Instant now, int limit) {
        return store.withTables(tables -> {
            List<UUID> expired = tables.deadLetters.values().stream()
                    .filter(row -> row.expiresAt() != null && row.expiresAt().isBefore(now))
                    .sorted(Comparator.comparing(DeadRow::expiresAt)).limit(limit).map(row -> row.letter().id()).toList();
            expired.forEach(tables.deadLetters::remove);
            return expired.size();
        });
    }

    /** Null filters match everything. */
    private static Predicate<DeadRow> matching(UUID id, String messageType) {
        return row -> (id == null || id.equals(row.letter().id()))
                && (messageType == null || messageType.equals(row.letter().envelope().messageType()));
    }
}
