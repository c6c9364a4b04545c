package dev.agate.console.internal;

import dev.agate.ActionResult;
import dev.agate.DeadLetterFilter;
import dev.agate.Durability;
import dev.agate.EnvelopeEdit;
import dev.agate.PageRequest;
import dev.agate.ScheduledMessage;
import dev.agate.StoreStatus;
import dev.agate.spi.MessageStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link ConsoleStore} over a message store's operator SPI ({@code DeadLetterStore}, {@code ScheduledStore},
 * {@code StoreAdmin}): the store filters, pages, counts and acts in bounded batches, and audits every action
 * with the console's user.
 */
public final class StoreConsole implements ConsoleStore {
    /** How long the id of a cancelled scheduled envelope stays known, so a resend of it is a duplicate: the hosts' default. */
    private static final java.time.Duration KEEP_CANCELLED_ID = Durability.defaults().deduplicationHorizon();

    private final MessageStore store;
    private final Clock clock;

    public StoreConsole(MessageStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public StoreStatus status() {
        return store.admin().status();
    }

    private static DeadLetterFilter filter(Filter f) {
        return DeadLetterFilter.builder().messageType(f.messageType()).exceptionType(f.exceptionType()).exceptionMessage(f.messageText())
                .endpoint(f.endpoint()).since(f.since()).until(f.until()).replayed(f.replayed()).build();
    }

    @Override
    public Page<Letter> deadLetters(Filter filter, String cursor, int limit) {
        PageRequest request = cursor == null ? PageRequest.newestFirst(limit) : PageRequest.after(cursor, limit);
        dev.agate.Page<dev.agate.DeadLetter> page = store.deadLetters().query(filter(filter), request);
        return new Page<>(page.items().stream().map(Letter::of).toList(), page.total(), page.nextCursor());
    }

    @Override
    public long count(Filter filter) {
        return store.deadLetters().count(filter(filter));
    }

    @Override
    public Optional<Letter> deadLetter(UUID id) {
        return store.deadLetters().find(id).map(Letter::of);
    }

    @Override
    public int replay(Filter filter, String user) {
        return store.deadLetters().replay(filter(filter), user, clock.instant()).touched();
    }

    @Override
    public int replay(UUID id, String user) {
        return store.deadLetters().replay(DeadLetterFilter.ids(id), user, clock.instant()).touched();
    }

    @Override
    public int delete(Filter filter, String user) {
        return store.deadLetters().delete(filter(filter), user, clock.instant()).touched();
    }

    @Override
    public int delete(UUID id, String user) {
        return store.deadLetters().delete(DeadLetterFilter.ids(id), user, clock.instant()).touched();
    }

    @Override
    public UUID editAndReplay(UUID id, byte[] body, Map<String, String> headers, String user) {
        EnvelopeEdit.Builder edit = EnvelopeEdit.builder().body(body);
        headers.forEach(edit::header);
        ActionResult result = store.deadLetters().replayEdited(id, edit.build(), user, clock.instant());
        if (result.envelopeId() == null) {
            throw new IllegalStateException("dead letter " + id + " is gone, or has no endpoint to replay it to");
        }
        return result.envelopeId();
    }

    private static dev.agate.ScheduledFilter filter(ScheduledFilter f) {
        return dev.agate.ScheduledFilter.builder().messageType(f.messageType()).endpoint(f.endpoint()).dueSince(f.dueFrom())
                .dueUntil(f.dueUntil()).build();
    }

    @Override
    public Page<Scheduled> scheduled(ScheduledFilter filter, String cursor, int limit) {
        PageRequest request = cursor == null ? PageRequest.first(limit) : PageRequest.after(cursor, limit);
        dev.agate.Page<ScheduledMessage> page = store.scheduled().query(filter(filter), request);
        return new Page<>(page.items().stream().map(m -> new Scheduled(m.envelope().withScheduledTime(m.dueAt()).withAttempts(m.attempts()),
                m.endpoint())).toList(), page.total(), page.nextCursor());
    }

    @Override
    public long count(ScheduledFilter filter) {
        return store.scheduled().count(filter(filter));
    }

    @Override
    public int cancel(ScheduledFilter filter, String user) {
        Instant now = clock.instant();
        return store.scheduled().cancel(filter(filter), user, now, now.plus(KEEP_CANCELLED_ID)).touched();
    }

    @Override
    public int cancel(UUID id, String user) {
        Instant now = clock.instant();
        return store.scheduled().cancel(dev.agate.ScheduledFilter.ids(id), user, now, now.plus(KEEP_CANCELLED_ID)).touched();
    }

    @Override
    public int reschedule(ScheduledFilter filter, Instant at, String user) {
        return store.scheduled().reschedule(filter(filter), at, user, clock.instant()).touched();
    }

    @Override
    public Page<dev.agate.AuditEntry> audit(String cursor, int limit) {
        PageRequest request = cursor == null ? PageRequest.newestFirst(limit) : PageRequest.after(cursor, limit);
        dev.agate.Page<dev.agate.AuditEntry> page = store.admin().audit(request);
        return new Page<>(page.items(), page.total(), page.nextCursor());
    }

    @Override
    public int reschedule(UUID id, Instant at, String user) {
        return store.scheduled().reschedule(dev.agate.ScheduledFilter.ids(id), at, user, clock.instant()).touched();
    }
}
