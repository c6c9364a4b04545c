package dev.agate.jdbc;

import dev.agate.AgateException;
import dev.agate.spi.StoreTransaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transaction on one pooled connection, given back to the pool when it ends; or, enlisted, the
 * application's transaction on its own connection, which is never closed here. Not thread-safe.
 */
final class JdbcTransaction implements StoreTransaction {
    private static final Logger log = LoggerFactory.getLogger(JdbcTransaction.class);

    private final Connection connection;
    private final Jdbc jdbc;
    /** True when the connection is the application's: ending the transaction leaves the connection open. */
    private final boolean enlisted;
    private boolean ended;
    /** Set by {@link #commitWithNextWrite()}; taken by the insert that carries the COMMIT. */
    private boolean commitWithWrite;

    private JdbcTransaction(Connection connection, Jdbc jdbc, boolean enlisted) {
        this.connection = connection;
        this.jdbc = jdbc;
        this.enlisted = enlisted;
    }

    /** The application's transaction on {@code connection}, already begun (auto-commit off). */
    static JdbcTransaction enlist(Connection connection, Jdbc jdbc) {
        return new JdbcTransaction(connection, jdbc, true);
    }

    static JdbcTransaction begin(Jdbc jdbc) {
        Connection connection;
        try {
            connection = jdbc.dataSource.getConnection();
        } catch (SQLException e) {
            throw jdbc.failure("opening a transaction", e);
        }
        try {
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            jdbc.discard(connection);
            throw jdbc.failure("opening a transaction", e);
        }
        return new JdbcTransaction(connection, jdbc, false);
    }

    Connection jdbcConnection() {
        if (ended) {
            throw new IllegalStateException("the transaction has ended");
        }
        return connection;
    }

    @Override
    public Optional<Connection> connection() {
        return Optional.of(jdbcConnection());
    }

    /** PostgreSQL: the next insert of envelopes ends with the COMMIT ({@link Dialect#commitsWithStatement}). */
    @Override
    public boolean commitWithNextWrite() {
        try {
            commitWithWrite = jdbc.dialect.commitsWithStatement(jdbcConnection());
        } catch (SQLException e) {
            commitWithWrite = false; // the commit finds out whether the connection is usable
        }
        return commitWithWrite;
    }

    /**
     * Whether the next write in {@code transaction} (null: one of its own, committed when it ends) ends with its
     * COMMIT; taken once. After that write {@code connection.commit()} has nothing left to send, and is still
     * called, so that a pool or wrapper in between sees the transaction end.
     */
    static boolean commitsWithWrite(StoreTransaction transaction, Jdbc jdbc, Connection connection) throws SQLException {
        if (transaction == null) {
            return jdbc.dialect.commitsWithStatement(connection);
        }
        if (transaction instanceof JdbcTransaction own && own.commitWithWrite) {
            own.commitWithWrite = false;
            return true;
        }
        return false;
    }

    @Override
    public void checkCommittable() {
        boolean aborted;
        try {
            aborted = jdbc.dialect.transactionAborted(jdbcConnection());
        } catch (SQLException e) {
            throw jdbc.failure("checking that the transaction can commit", e);
        }
        if (aborted) {
            throw new AgateException("the database aborted the transaction after an error in it (a COMMIT would roll it back"
                    + " without saying so)");
        }
    }

    @Override
    public void commit() {
        if (ended) {
            throw new IllegalStateException("the transaction has ended");
        }
        ended = true;
        boolean reusable = false;
        try {
            connection.commit();
            reusable = true;
        } catch (SQLException e) {
            Jdbc.rollbackQuietly(connection, e);
            throw jdbc.failure("committing a transaction", e);
        } finally {
            giveBack(reusable);
        }
    }

    @Override
    public void rollback() {
        if (ended) {
            return;
        }
        ended = true;
        boolean reusable = false;
        try {
            connection.rollback();
            reusable = true;
        } catch (SQLException e) {
            log.warn("rolling back a transaction on {} failed; the connection is closed, which ends it", jdbc, e);
        } finally {
            giveBack(reusable);
        }
    }

    @Override
    public void close() {
        rollback();
    }

    /** Gives the connection back to the pool, or takes it out when its state is unknown; never the application's. */
    private void giveBack(boolean reusable) {
        if (enlisted) {
            return;
        }
        if (!reusable) {
            jdbc.discard(connection);
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("closing a connection to {} failed", jdbc, e);
        }
    }

    @Override
    public String toString() {
        return (enlisted ? "application transaction on " : "transaction on ") + jdbc + (ended ? " (ended)" : "");
    }

    /**
     * The connection of any transaction that has one (this store's own, or one that an integration such as
     * Spring opened on the same database); fails clearly for a transaction without a connection.
     */
    static Connection connectionOf(StoreTransaction transaction) {
        if (transaction instanceof JdbcTransaction jdbcTransaction) {
            return jdbcTransaction.jdbcConnection();
        }
        return transaction.connection().orElseThrow(() ->
                new AgateException("a JDBC store was handed a transaction without a JDBC connection: " + transaction));
    }
}
