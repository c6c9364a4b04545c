package dev.agate.testing;

import dev.agate.spi.StoreAdmin;
import dev.agate.testing.InMemoryTables.IncomingRow;
import dev.agate.testing.InMemoryTables.OutgoingRow;
import dev.agate.testing.InMemoryTables.Status;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counts, a release of everything and a clear-out, over the rows of an {@link InMemoryMessageStore}. */
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
                    byStatus[Status.HANDLED.ordinal()], tables.outgoing.size(), tables.deadLetters.size(),
                    incomingByOwner, outgoingByOwner);
        });
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
    public void clearAll() {
        store.withTables(tables -> {
            tables.clear();
            return null;
        });
    }
}
