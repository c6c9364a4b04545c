package dev.agate.testing;

import dev.agate.AgateException;
import dev.agate.testing.InMemoryTables.IncomingRow;
import dev.agate.testing.InMemoryTables.OutgoingRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * The writes of one transaction, kept apart from the tables until commit: for each row id, the changes
 * made to it in order, each a function from the row as it is (null: absent) to the row as it becomes.
 * Changes are replayed on the rows as they are at commit, not copied from a snapshot, so what other
 * transactions committed meanwhile is kept. A change throws an {@link AgateException} when its condition
 * no longer holds (the owner-checked mark); then the commit writes nothing.
 *
 * <p>Inside the transaction, {@link #incoming(UUID)} and {@link #outgoing(UUID)} show the row as this
 * transaction sees it: the committed row with this transaction's changes applied. Not thread-safe: used
 * under the store's lock.
 */
final class PendingWrites {
    private final InMemoryTables tables;
    private final Map<UUID, List<UnaryOperator<IncomingRow>>> incoming = new LinkedHashMap<>();
    private final Map<UUID, List<UnaryOperator<OutgoingRow>>> outgoing = new LinkedHashMap<>();
    private final Map<UUID, InMemoryTables.DeadRow> deadLetters = new LinkedHashMap<>();

    PendingWrites(InMemoryTables tables) {
        this.tables = tables;
    }

    IncomingRow incoming(UUID id) {
        return replay(tables.incoming.get(id), incoming.get(id));
    }

    OutgoingRow outgoing(UUID id) {
        return replay(tables.outgoing.get(id), outgoing.get(id));
    }

    void changeIncoming(UUID id, UnaryOperator<IncomingRow> change) {
        incoming.computeIfAbsent(id, any -> new ArrayList<>()).add(change);
    }

    void changeOutgoing(UUID id, UnaryOperator<OutgoingRow> change) {
        outgoing.computeIfAbsent(id, any -> new ArrayList<>()).add(change);
    }

    /** Writes a dead letter (over one of the same id) with the rest of the transaction. */
    void putDeadLetter(InMemoryTables.DeadRow row) {
        deadLetters.put(row.letter().id(), row);
    }

    /**
     * Writes every change to the tables, or none.
     *
     * @throws AgateException when a change's condition no longer holds; nothing was written
     */
    void applyTo(InMemoryTables target) {
        Map<UUID, IncomingRow> newIncoming = new HashMap<>();
        incoming.forEach((id, changes) -> newIncoming.put(id, replay(target.incoming.get(id), changes)));
        Map<UUID, OutgoingRow> newOutgoing = new HashMap<>();
        outgoing.forEach((id, changes) -> newOutgoing.put(id, replay(target.outgoing.get(id), changes)));
        // Every change held: now write, which cannot fail.
        newIncoming.forEach((id, row) -> put(target.incoming, id, row));
        newOutgoing.forEach((id, row) -> put(target.outgoing, id, row));
        target.deadLetters.putAll(deadLetters);
        discard();
    }

    void discard() {
        incoming.clear();
        outgoing.clear();
        deadLetters.clear();
    }

    private static <R> R replay(R row, List<UnaryOperator<R>> changes) {
        if (changes != null) {
            for (UnaryOperator<R> change : changes) {
                row = change.apply(row);
            }
        }
        return row;
    }

    private static <R> void put(Map<UUID, R> table, UUID id, R row) {
        if (row == null) {
            table.remove(id);
        } else {
            table.put(id, row);
        }
    }
}
