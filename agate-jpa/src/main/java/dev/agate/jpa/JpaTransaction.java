package dev.agate.jpa;

import dev.agate.AgateException;
import dev.agate.spi.StoreTransaction;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import java.sql.Connection;
import java.util.Optional;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable handling's unit of work: a new entity manager and its resource-local transaction. Its JDBC
 * connection, the one Hibernate holds for the transaction, carries the store's writes (the handled mark, the
 * cascades), so they commit with the entities. Ending it, either way, closes the entity manager. Not
 * thread-safe: one handling's thread.
 */
final class JpaTransaction implements StoreTransaction {
    private static final Logger log = LoggerFactory.getLogger(JpaTransaction.class);

    private final Session session;
    private final String store;
    private Connection connection;
    private boolean ended;

    private JpaTransaction(Session session, String store) {
        this.session = session;
        this.store = store;
    }

    static JpaTransaction begin(EntityManagerFactory factory, String store) {
        EntityManager entityManager = factory.createEntityManager();
        try {
            entityManager.getTransaction().begin();
            return new JpaTransaction(entityManager.unwrap(Session.class), store);
        } catch (RuntimeException e) {
            closeQuietly(entityManager, e);
            throw new AgateException("opening a transaction failed on " + store + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Connection> connection() {
        requireOpen();
        if (connection == null) {
            connection = session.doReturningWork(c -> c);
        }
        return Optional.of(connection);
    }

    /** The connection, or the entity manager as an {@link EntityManager}, a {@link Session} or any type it has. */
    @Override
    public <T> Optional<T> resource(Class<T> type) {
        if (type == Connection.class) {
            return connection().map(type::cast);
        }
        requireOpen();
        return type.isInstance(session) ? Optional.of(type.cast(session)) : Optional.empty();
    }

    /**
     * Flushes the handler's entities before the handled mark is written: a constraint they break is the
     * handler's failure (counted, under the error policies), not a store outage retried without end.
     */
    @Override
    public void checkCommittable() {
        requireOpen();
        try {
            session.flush();
        } catch (RuntimeException e) {
            throw new AgateException("writing the handler's entities failed: " + e.getMessage(), e);
        }
    }

    /** Flushes the entities, commits and closes the entity manager. */
    @Override
    public void commit() {
        requireOpen();
        ended = true;
        try {
            session.flush();
            session.getTransaction().commit();
        } catch (RuntimeException e) {
            rollbackQuietly(e);
            throw new AgateException("committing a transaction failed on " + store + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(session, null);
        }
    }

    @Override
    public void rollback() {
        if (ended) {
            return;
        }
        ended = true;
        try {
            rollbackQuietly(null);
        } finally {
            closeQuietly(session, null);
        }
    }

    @Override
    public void close() {
        rollback();
    }

    private void requireOpen() {
        if (ended) {
            throw new IllegalStateException("the transaction has ended");
        }
    }

    /** Rolls back if Hibernate still has the transaction open (a failed commit may have ended it); logs a failure. */
    private void rollbackQuietly(Throwable cause) {
        try {
            EntityTransaction transaction = session.getTransaction();
            if (transaction.isActive()) {
                transaction.rollback();
            }
        } catch (RuntimeException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                log.warn("rolling back a transaction on {} failed; closing its entity manager gives the connection back", store, e);
            }
        }
    }

    private static void closeQuietly(EntityManager entityManager, Throwable cause) {
        try {
            entityManager.close();
        } catch (RuntimeException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                log.warn("closing an entity manager failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "JPA transaction on " + store + (ended ? " (ended)" : "");
    }
}
