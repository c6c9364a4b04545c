package dev.agate.testing;

import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.ScheduledFilter;
import dev.agate.ScheduledMessage;
import dev.agate.spi.ScheduledStore;
import dev.agate.testing.InMemoryTables.IncomingRow;
import dev.agate.testing.InMemoryTables.Status;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * The scheduled envelopes of an {@link InMemoryMessageStore}. Every action runs under the store's lock, as a
 * claim of due envelopes does, so an envelope is either claimed (fired) or cancelled, never both.
 */
final class InMemoryScheduled implements ScheduledStore {
    private final InMemoryMessageStore store;

    InMemoryScheduled(InMemoryMessageStore store) {
        this.store = store;
    }

    @Override
    public Page<ScheduledMessage> query(ScheduledFilter filter, PageRequest page) {
        return store.withTables(tables -> page.slice(matching(tables, filter), ScheduledMessage::position));
    }

    @Override
    public long count(ScheduledFilter filter) {
        return store.withTables(tables -> (long) matching(tables, filter).size());
    }

    @Override
    public ActionResult cancel(ScheduledFilter filter, String actor, Instant now, Instant keepIdUntil) {
        AuditEntry.checkActor(actor);
        return store.withTables(tables -> {
            List<ScheduledMessage> cancelled = matching(tables, filter);
            cancelled.forEach(message -> tables.incoming.computeIfPresent(message.id(), (id, row) -> row.handled(keepIdUntil)));
            tables.audit(now, actor, AuditEntry.Action.SCHEDULED_CANCEL, filter.toString(), null, cancelled.size());
            return ActionResult.of(cancelled.size(), 0);
        });
    }

    @Override
    public ActionResult reschedule(ScheduledFilter filter, Instant at, String actor, Instant now) {
        AuditEntry.checkActor(actor);
        return store.withTables(tables -> {
            int moved = 0;
            int skipped = 0;
            for (ScheduledMessage message : matching(tables, filter)) {
                if (message.dueAt().equals(at)) {
                    skipped++;
                } else {
                    tables.incoming.computeIfPresent(message.id(), (id, row) -> row.scheduled(at, row.attempts()));
                    moved++;
                }
            }
            tables.audit(now, actor, AuditEntry.Action.SCHEDULED_RESCHEDULE, filter.toString(), "to " + at, moved);
            return ActionResult.of(moved, skipped);
        });
    }

    private static List<ScheduledMessage> matching(InMemoryTables tables, ScheduledFilter filter) {
        return tables.incoming.values().stream().filter(row -> row.status() == Status.SCHEDULED).map(InMemoryScheduled::message)
                .filter(filter::matches).sorted((a, b) -> a.position().compareTo(b.position())).toList();
    }

    private static ScheduledMessage message(IncomingRow row) {
        return new ScheduledMessage(row.envelope(), URI.create(row.endpoint()), row.executionTime(), row.attempts());
    }
}
