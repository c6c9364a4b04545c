package dev.agate.spi;

/**
 * Where a host keeps its durable envelopes: the inbox, the outbox, the dead letters, the node registry,
 * an admin view and a leader lock, all on one database, so that one transaction spans the application's
 * writes and Agate's. Implementations are thread-safe.
 *
 * <p>Life: the host calls {@link #start()} once before anything else (connect, create or check the
 * schema), and {@link #close()} once at the end.
 */
public interface MessageStore extends AutoCloseable {

    /** What and where the store is, for logs and errors: "SQLite file /var/app/agate.db". */
    String description();

    /**
     * Connects and makes the schema ready as configured.
     *
     * @throws dev.agate.AgateException when the database cannot be reached or its schema is missing or of
     *         another version, with a message that says which
     */
    void start();

    Inbox inbox();

    Outbox outbox();

    DeadLetterStore deadLetters();

    NodeRegistry nodes();

    StoreAdmin admin();

    /** A new leader lock: each call its own, so a node holds at most the one it asked for. */
    LeaderLock leaderLock();

    /**
     * Opens a transaction, for a durable handler's unit of work.
     *
     * @throws dev.agate.AgateException when no connection can be had
     */
    StoreTransaction begin();

    /** Closes connections. Idempotent. */
    @Override
    void close();
}
