package dev.agate.jpa;

import dev.agate.AgateHost;
import dev.agate.MessageBus;
import dev.agate.OutboxTransaction;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import java.sql.Connection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.hibernate.Session;

/**
 * The transactional outbox inside an {@link EntityManager}'s transaction: what is sent through it commits
 * or rolls back with the entities.
 *
 * <pre>{@code
 * em.getTransaction().begin();
 * em.persist(order);
 * JpaOutbox.join(host, em).send(new OrderPlaced(order.id()));
 * em.getTransaction().commit();   // the order and the message, together
 * }</pre>
 *
 * <p><b>Guarantee.</b> The bus writes durable sends (and messages scheduled for later) on the JDBC
 * connection of the entity manager's current transaction when {@code send} is called, so they commit with
 * the entities or not at all. After Hibernate commits, the messages are handed to their endpoints; if the
 * process dies in between, the durability agent finds the rows. A rollback, or a commit that fails, sends
 * nothing and leaves no row. Buffered and inline sends wait in memory for the commit (see
 * {@link OutboxTransaction}). The entity manager must reach the host's message store's database.
 *
 * <p><b>Ending.</b> Commit or roll back through the entity manager, as usual: the bus learns of it from a
 * synchronization registered on Hibernate's transaction. There is nothing to close. An entity manager closed
 * while its transaction is still open (or after its commit failed) ends the bus too, sending nothing.
 *
 * <p><b>Threads.</b> Use the bus like the entity manager: on one thread, while the transaction is open.
 * {@link MessageBus#invoke(Object)} runs the handlers there, in this transaction; with a
 * {@link JpaMessageStore} a handler that takes an {@code EntityManager} is given this one.
 *
 * <p>Hibernate ORM, resource-local transactions ({@code em.getTransaction()}); not JTA.
 */
public final class JpaOutbox {
    /** Each session's outbox, for a second join in the same transaction. Weak: a session is forgotten once dropped. */
    private static final Map<Session, JoinedOutbox> JOINED = Collections.synchronizedMap(new WeakHashMap<>());
    /** The session whose outbox this thread is opening, for {@link JpaMessageStore#enlist}. */
    private static final ThreadLocal<Session> JOINING = new ThreadLocal<>();

    private JpaOutbox() {
    }

    /**
     * The outbox of {@code entityManager}'s current transaction, opened on the first call and the same for
     * every later call in that transaction. Does not block beyond what Hibernate needs to hand out the
     * transaction's connection.
     *
     * @throws IllegalStateException when the entity manager has no active transaction, when its transaction
     *         already has the outbox of another host, or when the host has no message store
     * @throws IllegalArgumentException when the entity manager is not Hibernate's, or its connection cannot
     *         hold the store's writes (on another database than the store's)
     * @throws dev.agate.AgateException when the host is not running
     */
    public static MessageBus join(AgateHost host, EntityManager entityManager) {
        Objects.requireNonNull(host, "host");
        Session session = sessionOf(Objects.requireNonNull(entityManager, "entityManager"));
        if (!session.getTransaction().isActive()) {
            throw new IllegalStateException("the EntityManager has no active transaction: call em.getTransaction().begin() before"
                    + " JpaOutbox.join, so that the messages commit or roll back with it");
        }
        Connection connection = session.doReturningWork(c -> c);
        JoinedOutbox current = JOINED.get(session);
        if (current != null && current.isOpenOn(connection)) {
            if (current.host() != host) {
                throw new IllegalStateException("this transaction already has the outbox of host '" + current.host().serviceName()
                        + "'; one transaction joins the outbox of one host");
            }
            return current.bus();
        }
        JoinedOutbox joined = new JoinedOutbox(host, open(host, session, connection), connection);
        joined.attachTo(session);
        JOINED.put(session, joined);
        return joined.bus();
    }

    private static OutboxTransaction open(AgateHost host, Session session, Connection connection) {
        JOINING.set(session);
        try {
            return host.outbox(connection);
        } finally {
            JOINING.remove();
        }
    }

    /** The session whose outbox is being opened on this thread on {@code connection}, or null. */
    static Session joining(Connection connection) {
        Session session = JOINING.get();
        return session != null && session.doReturningWork(c -> c) == connection ? session : null;
    }

    static Session sessionOf(EntityManager entityManager) {
        try {
            return entityManager.unwrap(Session.class);
        } catch (PersistenceException e) {
            throw new IllegalArgumentException("Agate's JPA integration works with Hibernate ORM, and this EntityManager ("
                    + entityManager.getClass().getName() + ") is not Hibernate's: " + e.getMessage(), e);
        }
    }
}
