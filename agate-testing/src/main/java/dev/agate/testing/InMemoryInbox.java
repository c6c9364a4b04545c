package dev.agate.testing;

import dev.agate.AgateException;
import dev.agate.Envelope;
import dev.agate.spi.Inbox;
import dev.agate.spi.StoreTransaction;
import dev.agate.testing.InMemoryTables.IncomingRow;
import dev.agate.testing.InMemoryTables.Status;
import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The inbox of an {@link InMemoryMessageStore}. Claims select and re-own rows under the store's lock, so
 * two claimers never get one envelope. Like the JDBC store, the batch {@code markHandled},
 * {@code recordAttempts} changes a row whatever its state; {@code scheduleRetry} only its owner's incoming row.
 */
final class InMemoryInbox implements Inbox {
    private static final Comparator<IncomingRow> OLDEST_FIRST = Comparator.comparing(IncomingRow::id, InMemoryTables.BY_ID);
    private static final Comparator<IncomingRow> DUE_FIRST = Comparator.comparing(IncomingRow::executionTime).thenComparing(OLDEST_FIRST);

    private final InMemoryMessageStore store;

    InMemoryInbox(InMemoryMessageStore store) {
        this.store = store;
    }

    /** A duplicate inside {@code envelopes} is stored once (the first) and, since this call stored it, not returned. */
    @Override
    public Set<UUID> store(StoreTransaction transaction, URI endpoint, List<Envelope> envelopes, int ownerId, Instant now) {
        List<IncomingRow> rows = envelopes.stream().map(e -> IncomingRow.received(e, endpoint, ownerId, now)).toList();
        return store.write(transaction, writes -> {
            Set<UUID> duplicates = new LinkedHashSet<>();
            Set<UUID> storedNow = new HashSet<>();
            for (IncomingRow row : rows) {
                if (writes.incoming(row.id()) == null) {
                    // Skipped if another transaction commits the same id first, as INSERT ... ON CONFLICT DO NOTHING would.
                    writes.changeIncoming(row.id(), current -> current != null ? current : row);
                    storedNow.add(row.id());
                } else if (!storedNow.contains(row.id())) {
                    duplicates.add(row.id());
                }
            }
            return duplicates;
        });
    }

    @Override
    public int markHandled(StoreTransaction transaction, Collection<UUID> ids, int ownerId, Instant keepUntil) {
        return endHandled(transaction, ids, ownerId, current -> current.handled(keepUntil));
    }

    /** Deletes the rows, as a store for which that is cheaper than the mark does. */
    @Override
    public int deleteHandled(StoreTransaction transaction, Collection<UUID> ids, int ownerId, Instant keepUntil) {
        return endHandled(transaction, ids, ownerId, current -> null);
    }

    /**
     * Changes the incoming rows of {@code ids} that {@code ownerId} owns with {@code end}; returns how many. Checked again
     * when the transaction commits, as a row lock would hold it: a row another node took over meanwhile fails the commit.
     */
    private int endHandled(StoreTransaction transaction, Collection<UUID> ids, int ownerId, java.util.function.UnaryOperator<IncomingRow> end) {
        return store.write(transaction, writes -> {
            int ended = 0;
            for (UUID id : ids) {
                IncomingRow row = writes.incoming(id);
                if (row != null && row.isIncomingOwnedBy(ownerId)) {
                    writes.changeIncoming(id, current -> {
                        if (current == null || !current.isIncomingOwnedBy(ownerId)) {
                            throw new AgateException("envelope " + id + " is no longer incoming and owned by node " + ownerId);
                        }
                        return end.apply(current);
                    });
                    ended++;
                }
            }
            return ended;
        });
    }

    @Override
    public boolean markHandled(StoreTransaction transaction, UUID id, int ownerId, Instant keepUntil) {
        return store.write(transaction, writes -> {
            IncomingRow row = writes.incoming(id);
            if (row == null || !row.isIncomingOwnedBy(ownerId)) {
                return false;
            }
            writes.changeIncoming(id, current -> {
                if (current == null || !current.isIncomingOwnedBy(ownerId)) {
                    throw new AgateException("envelope " + id + " is no longer incoming and owned by node " + ownerId
                            + " (now " + (current == null ? "gone" : current.status() + ", owner " + current.owner()) + ")");
                }
                return current.handled(keepUntil);
            });
            return true;
        });
    }

    @Override
    public boolean remove(StoreTransaction transaction, UUID id, int ownerId) {
        return store.write(transaction, writes -> {
            IncomingRow row = writes.incoming(id);
            if (row == null || !row.isIncomingOwnedBy(ownerId)) {
                return false;
            }
            writes.changeIncoming(id, current -> {
                if (current == null || !current.isIncomingOwnedBy(ownerId)) {
                    throw new AgateException("envelope " + id + " is no longer incoming and owned by node " + ownerId);
                }
                return null;
            });
            return true;
        });
    }

    @Override
    public void recordAttempts(UUID id, int ownerId, int attempts) {
        change(id, row -> row.owner() == ownerId ? row.withAttempts(attempts) : row);
    }

    @Override
    public boolean scheduleRetry(UUID id, int ownerId, int attempts, Instant at) {
        boolean[] changed = new boolean[1];
        change(id, row -> {
            if (row.status() != Status.INCOMING || row.owner() != ownerId) {
                return row;
            }
            changed[0] = true;
            return row.scheduled(at, attempts);
        });
        return changed[0];
    }

    @Override
    public List<Claimed> take(URI endpoint, int ownerId, int limit) {
        String where = endpoint.toString();
        return claim(row -> row.status() == Status.INCOMING && row.owner() == 0 && row.endpoint().equals(where),
                OLDEST_FIRST, ownerId, limit);
    }

    @Override
    public List<Envelope> load(List<UUID> ids, int ownerId) {
        return store.withTables(tables -> {
            List<Envelope> found = new java.util.ArrayList<>();
            for (UUID id : ids) {
                IncomingRow row = tables.incoming.get(id);
                if (row != null && row.isIncomingOwnedBy(ownerId)) {
                    found.add(row.envelope());
                }
            }
            return found;
        });
    }

    @Override
    public List<Envelope> claimDueScheduled(Instant now, int ownerId, int limit) {
        return claim(row -> row.status() == Status.SCHEDULED && !row.executionTime().isAfter(now), DUE_FIRST, ownerId, limit)
                .stream().map(Claimed::envelope).toList();
    }

    private List<Claimed> claim(Predicate<IncomingRow> filter, Comparator<IncomingRow> order, int ownerId, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 but was " + limit);
        }
        return store.withTables(tables -> {
            List<IncomingRow> found = tables.incoming.values().stream().filter(filter).sorted(order).limit(limit).toList();
            found.forEach(row -> tables.incoming.put(row.id(), row.incomingOwnedBy(ownerId)));
            return found.stream().map(row -> new Claimed(row.incomingOwnedBy(ownerId).envelope(), row.takes(), row.crashes())).toList();
        });
    }

    @Override
    public boolean recordSuspectStart(UUID id, int ownerId) {
        boolean[] changed = new boolean[1];
        change(id, row -> {
            if (!row.isIncomingOwnedBy(ownerId)) {
                return row;
            }
            changed[0] = true;
            return row.withCrashes(row.crashes() + 1);
        });
        return changed[0];
    }

    @Override
    public void recordSuspectEnd(UUID id, int ownerId) {
        change(id, row -> row.crashes() > 0 && row.owner() == ownerId ? row.withCrashes(row.crashes() - 1) : row);
    }

    @Override
    public void release(Collection<UUID> ids, int ownerId) {
        for (UUID id : ids) {
            change(id, row -> row.isIncomingOwnedBy(ownerId) ? row.released() : row);
        }
    }

    @Override
    public int releaseOwnedBy(int ownerId) {
        return store.withTables(tables -> {
            List<IncomingRow> released = tables.incoming.values().stream()
                    .filter(row -> row.owner() == ownerId && row.status() != Status.HANDLED).map(row -> row.owned(0)).toList();
            released.forEach(row -> tables.incoming.put(row.id(), row));
            return released.size();
        });
    }

    @Override
    public int deleteExpiredHandled(Instant now, int limit) {
        return store.withTables(tables -> {
            List<UUID> expired = tables.incoming.values().stream()
                    .filter(row -> row.status() == Status.HANDLED && row.keepUntil() != null && row.keepUntil().isBefore(now))
                    .sorted(Comparator.comparing(IncomingRow::keepUntil)).limit(limit).map(IncomingRow::id).toList();
            expired.forEach(tables.incoming::remove);
            return expired.size();
        });
    }

    @Override
    public Set<URI> endpointsWithUnowned() {
        return store.withTables(tables -> tables.incoming.values().stream()
                .filter(row -> row.status() == Status.INCOMING && row.owner() == 0)
                .map(row -> URI.create(row.endpoint())).collect(Collectors.toCollection(LinkedHashSet::new)));
    }

    private void change(UUID id, UnaryOperator<IncomingRow> change) {
        store.withTables(tables -> tables.incoming.computeIfPresent(id, (any, row) -> change.apply(row)));
    }
}
