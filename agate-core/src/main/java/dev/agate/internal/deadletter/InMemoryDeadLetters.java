package dev.agate.internal.deadletter;

import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.EnvelopeEdit;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.Uuid7;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters in memory, of buffered and inline endpoints (and of every endpoint of a host without a
 * store), with the audit of the actions on them: insertion-ordered and bounded; past the bound a replayed one
 * is dropped first, else the oldest, with a warning naming it. Guarded by this object's monitor. A replay marks
 * its letters under the monitor and sends them outside it, so two replays at once send each letter once, and a
 * replay that fails again can dead-letter without deadlock.
 */
final class InMemoryDeadLetters {
    private static final Logger log = LoggerFactory.getLogger(InMemoryDeadLetters.class);
    /** The most audit entries kept in memory; the oldest go first. */
    static final int AUDIT_CAPACITY = 1000;

    private final int capacity;
    private final Map<UUID, DeadLetter> letters = new LinkedHashMap<>();
    private final Deque<AuditEntry> audit = new ArrayDeque<>();

    InMemoryDeadLetters(int capacity) {
        this.capacity = capacity;
    }

    /** Adds a dead letter, over an older one of its id (replayed or not). */
    void add(DeadLetter letter) {
        DeadLetter dropped = null;
        synchronized (this) {
            letters.remove(letter.id()); // a letter that failed again goes to the end, as the newest
            letters.put(letter.id(), letter);
            if (letters.size() > capacity) {
                dropped = letters.values().stream().filter(DeadLetter::isReplayed).findFirst().orElse(letters.values().iterator().next());
                letters.remove(dropped.id());
            }
        }
        if (dropped != null) {
            log.warn("in-memory dead letters are full ({}); dropped {}, envelope {} ({}) from {}: {}", capacity,
                    dropped.isReplayed() ? "a replayed one" : "the oldest", dropped.id(), dropped.envelope().messageType(),
                    dropped.endpoint(), dropped.reason());
        }
    }

    synchronized Page<DeadLetter> query(DeadLetterFilter filter, PageRequest page) {
        return page.slice(matching(filter), DeadLetter::position);
    }

    synchronized long count(DeadLetterFilter filter) {
        return matching(filter).size();
    }

    synchronized Optional<DeadLetter> find(UUID id) {
        return Optional.ofNullable(letters.get(id));
    }

    private List<DeadLetter> matching(DeadLetterFilter filter) {
        return letters.values().stream().filter(filter::matches).toList();
    }

    /**
     * Deletes the matching letters; audited when it found some or {@code alwaysAudited} (a host without a store, whose
     * store did not write the action's entry).
     */
    ActionResult delete(DeadLetterFilter filter, String actor, Instant now, boolean alwaysAudited) {
        int deleted;
        synchronized (this) {
            List<DeadLetter> chosen = matching(filter);
            chosen.forEach(letter -> letters.remove(letter.id()));
            deleted = chosen.size();
        }
        if (alwaysAudited || deleted > 0) {
            record(now, actor, AuditEntry.Action.DEAD_LETTERS_DELETE, filter.toString(), null, deleted);
        }
        return ActionResult.of(deleted, 0);
    }

    /**
     * Marks the matching letters not replayed yet, then hands each to {@code replayer}; audited. What fails to
     * replay is unmarked again (unless it failed anew meanwhile), and the failure is thrown. Audited as {@link #delete}.
     */
    ActionResult replay(DeadLetterFilter filter, String actor, Instant now, Consumer<DeadLetter> replayer, boolean alwaysAudited) {
        List<DeadLetter> chosen = new ArrayList<>();
        List<DeadLetter> marked = new ArrayList<>();
        int skipped = 0;
        synchronized (this) {
            for (DeadLetter letter : matching(filter)) {
                if (letter.isReplayed() || !letter.isReplayable()) {
                    skipped++;
                    continue;
                }
                DeadLetter mark = letter.replayed(new DeadLetter.Replay(now, actor, letter.id()));
                letters.put(letter.id(), mark);
                chosen.add(letter);
                marked.add(mark);
            }
        }
        int[] sent = {0};
        try {
            send(chosen, marked, replayer, sent);
        } finally {
            if (alwaysAudited || !chosen.isEmpty() || skipped > 0) {
                record(now, actor, AuditEntry.Action.DEAD_LETTERS_REPLAY, filter.toString(), null, sent[0]);
            }
        }
        return ActionResult.of(sent[0], skipped);
    }

    /** Sends the edited envelope of one letter as a new one, and marks the letter replayed as it. Audited as {@link #delete}. */
    ActionResult replayEdited(UUID id, EnvelopeEdit edit, String actor, Instant now, Consumer<DeadLetter> replayer, boolean alwaysAudited) {
        DeadLetter letter;
        DeadLetter mark;
        UUID newId = Uuid7.next();
        String selection = DeadLetterFilter.ids(id).toString();
        synchronized (this) {
            letter = letters.get(id);
            if (letter == null) {
                if (alwaysAudited) {
                    record(now, actor, AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, selection, null, 0);
                }
                return ActionResult.of(0, 0);
            }
            if (letter.isReplayed() || !letter.isReplayable()) {
                record(now, actor, AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, selection, null, 0);
                return new ActionResult(0, 1, letter.isReplayed() ? letter.replay().envelopeId() : null);
            }
            mark = letter.replayed(new DeadLetter.Replay(now, actor, newId));
            letters.put(id, mark);
        }
        DeadLetter edited = new DeadLetter(edit.applyTo(letter.envelope(), newId), letter.endpoint(), letter.reason(), letter.exceptionType(),
                letter.exceptionMessage(), letter.stackTrace(), 0, letter.failedAt());
        send(List.of(edited), List.of(mark), replayer, new int[1]);
        record(now, actor, AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, selection, "as " + newId + ": " + edit.describe(), 1);
        return new ActionResult(1, 0, newId);
    }

    /**
     * Sends each letter, counting in {@code sent}; on a failure unmarks the rest (those still carrying this
     * replay's mark) and throws.
     */
    private void send(List<DeadLetter> chosen, List<DeadLetter> marked, Consumer<DeadLetter> replayer, int[] sent) {
        for (int i = 0; i < chosen.size(); i++) {
            try {
                replayer.accept(chosen.get(i));
                sent[0]++;
            } catch (RuntimeException e) {
                synchronized (this) {
                    for (int j = i; j < chosen.size(); j++) {
                        DeadLetter mark = marked.get(j);
                        letters.computeIfPresent(mark.id(), (id, current) -> current == mark
                                ? mark.replayed(null) : current);
                    }
                }
                throw e;
            }
        }
    }

    synchronized Page<AuditEntry> audit(PageRequest page) {
        return page.slice(List.copyOf(audit), AuditEntry::position);
    }

    private synchronized void record(Instant now, String actor, AuditEntry.Action action, String selection, String detail, int touched) {
        audit.addLast(new AuditEntry(Uuid7.next(), now, actor, action, selection, detail, touched));
        if (audit.size() > AUDIT_CAPACITY) {
            audit.removeFirst();
        }
    }

}
