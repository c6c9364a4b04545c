package dev.agate.console.internal;

import dev.agate.StoreStatus;
import dev.agate.spi.MessageStore;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@link ConsoleStore} over a message store's operator API. */
public final class StoreConsole implements ConsoleStore {
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

    // PENDING: the dead-letter query API of issue 20, being built on branch ops.
    @Override
    public Page<Letter> deadLetters(Filter filter, String cursor, int limit) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public long count(Filter filter) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public Optional<Letter> deadLetter(UUID id) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public int replay(Filter filter, String user) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public int replay(UUID id, String user) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public int delete(Filter filter, String user) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public int delete(UUID id, String user) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public UUID editAndReplay(UUID id, byte[] body, Map<String, String> headers, String user) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public Page<Scheduled> scheduled(ScheduledFilter filter, String cursor, int limit) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public long count(ScheduledFilter filter) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public int cancel(ScheduledFilter filter, String user) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public int cancel(UUID id, String user) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public int reschedule(ScheduledFilter filter, Instant at, String user) {
        throw new UnsupportedOperationException("pending");
    }

    @Override
    public int reschedule(UUID id, Instant at, String user) {
        throw new UnsupportedOperationException("pending");
    }
}
