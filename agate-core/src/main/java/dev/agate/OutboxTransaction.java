package dev.agate;

import java.sql.Connection;

/**
 * A bus whose sends belong to the application's own database transaction: the transactional outbox.
 * Opened by {@link AgateHost#outbox(Connection)}, or for a block by {@link AgateHost#inTransaction}.
 *
 * <pre>{@code
 * connection.setAutoCommit(false);
 * try (OutboxTransaction outbox = host.outbox(connection)) {
 *     insertOrder(connection, order);
 *     outbox.send(new OrderPlaced(order.id()));
 *     outbox.commit();
 * }
 * }</pre>
 *
 * <p><b>Guarantee.</b> A send to a durable endpoint, or a message scheduled for later, is written to the
 * message store's tables on the application's connection when {@code send} is called, so it commits or
 * rolls back with the application's writes. (In the block of {@link AgateHost#inTransaction}, which commits
 * through its outbox, it is written at the commit instead: see there.) Nothing leaves the process before the commit: after it, the
 * messages are handed to their endpoints at once; if the process dies in between, the rows are there and
 * the durability agent of this or another node delivers them. A send to a buffered or inline endpoint is
 * held in memory and delivered after the commit (it is not durable: a crash right after the commit loses
 * it). On rollback nothing is sent and no row is left.
 *
 * <p><b>Ending.</b> End it with {@link #commit()} or {@link #rollback()}, which end the connection's
 * transaction too. {@link #close()} rolls back what was not committed, so a block that throws sends
 * nothing. Commit through this object, not the connection: the messages of a connection committed behind
 * its back still go out, but only when the durability agent finds them. A transaction that is dropped
 * without being ended or closed is reported in the log, with where it was opened.
 *
 * <p><b>Frameworks that commit themselves</b> (Spring, Hibernate) call {@link #beforeCommit()} before
 * they commit, and {@link #afterCommit()} or {@link #afterRollback()} when their transaction ends, instead
 * of {@code commit()} or {@code rollback()}.
 *
 * <p><b>Threads.</b> Use it on one thread, while its transaction is open. {@link #invoke(Object)} runs the
 * handlers on that thread in the same transaction: their connection is this one.
 */
public interface OutboxTransaction extends MessageBus, AutoCloseable {

    /** The application's connection that this outbox writes on. */
    Connection connection();

    /**
     * Commits the connection's transaction, then hands the messages to their endpoints.
     *
     * @throws AgateException when the transaction cannot commit (PostgreSQL aborted it after an error in
     *         it; a nested handling could not be undone; the host has closed): it was rolled back and nothing
     *         is sent. Also when the commit itself failed: then nothing buffered is sent, and the durable
     *         messages go out only if the database did commit after all (a driver may report a failure after
     *         the commit worked), found by the durability agent
     * @throws IllegalStateException when the transaction has ended already
     */
    void commit();

    /**
     * For frameworks that commit themselves: call just before committing. Throws when the transaction can
     * no longer commit (see {@link #commit()}), so that the framework rolls back instead.
     *
     * @throws AgateException when the transaction can only be rolled back
     */
    void beforeCommit();

    /** Rolls back the connection's transaction and forgets the messages. Does nothing once ended. */
    void rollback();

    /**
     * Tells the outbox that the framework owning the connection has committed it: the messages are handed
     * to their endpoints. Never throws (what cannot be delivered now waits in the store or is logged).
     */
    void afterCommit();

    /** Tells the outbox that the framework owning the connection has rolled it back: nothing is sent. */
    void afterRollback();

    /** Rolls back unless the transaction was committed. Does not close the connection. Idempotent. */
    @Override
    void close();
}
