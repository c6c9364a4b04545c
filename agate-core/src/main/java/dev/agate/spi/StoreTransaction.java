package dev.agate.spi;

import java.sql.Connection;
import java.util.Optional;

/**
 * One open transaction of a {@link MessageStore}: what a durable handler's own changes, the mark that
 * its envelope was handled, and its durable cascades are written in, so they commit or roll back
 * together. Opened by {@link MessageStore#begin()}; used by one thread at a time; ended by exactly one
 * {@link #commit()} or {@link #rollback()}, or by {@link #close()}, which rolls back what was not committed.
 */
public interface StoreTransaction extends AutoCloseable {

    /** The JDBC connection of the transaction, for stores on a relational database; empty otherwise. */
    Optional<Connection> connection();

    /**
     * The transaction seen as {@code type}, for a handler that asked for it: its {@link Connection} by
     * default; a JPA store's transaction also offers its {@code EntityManager}. Empty when it has no such view.
     */
    default <T> Optional<T> resource(Class<T> type) {
        return type == Connection.class ? connection().map(type::cast) : Optional.empty();
    }

    /**
     * Throws when the transaction can no longer commit, although a commit would not say so: PostgreSQL,
     * after an error inside a transaction, answers its COMMIT with a silent rollback. Called before the
     * commit of an application's transaction, whose messages must not go out if its writes did not stay.
     * Default: nothing to check.
     *
     * @throws dev.agate.AgateException when the transaction can only be rolled back
     */
    default void checkCommittable() {
    }

    /**
     * Asks that the next write of envelopes in this transaction ({@link Inbox#store} or {@link Outbox#store})
     * carry the transaction's COMMIT, sent in the same round trip, where the store can (PostgreSQL). True when it
     * will: once that write has returned, the transaction is committed, and {@link #commit()} only ends it. When
     * that write fails, the COMMIT may or may not have happened, as when a COMMIT fails. Asked by an outbox that
     * commits itself, just before its last write. Default: false, and nothing changes.
     */
    default boolean commitWithNextWrite() {
        return false;
    }

    /**
     * Makes the transaction's writes durable and ends it.
     *
     * @throws dev.agate.AgateException when the commit fails; nothing of the transaction was written
     */
    void commit();

    /** Undoes the transaction's writes and ends it; never throws (a failed rollback is logged). */
    void rollback();

    /** Rolls back unless committed, and gives the connection back. Idempotent. */
    @Override
    void close();
}
