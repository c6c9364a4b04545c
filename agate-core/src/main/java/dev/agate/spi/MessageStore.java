package dev.agate.spi;

/**
 * Where a host keeps its durable envelopes: the inbox, the outbox, the dead letters, the scheduled envelopes, the node registry,
 * and an admin view, all on one database, so that one transaction spans the application's
 * writes and Agate's. Implementations are thread-safe.
 *
 * <p>Life: the host calls {@link #start()} once before anything else (connect, create or check the
 * schema), and {@link #close()} once at the end.
 */
public interface MessageStore extends AutoCloseable {

    /** What and where the store is, for logs and errors: "SQLite file /var/app/agate.db". */
    String description();

    /**
     * Connects and makes the schema ready as configured. May block (a connect that waits for an answer):
     * the host gives up on it after its store start timeout, and then closes the store.
     *
     * @throws StoreSetupException when trying again cannot help (a refused login): the host fails its start
     *         at once
     * @throws dev.agate.AgateException for a failure that may pass (the database cannot be reached yet, its
     *         schema is missing or of another version), which the host retries until its store start timeout;
     *         the message says which
     */
    void start();

    Inbox inbox();

    Outbox outbox();

    DeadLetterStore deadLetters();

    /** The scheduled envelopes of the inbox, for a person to list, cancel and reschedule. */
    ScheduledStore scheduled();

    NodeRegistry nodes();

    StoreAdmin admin();

    /**
     * Opens a transaction, for a durable handler's unit of work.
     *
     * @throws dev.agate.AgateException when no connection can be had
     */
    StoreTransaction begin();

    /**
     * Joins a transaction the application opened on {@code connection}, for its outbox: what the host
     * writes through the returned transaction goes on that connection and commits or rolls back with the
     * application's own writes. {@link StoreTransaction#commit()} and {@link StoreTransaction#rollback()}
     * end the application's transaction; {@link StoreTransaction#close()} never closes the connection.
     *
     * @throws IllegalArgumentException when the connection cannot hold this store's writes: it is in
     *         auto-commit mode, or on another database than the store's
     * @throws UnsupportedOperationException when the store is not on a JDBC database
     */
    default StoreTransaction enlist(java.sql.Connection connection) {
        throw new UnsupportedOperationException("the message store " + description()
                + " is not on a JDBC database, so it cannot join an application's JDBC transaction");
    }

    /**
     * Whether a durable handler's transaction must be open before the handler runs, because the handler
     * finds it through its thread (as Spring's {@code @Transactional} code and repositories do) rather
     * than by asking its {@link dev.agate.MessageContext}. Default false: the transaction is opened when
     * first needed, and a handling that writes nothing to the store has its mark batched.
     */
    default boolean transactionBoundToThread() {
        return false;
    }

    /**
     * What a handler may take, besides the message, its context and its envelope, as a parameter that
     * {@link StoreTransaction#resource(Class)} supplies from its unit of work's transaction. Default: a
     * JDBC {@link java.sql.Connection}; a JPA store adds its {@code EntityManager}.
     */
    default java.util.Set<Class<?>> transactionResources() {
        return java.util.Set.of(java.sql.Connection.class);
    }

    /**
     * Whether the database runs one writing transaction at a time (SQLite). The default
     * {@link #durableQueueWorkers} then gives a durable queue whose parallelism was not set one worker: a
     * second would only wait for the write lock, and one worker takes larger batches (measured in
     * benchmarks/README.md). Default false.
     */
    default boolean singleWriter() {
        return false;
    }

    /**
     * How many workers the host gives a durable local queue whose parallelism was not set
     * ({@link dev.agate.LocalQueue#parallelismSet()}) on this store, given the queue's default
     * ({@link dev.agate.LocalQueue#DEFAULT_PARALLELISM}). A durable queue's workers spend much of their time
     * waiting on the database (each handler's statements, each batch's commit), so the best number depends
     * on the store more than on the cores. At least 1. Default: 1 when {@link #singleWriter()}, else
     * {@code queueDefault}.
     */
    default int durableQueueWorkers(int queueDefault) {
        return singleWriter() ? 1 : queueDefault;
    }

    /**
     * Whether {@code dataSource} hands out the connections this store's transactions take (it is the store's
     * pool): then {@link dev.agate.AgateHost#inTransaction} on it waits while a durable handling has waited long
     * for a connection, so that threads running transactions back to back cannot keep the handling from the pool.
     * Default false.
     */
    default boolean sharesConnections(javax.sql.DataSource dataSource) {
        return false;
    }

    /** Closes connections. Idempotent. */
    @Override
    void close();
}
