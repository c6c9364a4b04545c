package dev.agate.jpa;

import dev.agate.spi.StoreTransaction;
import java.sql.Connection;
import java.util.Optional;
import org.hibernate.Session;

/**
 * The application's own transaction, joined by {@link JpaOutbox}: the wrapped store's enlisted transaction
 * on the session's connection, which also offers the session, for handlers that {@code invoke} runs in it.
 * Ending it is the wrapped transaction's business (it ends the connection's transaction, never the session).
 */
final class EnlistedTransaction implements StoreTransaction {
    private final StoreTransaction enlisted;
    private final Session session;

    EnlistedTransaction(StoreTransaction enlisted, Session session) {
        this.enlisted = enlisted;
        this.session = session;
    }

    @Override
    public Optional<Connection> connection() {
        return enlisted.connection();
    }

    @Override
    public <T> Optional<T> resource(Class<T> type) {
        return type != Connection.class && type.isInstance(session) ? Optional.of(type.cast(session)) : enlisted.resource(type);
    }

    @Override
    public void commit() {
        enlisted.commit();
    }

    @Override
    public void rollback() {
        enlisted.rollback();
    }

    @Override
    public void close() {
        enlisted.close();
    }

    @Override
    public String toString() {
        return enlisted + " of a JPA session";
    }
}
