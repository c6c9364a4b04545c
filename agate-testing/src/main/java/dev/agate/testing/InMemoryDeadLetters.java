package dev.agate.testing;

import dev.agate.ActionResult;
import dev.agate.AgateException;
import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.Envelope;
import dev.agate.EnvelopeEdit;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.Uuid7;
import dev.agate.spi.DeadLetterStore;
import dev.agate.spi.StoreTransaction;
import dev.agate.testing.InMemoryTables.DeadRow;
import dev.agate.testing.InMemoryTables.IncomingRow;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The dead letters of an {@link InMemoryMessageStore}. A move and an action each happen under the store's
 * lock, so an action is atomic (one batch, whatever its size) and two replays of one letter put it back once.
 * A replayed letter is kept, marked. A dead letter without an endpoint has nowhere to be replayed to: replay
 * leaves it where it is.
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
    public Page<DeadLetter> query(DeadLetterFilter filter, PageRequest page) {
        return store.withTables(tables -> page.slice(matching(tables, filter), DeadLetter::position));
    }

    @Override
    public long count(DeadLetterFilter filter) {
        return store.withTables(tables -> (long) matching(tables, filter).size());
    }

    @Override
    public Optional<DeadLetter> find(UUID id) {
        return store.withTables(tables -> Optional.ofNullable(tables.deadLetters.get(id)).map(DeadRow::letter));
    }

    @Override
    public ActionResult replay(DeadLetterFilter filter, String actor, Instant now) {
        AuditEntry.checkActor(actor);
        return store.withTables(tables -> {
            int replayed = 0;
            int skipped = 0;
            for (DeadLetter letter : matching(tables, filter)) {
                if (letter.isReplayed() || !letter.isReplayable()) {
                    skipped++;
                    continue;
                }
                putBack(tables, letter, letter.envelope(), new DeadLetter.Replay(now, actor, letter.id()));
                replayed++;
            }
            tables.audit(now, actor, AuditEntry.Action.DEAD_LETTERS_REPLAY, filter.toString(), null, replayed);
            return ActionResult.of(replayed, skipped);
        });
    }

    @Override
    public ActionResult delete(DeadLetterFilter filter, String actor, Instant now) {
        AuditEntry.checkActor(actor);
        return store.withTables(tables -> {
            List<DeadLetter> deleted = matching(tables, filter);
            deleted.forEach(letter -> tables.deadLetters.remove(letter.id()));
            tables.audit(now, actor, AuditEntry.Action.DEAD_LETTERS_DELETE, filter.toString(), null, deleted.size());
            return ActionResult.of(deleted.size(), 0);
        });
    }

    @Override
    public ActionResult replayEdited(UUID id, EnvelopeEdit edit, String actor, Instant now) {
        AuditEntry.checkActor(actor);
        return store.withTables(tables -> {
            DeadRow row = tables.deadLetters.get(id);
            ActionResult result;
            String detail = null;
            if (row == null) {
                result = ActionResult.of(0, 0);
            } else if (row.letter().isReplayed() || !row.letter().isReplayable()) {
                result = new ActionResult(0, 1, row.letter().isReplayed() ? row.letter().replay().envelopeId() : null);
            } else {
                UUID newId = Uuid7.next();
                putBack(tables, row.letter(), edit.applyTo(row.letter().envelope(), newId), new DeadLetter.Replay(now, actor, newId));
                result = new ActionResult(1, 0, newId);
                detail = "as " + newId + ": " + edit.describe();
            }
            tables.audit(now, actor, AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, DeadLetterFilter.ids(id).toString(), detail, result.touched());
            return result;
        });
    }

    /**
     * Puts {@code envelope} into the inbox at the letter's endpoint, incoming and unowned: attempts start over and an
     * old expiry or scheduled time no longer applies (a person decided to try again now); marks the letter.
     */
    private static void putBack(InMemoryTables tables, DeadLetter letter, Envelope envelope, DeadLetter.Replay mark) {
        Envelope fresh = envelope.toBuilder().attempts(0).deliverBy(null).scheduledTime(null).build();
        IncomingRow row = IncomingRow.received(fresh, letter.endpoint(), 0, letter.failedAt());
        tables.incoming.put(row.id(), row);
        DeadRow dead = tables.deadLetters.get(letter.id());
        tables.deadLetters.put(letter.id(), new DeadRow(letter.replayed(mark), dead.expiresAt()));
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

    /** The letters {@code filter} matches, oldest first. */
    private static List<DeadLetter> matching(InMemoryTables tables, DeadLetterFilter filter) {
        return tables.deadLetters.values().stream().sorted(DeadRow.OLDEST_FIRST).map(DeadRow::letter).filter(filter::matches).toList();
    }
}
