package dev.agate.spring;

import dev.agate.AgateException;
import dev.agate.spi.ForwardingMessageStore;
import dev.agate.spi.MessageStore;
import dev.agate.spi.StoreTransaction;
import java.sql.Connection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.util.ClassUtils;

/**
 * A message store whose handler transactions are Spring transactions: a durable handler runs inside a
 * transaction that Spring's {@link PlatformTransactionManager} opened on the worker thread, so the
 * repositories, {@code JdbcTemplate}s and {@code @Transactional} beans it calls join it; the mark that the
 * envelope was handled and the messages the handler sends are written in the same transaction, and all of
 * it commits or rolls back together. Effects happen once, even when an envelope is delivered twice.
 *
 * <p>Everything else (the inbox, outbox, dead letters, nodes, the agent's own transactions) is the
 * {@code store}'s, which must be on the same database as {@code dataSource}: a
 * {@code JdbcMessageStore.builder(dataSource, jdbcUrl)} on that very {@code DataSource}.
 *
 * <p><b>Transaction managers.</b> A {@link DataSourceTransactionManager} of {@code dataSource}, or a
 * {@code JpaTransactionManager} whose {@code getDataSource()} is {@code dataSource} (Spring Boot sets it); a
 * handler of the JPA flavour may also take the transaction's {@code jakarta.persistence.EntityManager} as a
 * parameter. Another kind of manager (JTA) works when {@code dataSource} takes part in its transactions.
 *
 * <p><b>Threads.</b> {@link #begin()} starts a new transaction ({@code REQUIRES_NEW}: it never joins a
 * transaction already on the calling thread) bound to the calling thread; the Agate runtime commits or rolls
 * it back on that thread, as Spring requires. {@link #transactionBoundToThread()} is true, so the runtime
 * opens it before a durable handler runs. Thread-safe.
 */
public final class SpringMessageStore extends ForwardingMessageStore {
    private static final String JPA_MANAGER = "org.springframework.orm.jpa.JpaTransactionManager";

    private final MessageStore store;
    private final PlatformTransactionManager transactions;
    private final DataSource dataSource;
    private final DefaultTransactionDefinition definition;
    private final JpaResources jpa;

    /**
     * @param store        the store on {@code dataSource}'s database, which this one decorates and closes
     * @param transactions the application's transaction manager for {@code dataSource}
     * @param dataSource   the application's {@code DataSource}, as its transaction manager binds it
     * @throws IllegalArgumentException when the transaction manager is on another {@code DataSource}
     */
    public SpringMessageStore(MessageStore store, PlatformTransactionManager transactions, DataSource dataSource) {
        super(store);
        this.store = store;
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.jpa = isJpa(transactions) ? JpaResources.of(transactions, dataSource) : null;
        if (transactions instanceof DataSourceTransactionManager jdbc && jdbc.getDataSource() != dataSource) {
            throw new IllegalArgumentException("the transaction manager " + transactions + " is on another DataSource ("
                    + jdbc.getDataSource() + ") than the message store's (" + dataSource + "): give them the same one");
        }
        this.definition = new DefaultTransactionDefinition(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        definition.setName("agate handler transaction");
    }

    private static boolean isJpa(PlatformTransactionManager transactions) {
        ClassLoader loader = transactions.getClass().getClassLoader();
        return ClassUtils.isPresent(JPA_MANAGER, loader)
                && ClassUtils.resolveClassName(JPA_MANAGER, loader).isInstance(transactions);
    }

    /** The store this one decorates. */
    public MessageStore store() {
        return store;
    }

    /** The {@code DataSource} whose Spring-bound connection every handler transaction writes on. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The transaction manager that opens and ends the handler transactions. */
    public PlatformTransactionManager transactionManager() {
        return transactions;
    }

    @Override
    public String description() {
        return store.description() + " (handler transactions by " + transactions.getClass().getSimpleName() + ")";
    }

    /**
     * Starts a new Spring transaction on the calling thread, which must also end it.
     *
     * @throws AgateException when the transaction manager cannot begin one (no connection, say)
     */
    @Override
    public StoreTransaction begin() {
        return SpringStoreTransaction.begin(transactions, definition, dataSource, jpa);
    }

    /** True: a handler finds its transaction through its thread, as Spring code does. */
    @Override
    public boolean transactionBoundToThread() {
        return true;
    }

    /** A {@link Connection}, and with a {@code JpaTransactionManager} the transaction's {@code EntityManager}. */
    @Override
    public Set<Class<?>> transactionResources() {
        Set<Class<?>> resources = new HashSet<>(store.transactionResources());
        resources.add(Connection.class);
        if (jpa != null) {
            resources.add(jpa.entityManagerType());
        }
        return Set.copyOf(resources);
    }
}
