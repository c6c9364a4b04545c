package dev.agate.spring;

import dev.agate.AgateHost;
import dev.agate.DeliveryOptions;
import dev.agate.MessageBus;
import dev.agate.OutboxTransaction;
import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The {@link MessageBus} for Spring beans: inside a Spring-managed transaction its sends join that
 * transaction, outside one it is the host's own bus.
 *
 * <p><b>Inside a transaction</b> (of a {@code DataSourceTransactionManager} or {@code JpaTransactionManager}
 * on the host's store's {@code DataSource}) the first call opens an {@link OutboxTransaction} on the
 * transaction's connection ({@code DataSourceUtils.getConnection}), kept for the rest of the transaction:
 * {@code send}, {@code publish}, {@code sendTo} and {@code schedule} go through it, so a message to a durable
 * endpoint or for later is written on that connection at once and commits or rolls back with the
 * application's writes; nothing leaves the process before the commit, and after it the messages are handed
 * to their endpoints. On rollback nothing is sent and no row is left. {@code invoke} runs the handlers now,
 * on the calling thread, in the same transaction. A transaction suspended for a {@code REQUIRES_NEW} one
 * keeps its outbox; the new one gets its own. Sends made while the transaction is completing (from an
 * after-commit callback) go out at once.
 *
 * <p><b>Outside a transaction</b>, or without a {@code DataSource} (a host whose store is not the
 * application's database), every call goes to {@link AgateHost#bus()}.
 *
 * <p>Thread-safe: the transaction, and so the outbox, is the calling thread's.
 */
public final class SpringMessageBus implements MessageBus {
    private final Supplier<AgateHost> host;
    private final DataSource dataSource;
    /** The key of this bus's outbox among the transaction's resources. */
    private final Object key = new Object();

    /**
     * @param host       the host, asked for on each call (so that the bus can exist before the host, as beans
     *                   that handle messages and also send them need)
     * @param dataSource the {@code DataSource} of the host's store, which the application's transactions use;
     *                   null for a store elsewhere, whose sends cannot join them
     */
    public SpringMessageBus(Supplier<AgateHost> host, DataSource dataSource) {
        this.host = Objects.requireNonNull(host, "host");
        this.dataSource = dataSource;
    }

    /** A bus for a host that exists already. */
    public SpringMessageBus(AgateHost host, DataSource dataSource) {
        this(supplier(Objects.requireNonNull(host, "host")), dataSource);
    }

    private static Supplier<AgateHost> supplier(AgateHost host) {
        return () -> host;
    }

    /**
     * The outbox of the calling thread's Spring transaction, opened on first use; or the host's bus when the
     * thread has no transaction. What every method of this bus sends through.
     *
     * @throws IllegalStateException when the thread's transaction holds no connection of the store's
     *         {@code DataSource} (a transaction manager of another database)
     * @throws dev.agate.AgateException when the host is not running
     */
    public MessageBus current() {
        AgateHost agate = host.get();
        if (dataSource == null || !TransactionSynchronizationManager.isSynchronizationActive()
                || !TransactionSynchronizationManager.isActualTransactionActive()) {
            return agate.bus();
        }
        OutboxSynchronization bound = (OutboxSynchronization) TransactionSynchronizationManager.getResource(key);
        if (bound != null) {
            return bound.isCompleting() ? agate.bus() : bound.outbox();
        }
        if (!TransactionSynchronizationManager.hasResource(dataSource)) {
            throw new IllegalStateException("the Spring transaction " + TransactionSynchronizationManager.getCurrentTransactionName()
                    + " holds no connection of Agate's DataSource " + dataSource + ", so messages cannot join it: run it with"
                    + " a DataSourceTransactionManager or JpaTransactionManager on that DataSource");
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        OutboxTransaction outbox = agate.outbox(connection);
        OutboxSynchronization synchronization = new OutboxSynchronization(key, outbox);
        TransactionSynchronizationManager.bindResource(key, synchronization);
        TransactionSynchronizationManager.registerSynchronization(synchronization);
        return outbox;
    }

    @Override
    public void send(Object message) {
        current().send(message);
    }

    @Override
    public void send(Object message, DeliveryOptions options) {
        current().send(message, options);
    }

    @Override
    public void sendTo(URI endpoint, Object message, DeliveryOptions options) {
        current().sendTo(endpoint, message, options);
    }

    @Override
    public void publish(Object message) {
        current().publish(message);
    }

    @Override
    public void publish(Object message, DeliveryOptions options) {
        current().publish(message, options);
    }

    @Override
    public void invoke(Object message) {
        current().invoke(message);
    }

    @Override
    public <T> T invoke(Object message, Class<T> responseType) {
        return current().invoke(message, responseType);
    }

    @Override
    public void schedule(Object message, Instant time) {
        current().schedule(message, time);
    }

    @Override
    public void schedule(Object message, Duration delay) {
        current().schedule(message, delay);
    }

    @Override
    public void schedule(Object message, Instant time, DeliveryOptions options) {
        current().schedule(message, time, options);
    }

    @Override
    public String toString() {
        return "SpringMessageBus[" + (dataSource == null ? "host's bus only" : "joins transactions on " + dataSource) + "]";
    }
}
