package dev.agate.testing;

import dev.agate.Envelope;
import dev.agate.spi.Outbox;
import dev.agate.spi.StoreTransaction;
import dev.agate.testing.InMemoryTables.OutgoingRow;
import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The outbox of an {@link InMemoryMessageStore}. Storing an id that is stored already fails, as the
 * primary key of the JDBC store's table makes it fail; claims re-own rows under the store's lock.
 */
final class InMemoryOutbox implements Outbox {
    private final InMemoryMessageStore store;

    InMemoryOutbox(InMemoryMessageStore store) {
        this.store = store;
    }

    @Override
    public Set<UUID> store(StoreTransaction transaction, List<Envelope> envelopes, int ownerId) {
        envelopes.forEach(e -> Objects.requireNonNull(e.destination(), () -> "envelope " + e.id() + " has no destination"));
        List<OutgoingRow> rows = envelopes.stream().map(e -> OutgoingRow.of(e, ownerId)).toList();
        return store.write(transaction, writes -> {
            Set<UUID> duplicates = new LinkedHashSet<>();
            Set<UUID> storedNow = new HashSet<>();
            for (OutgoingRow row : rows) {
                if (writes.outgoing(row.id()) == null) {
                    // Skipped if another transaction commits the same id first, as INSERT ... ON CONFLICT DO NOTHING would.
                    writes.changeOutgoing(row.id(), current -> current != null ? current : row);
                    storedNow.add(row.id());
                } else if (!storedNow.contains(row.id())) {
                    duplicates.add(row.id());
                }
            }
            return duplicates;
        });
    }

    @Override
    public void delete(StoreTransaction transaction, Collection<UUID> ids, int ownerId) {
        store.write(transaction, writes -> {
            for (UUID id : ids) {
                if (writes.outgoing(id) != null && writes.outgoing(id).owner() == ownerId) {
                    writes.changeOutgoing(id, current -> null);
                }
            }
            return null;
        });
    }

    @Override
    public List<Envelope> claim(URI destination, int ownerId, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 but was " + limit);
        }
        String where = destination.toString();
        return store.withTables(tables -> {
            List<OutgoingRow> claimed = tables.outgoing.values().stream()
                    .filter(row -> row.owner() == 0 && row.destination().equals(where))
                    .sorted(Comparator.comparing(OutgoingRow::id, InMemoryTables.BY_ID)).limit(limit)
                    .map(row -> row.owned(ownerId, row.attempts())).toList();
            claimed.forEach(row -> tables.outgoing.put(row.id(), row));
            return claimed.stream().map(OutgoingRow::envelope).toList();
        });
    }

    @Override
    public Set<URI> destinationsWithUnowned() {
        return store.withTables(tables -> tables.outgoing.values().stream().filter(row -> row.owner() == 0)
                .map(row -> URI.create(row.destination())).collect(Collectors.toCollection(LinkedHashSet::new)));
    }

    @Override
    public void release(Collection<UUID> ids, int ownerId, int attempts) {
        store.withTables(tables -> {
            ids.forEach(id -> tables.outgoing.computeIfPresent(id, (any, row) -> row.owner() == ownerId ? row.owned(0, attempts) : row));
            return null;
        });
    }

    @Override
    public int releaseOwnedBy(int ownerId) {
        return store.withTables(tables -> {
            List<OutgoingRow> released = tables.outgoing.values().stream().filter(row -> row.owner() == ownerId)
                    .map(row -> row.owned(0, row.attempts())).toList();
            released.forEach(row -> tables.outgoing.put(row.id(), row));
            return released.size();
        });
    }

    @Override
    public int deleteExpired(Instant now, int limit) {
        return store.withTables(tables -> {
            List<UUID> expired = tables.outgoing.values().stream()
                    .filter(row -> row.deliverBy() != null && row.deliverBy().isBefore(now))
                    .sorted(Comparator.comparing(OutgoingRow::deliverBy)).limit(limit).map(OutgoingRow::id).toList();
            expired.forEach(tables.outgoing::remove);
            return expired.size();
        });
    }
}
