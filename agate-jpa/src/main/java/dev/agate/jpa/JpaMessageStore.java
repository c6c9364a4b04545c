package dev.agate.jpa;

import dev.agate.AgateException;
import dev.agate.spi.ForwardingMessageStore;
import dev.agate.spi.MessageStore;
import dev.agate.spi.StoreTransaction;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import java.sql.Connection;
import java.util.Objects;
import java.util.Set;
import org.hibernate.Session;
import org.hibernate.SessionFactory;

/**
 * A JDBC message store whose handler transactions are JPA transactions, so that a durable handler may take
 * an {@link EntityManager} (or a Hibernate {@link Session}) and have its entity changes, the mark that its
 * envelope was handled and what it sends commit together, or not at all:
 *
 * <pre>{@code
 * MessageStore store = JpaMessageStore.of(JdbcMessageStore.builder(dataSource, jdbcUrl).build(), entityManagerFactory);
 * AgateHost host = AgateHost.builder().store(store).handler(new Accounts()).durableLocalQueues().start();
 *
 * class Accounts {
 *     @Handler
 *     void on(Deposit deposit, EntityManager em) {
 *         em.find(Account.class, deposit.account()).credit(deposit.amount());
 *     }
 * }
 * }</pre>
 *
 * <p><b>Guarantee.</b> Each handling of a durable envelope runs in one resource-local transaction of a new
 * entity manager; its connection also carries the store's writes. The handled mark is checked against this
 * node's ownership before the commit: when another node took the envelope over, or it was handled already,
 * everything rolls back, so the handler's effects on this database happen once even when the envelope is
 * delivered twice. Do not commit, roll back or close the entity manager a handler is given: the store flushes
 * and commits it after the handlers return, and closes it.
 *
 * <p><b>Everything else</b> (inbox, outbox, dead letters, nodes, the outbox of an application's own
 * transaction) is the wrapped store's. Both must reach the same database: {@link #start()} checks it.
 * Hibernate ORM only. Thread-safe. The entity manager factory is the application's: {@link #close()}
 * closes the wrapped store, not the factory.
 */
public final class JpaMessageStore extends ForwardingMessageStore {
    private final MessageStore store;
    private final EntityManagerFactory entityManagerFactory;
    private final String description;

    private JpaMessageStore(MessageStore store, EntityManagerFactory entityManagerFactory) {
        super(store);
        this.store = store;
        this.entityManagerFactory = entityManagerFactory;
        this.description = "JPA on " + store.description();
    }

    /**
     * Wraps {@code store}, a JDBC store (such as agate-jdbc's {@code JdbcMessageStore}), whose handler
     * transactions become those of {@code entityManagerFactory}, which must be Hibernate's, with
     * resource-local transactions, on the store's database. The host starts and closes the result.
     *
     * @throws IllegalArgumentException when the factory is not Hibernate's
     */
    public static JpaMessageStore of(MessageStore store, EntityManagerFactory entityManagerFactory) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(entityManagerFactory, "entityManagerFactory");
        try {
            entityManagerFactory.unwrap(SessionFactory.class);
        } catch (PersistenceException e) {
            throw new IllegalArgumentException("JpaMessageStore works with Hibernate ORM, and this EntityManagerFactory ("
                    + entityManagerFactory.getClass().getName() + ") is not Hibernate's: " + e.getMessage(), e);
        }
        return new JpaMessageStore(store, entityManagerFactory);
    }

    @Override
    public String description() {
        return description;
    }

    /**
     * Starts the wrapped store, then checks, in a transaction that is rolled back, that the entity manager
     * factory's connections reach the store's database.
     *
     * @throws AgateException when the store cannot start, or the factory is on another database or cannot
     *         open a resource-local transaction
     */
    @Override
    public void start() {
        store.start();
        try (EntityManager entityManager = entityManagerFactory.createEntityManager()) {
            entityManager.getTransaction().begin();
            try {
                store.enlist(entityManager.unwrap(Session.class).doReturningWork(c -> c));
            } finally {
                entityManager.getTransaction().rollback();
            }
        } catch (IllegalArgumentException | IllegalStateException | PersistenceException e) {
            throw new AgateException("the EntityManagerFactory cannot serve the message store " + store.description()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens an entity manager and begins its transaction: the unit of work of one durable handling.
     *
     * @throws AgateException when the transaction cannot begin (the database cannot be reached)
     */
    @Override
    public StoreTransaction begin() {
        return JpaTransaction.begin(entityManagerFactory, description);
    }

    /**
     * The wrapped store's {@link MessageStore#enlist}. When the application's transaction is an entity
     * manager's joined by {@link JpaOutbox}, the result also offers that entity manager, so that handlers
     * run by the outbox's {@code invoke} share it.
     */
    @Override
    public StoreTransaction enlist(Connection connection) {
        StoreTransaction enlisted = store.enlist(connection);
        Session session = JpaOutbox.joining(connection);
        return session == null ? enlisted : new EnlistedTransaction(enlisted, session);
    }

    /** A JDBC {@link Connection}, a JPA {@link EntityManager} and a Hibernate {@link Session}. */
    @Override
    public Set<Class<?>> transactionResources() {
        return Set.of(Connection.class, EntityManager.class, Session.class);
    }

    /** Closes the wrapped store; the entity manager factory stays open. */
    @Override
    public void close() {
        store.close();
    }

    @Override
    public String toString() {
        return description;
    }
}
