package dev.agate.testing;

import dev.agate.AuditEntry;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.StoreStatus;
import dev.agate.Uuid7;
import dev.agate.spi.StoreAdmin;
import dev.agate.testing.InMemoryTables.IncomingRow;
import dev.agate.testing.InMemoryTables.OutgoingRow;
import dev.agate.testing.InMemoryTables.Status;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counts, what waits, a release of everything and a clear-out, over the rows of an {@link InMemoryMessageStore}. */
final class InMemoryStoreAdmin implements StoreAdmin {
    private final InMemoryMessageStore store;

    InMemoryStoreAdmin(InMemoryMessageStore store) {
        this.store = store;
    }

    @Override
    public Counts counts() {
        return store.withTables(tables -> {
            long[] byStatus = new long[Status.values().length];
            Map<Integer, Long> incomingByOwner = new TreeMap<>();
            for (IncomingRow row : tables.incoming.values()) {
                byStatus[row.status().ordinal()]++;
                if (row.status() == Status.INCOMING) {
                    incomingByOwner.merge(row.owner(), 1L, Long::sum);
                }
            }
            Map<Integer, Long> outgoingByOwner = new TreeMap<>();
            tables.outgoing.values().forEach(row -> outgoingByOwner.merge(row.owner(), 1L, Long::sum));
            return new Counts(byStatus[Status.INCOMING.ordinal()], byStatus[Status.SCHEDULED.ordinal()],
                    byStatus[Status.HANDLED.ordinal()], tables.outgoing.size(),
                    tables.deadLetters.values().stream().filter(row -> !row.letter().isReplayed()).count(),
                    incomingByOwner, outgoingByOwner);
        });
    }

    @Override
    public StoreStatus status() {
        return store.withTables(tables -> {
            Map<String, StoreStatus.Pending> waiting = new TreeMap<>();
            for (IncomingRow row : tables.incoming.values()) {
                if (row.status() == Status.INCOMING) {
                    // due since its scheduled time when it had one, else since it was first sent (its id's time)
                    add(waiting, StoreStatus.Kind.INCOMING, row.endpoint(), row.executionTime() != null ? row.executionTime() : Uuid7.instantOf(row.id()));
                } else if (row.status() == Status.SCHEDULED) {
                    add(waiting, StoreStatus.Kind.SCHEDULED, row.endpoint(), row.executionTime());
                }
            }
            tables.outgoing.values().forEach(row -> add(waiting, StoreStatus.Kind.OUTGOING, row.destination(), Uuid7.instantOf(row.id())));
            Map<List<String>, Long> letters = new TreeMap<>(Comparator.comparing((List<String> key) -> key.get(0))
                    .thenComparing(key -> key.get(1), Comparator.nullsFirst(Comparator.naturalOrder()))
                    .thenComparing(key -> key.get(2), Comparator.nullsFirst(Comparator.naturalOrder())));
            tables.deadLetters.values().stream().filter(row -> !row.letter().isReplayed()).forEach(row -> letters.merge(Arrays.asList(
                    row.letter().envelope().messageType(), row.letter().exceptionType(),
                    row.letter().endpoint() == null ? null : row.letter().endpoint().toString()), 1L, Long::sum));
            List<StoreStatus.DeadLetterCount> deadLetters = new ArrayList<>();
            letters.forEach((key, count) -> deadLetters.add(new StoreStatus.DeadLetterCount(key.get(0), key.get(1),
                    key.get(2) == null ? null : java.net.URI.create(key.get(2)), count)));
            boolean leads = tables.leaderNode != 0 && tables.leaderExpiresAt != null && tables.leaderExpiresAt.isAfter(Instant.now())
                    && tables.nodes.containsKey(tables.leaderNode);
            return new StoreStatus(List.copyOf(waiting.values()), deadLetters, List.copyOf(tables.nodes.values()), leads ? tables.leaderNode : 0);
        });
    }

    /** Counts one envelope that waits into its group, keeping the earliest time. */
    private static void add(Map<String, StoreStatus.Pending> waiting, StoreStatus.Kind kind, String endpoint, Instant time) {
        waiting.merge(kind.ordinal() + " " + endpoint, new StoreStatus.Pending(kind, URI.create(endpoint), 1, time),
                (a, b) -> new StoreStatus.Pending(kind, a.endpoint(), a.count() + 1, a.oldest() == null || (b.oldest() != null
                        && b.oldest().isBefore(a.oldest())) ? b.oldest() : a.oldest()));
    }

    @Override
    public java.util.Set<Integer> owners() {
        return store.withTables(tables -> {
            java.util.Set<Integer> owners = new java.util.TreeSet<>();
            tables.incoming.values().stream().filter(row -> row.status() == Status.INCOMING).forEach(row -> owners.add(row.owner()));
            tables.outgoing.values().forEach(row -> owners.add(row.owner()));
            owners.remove(0);
            return owners;
        });
    }

    @Override
    public int releaseAll() {
        return store.withTables(tables -> {
            List<IncomingRow> incoming = tables.incoming.values().stream()
                    .filter(row -> row.owner() != 0 && row.status() != Status.HANDLED).map(row -> row.owned(0)).toList();
            incoming.forEach(row -> tables.incoming.put(row.id(), row));
            List<OutgoingRow> outgoing = tables.outgoing.values().stream().filter(row -> row.owner() != 0)
                    .map(row -> row.owned(0, row.attempts())).toList();
            outgoing.forEach(row -> tables.outgoing.put(row.id(), row));
            return incoming.size() + outgoing.size();
        });
    }

    @Override
    public Page<AuditEntry> audit(PageRequest page) {
        return store.withTables(tables -> page.slice(tables.audit, AuditEntry::position));
    }

    @Override
    public void clearAll() {
        store.withTables(tables -> {
            tables.clear();
            return null;
        });
    }
}
