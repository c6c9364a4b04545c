package dev.agate.console.internal;

import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.StoreStatus;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the console reads and does, over a message store: one place that knows the store's operator API, so
 * the pages only know these words. Every action is done by the store in bounded batches and audited there,
 * with {@code user}.
 */
public interface ConsoleStore {

    /** What waits per endpoint, the nodes and the leader, dead letters by type and exception. */
    StoreStatus status();

    /** A filter over dead letters; null fields match everything. */
    record Filter(String messageType, String exceptionType, String messageText, URI endpoint, Instant since, Instant until,
                  Boolean replayed) {
        static final Filter ALL = new Filter(null, null, null, null, null, null, null);
    }

    /** One page, the total that matches the filter, and the cursor of the next page (null at the end). */
    record Page<T>(List<T> items, long total, String next) {
    }

    /** A dead letter, and whether (when, by whom, as which envelope) it was replayed. */
    record Letter(DeadLetter letter, Instant replayedAt, String replayedBy, UUID replacedBy) {
        static Letter of(DeadLetter letter) {
            DeadLetter.Replay replay = letter.replay();
            return replay == null ? new Letter(letter, null, null, null)
                    : new Letter(letter, replay.at(), replay.by(), replay.envelopeId().equals(letter.id()) ? null : replay.envelopeId());
        }

        boolean replayed() {
            return replayedAt != null;
        }
    }

    Page<Letter> deadLetters(Filter filter, String cursor, int limit);

    /** How many match, for a confirmation. */
    long count(Filter filter);

    Optional<Letter> deadLetter(UUID id);

    /** Replays those that match and were not replayed; returns how many it replayed. */
    int replay(Filter filter, String user);

    int replay(UUID id, String user);

    int delete(Filter filter, String user);

    int delete(UUID id, String user);

    /** Sends an edited copy of a dead letter as a new envelope; returns its id. The original is kept, marked. */
    UUID editAndReplay(UUID id, byte[] body, Map<String, String> headers, String user);

    /** A filter over scheduled envelopes; null fields match everything. */
    record ScheduledFilter(String messageType, URI endpoint, Instant dueFrom, Instant dueUntil) {
        static final ScheduledFilter ALL = new ScheduledFilter(null, null, null, null);
    }

    /** A scheduled envelope and the endpoint it will be handled at. */
    record Scheduled(Envelope envelope, URI endpoint) {
    }

    Page<Scheduled> scheduled(ScheduledFilter filter, String cursor, int limit);

    long count(ScheduledFilter filter);

    int cancel(ScheduledFilter filter, String user);

    int cancel(UUID id, String user);

    /** Moves the matching scheduled envelopes to {@code at} (now, to run them at once). */
    int reschedule(ScheduledFilter filter, Instant at, String user);

    int reschedule(UUID id, Instant at, String user);

    /** The audit of operators' actions, newest first. */
    Page<dev.agate.AuditEntry> audit(String cursor, int limit);
}
