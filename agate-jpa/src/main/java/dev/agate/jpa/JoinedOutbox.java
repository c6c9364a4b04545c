package dev.agate.jpa;

import dev.agate.AgateHost;
import dev.agate.MessageBus;
import dev.agate.OutboxTransaction;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import java.sql.Connection;
import org.hibernate.Session;
import org.hibernate.SessionEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outbox joined to one Hibernate transaction, and what ends it. Hibernate tells it how the transaction
 * ended through {@link #afterCompletion}: committed, the messages go out; anything else, they are
 * forgotten. Hibernate does not call {@code afterCompletion} when the JDBC commit itself fails, nor when
 * the entity manager is closed with its transaction open, so the session's {@link #end()} (its close, while
 * it still holds the connection) ends an outbox left open. Called on the session's thread only.
 */
final class JoinedOutbox implements Synchronization, SessionEventListener {
    private static final Logger log = LoggerFactory.getLogger(JoinedOutbox.class);

    private final transient AgateHost host;
    private final transient OutboxTransaction outbox;
    private final transient Connection connection;
    /** Set once Hibernate began to commit: a commit that fails after this never reaches afterCompletion. */
    private boolean completing;
    private boolean ended;

    JoinedOutbox(AgateHost host, OutboxTransaction outbox, Connection connection) {
        this.host = host;
        this.outbox = outbox;
        this.connection = connection;
    }

    /** Registers with the session's transaction and the session; on failure the outbox ends, sending nothing. */
    void attachTo(Session session) {
        try {
            session.getTransaction().registerSynchronization(this);
            session.addEventListeners(this);
        } catch (RuntimeException e) {
            end(false);
            throw e;
        }
    }

    AgateHost host() {
        return host;
    }

    MessageBus bus() {
        return outbox;
    }

    /** True while this outbox serves the transaction that now holds {@code current}. */
    boolean isOpenOn(Connection current) {
        return !ended && !completing && connection == current;
    }

    @Override
    public void beforeCompletion() {
        completing = true;
        // Throwing here makes Hibernate roll back: a PostgreSQL transaction aborted by an error would otherwise
        // "commit" as a silent rollback, and its messages go out.
        outbox.beforeCommit();
    }

    @Override
    public void afterCompletion(int status) {
        end(status == Status.STATUS_COMMITTED);
    }

    /**
     * The session closes with this outbox still open. Never committed: roll back, so the rows are gone even
     * with a pool that would not roll back a returned connection. Its commit failed: close, which also gives
     * the rows to the durability agent, in case the commit worked after all.
     */
    @Override
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        log.debug("an EntityManager closed before its transaction ended (commit failed: {}); its outbox sends nothing", completing);
        if (completing) {
            outbox.close();
        } else {
            outbox.rollback();
        }
    }

    private void end(boolean committed) {
        if (ended) {
            return;
        }
        ended = true;
        if (committed) {
            outbox.afterCommit();
        } else {
            outbox.afterRollback();
        }
    }
}
