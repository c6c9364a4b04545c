package dev.agate.spring;

import dev.agate.AgateException;
import dev.agate.spi.StoreTransaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;

/**
 * A handler's transaction opened by a Spring transaction manager on the thread that runs the handler.
 * Spring keeps a transaction in thread-locals, so it is ended on that thread only: ending it on another
 * thread would end whatever transaction that thread has, hence the check. Its connection (and EntityManager)
 * are looked up once, at begin, on that thread. Not thread-safe, like the transaction.
 */
final class SpringStoreTransaction implements StoreTransaction {
    private static final Logger log = LoggerFactory.getLogger(SpringStoreTransaction.class);

    private final PlatformTransactionManager transactions;
    private final TransactionStatus status;
    private final Connection connection;
    private final Class<?> entityManagerType;
    private final Object entityManager;
    private final Thread owner = Thread.currentThread();
    private boolean ended;

    private SpringStoreTransaction(PlatformTransactionManager transactions, TransactionStatus status, Connection connection,
                                   Class<?> entityManagerType, Object entityManager) {
        this.transactions = transactions;
        this.status = status;
        this.connection = connection;
        this.entityManagerType = entityManagerType;
        this.entityManager = entityManager;
    }

    static SpringStoreTransaction begin(PlatformTransactionManager transactions, TransactionDefinition definition,
                                        DataSource dataSource, JpaResources jpa) {
        TransactionStatus status;
        try {
            status = transactions.getTransaction(definition);
        } catch (RuntimeException e) {
            throw new AgateException("could not begin a transaction with " + transactions + ": " + e.getMessage(), e);
        }
        try {
            Connection connection = DataSourceUtils.getConnection(dataSource);
            if (connection.getAutoCommit()) {
                throw new IllegalStateException("the transactions of " + transactions + " hold no connection of the message"
                        + " store's DataSource " + dataSource + " (its connection is in auto-commit mode): give the store the"
                        + " DataSource that the transaction manager works on");
            }
            return new SpringStoreTransaction(transactions, status, connection,
                    jpa == null ? null : jpa.entityManagerType(), jpa == null ? null : jpa.entityManager());
        } catch (RuntimeException | SQLException e) {
            try {
                transactions.rollback(status);
            } catch (RuntimeException rollback) {
                e.addSuppressed(rollback);
            }
            throw new AgateException("could not open the connection of a transaction of " + transactions + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Connection> connection() {
        if (ended) {
            throw new IllegalStateException("the transaction has ended");
        }
        return Optional.of(connection);
    }

    @Override
    public <T> Optional<T> resource(Class<T> type) {
        if (type == Connection.class) {
            return connection().map(type::cast);
        }
        if (entityManager != null && type == entityManagerType) {
            connection(); // refuses an ended transaction
            return Optional.of(type.cast(entityManager));
        }
        return Optional.empty();
    }

    /**
     * Commits through the transaction manager. A transaction that something in it marked rollback-only (a
     * {@code @Transactional} method that threw, inside the handler) is rolled back and reported as a failure,
     * never as a commit.
     */
    /**
     * A transaction that code in the handler marked rollback-only, or whose entities cannot be written (a
     * constraint they break shows at the flush), cannot commit: the handler's failure, not the store's.
     */
    @Override
    public void checkCommittable() {
        if (status.isRollbackOnly()) {
            throw new AgateException("the handler's transaction was marked rollback-only by code that ran in it");
        }
        try {
            status.flush();
        } catch (RuntimeException e) {
            throw new AgateException("writing the handler's changes failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void commit() {
        if (ended) {
            throw new IllegalStateException("the transaction has ended");
        }
        checkThread("commit");
        ended = true;
        if (status.isRollbackOnly()) {
            rollbackQuietly();
            throw new AgateException("the handler's transaction was marked rollback-only by code that ran in it, and was rolled back");
        }
        try {
            transactions.commit(status);
        } catch (RuntimeException e) {
            throw new AgateException("committing the handler's transaction with " + transactions + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void rollback() {
        if (ended) {
            return;
        }
        ended = true;
        if (Thread.currentThread() != owner) {
            // Spring would roll back this thread's transaction, not this one: leave it to its thread's end.
            log.error("a Spring transaction of thread {} was asked to roll back on thread {}; not done", owner.getName(),
                    Thread.currentThread().getName(), new IllegalStateException("rollback on another thread"));
            return;
        }
        rollbackQuietly();
    }

    private void rollbackQuietly() {
        try {
            transactions.rollback(status);
        } catch (RuntimeException e) {
            log.warn("rolling back a handler's transaction with {} failed", transactions, e);
        }
    }

    @Override
    public void close() {
        rollback();
    }

    private void checkThread(String what) {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a Spring transaction begun on thread " + owner.getName() + " must " + what
                    + " on that thread, not on " + Thread.currentThread().getName());
        }
    }

    @Override
    public String toString() {
        return "Spring transaction of " + owner.getName() + " by " + transactions.getClass().getSimpleName() + (ended ? " (ended)" : "");
    }
}
