package dev.agate.testing;

import dev.agate.AgateException;
import dev.agate.spi.StoreTransaction;
import java.sql.Connection;
import java.util.Optional;

/**
 * A transaction of an {@link InMemoryMessageStore}: its writes wait in {@link PendingWrites} until
 * {@link #commit()} applies them all at once, and are dropped by {@link #rollback()} or {@link #close()}.
 * Used by one thread at a time, as the SPI says; the store's lock guards the rows it commits to.
 */
final class InMemoryTransaction implements StoreTransaction {
    private final InMemoryMessageStore store;
    private final PendingWrites writes;
    private volatile boolean ended;

    InMemoryTransaction(InMemoryMessageStore store, PendingWrites writes) {
        this.store = store;
        this.writes = writes;
    }

    /** The transaction as {@code store}'s own, open one. */
    static InMemoryTransaction of(StoreTransaction transaction, InMemoryMessageStore store) {
        if (!(transaction instanceof InMemoryTransaction own) || own.store != store) {
            throw new AgateException(store + " was handed a transaction of another store: " + transaction);
        }
        if (own.ended) {
            throw new IllegalStateException("the transaction has ended");
        }
        return own;
    }

    PendingWrites writes() {
        return writes;
    }

    /** Always empty: there is no database to join. */
    @Override
    public Optional<Connection> connection() {
        return Optional.empty();
    }

    @Override
    public void commit() {
        if (ended) {
            throw new IllegalStateException("the transaction has ended");
        }
        ended = true;
        try {
            store.commit(writes);
        } catch (AgateException e) {
            writes.discard();
            throw new AgateException("committing a transaction failed on " + store + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void rollback() {
        ended = true;
        writes.discard();
    }

    @Override
    public void close() {
        rollback();
    }

    @Override
    public String toString() {
        return "transaction on " + store + (ended ? " (ended)" : "");
    }
}
