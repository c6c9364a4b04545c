package dev.agate.jpa;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.StoreAdmin;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;
import org.hibernate.community.dialect.SQLiteDialect;

/** What the tests share: the messages, the orders table, a Hibernate session factory, a node of the shop. */
final class Shop {
    static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(100))
            .scheduledPollingInterval(Duration.ofMillis(100)).heartbeat(Duration.ofMillis(200), Duration.ofSeconds(2));

    record OrderPlaced(int number) {
    }

    record Deposit(int number) {
    }

    record Receipt(int number) {
    }

    record Probe(int id) {
    }

    private Shop() {
    }

    /** The orders table, made by hand: Hibernate only maps it (no schema tool, which would slow every test). */
    static void createTables(TestDatabase db) throws SQLException {
        db.execute("CREATE TABLE orders (id VARCHAR(36) NOT NULL PRIMARY KEY, order_number INTEGER NOT NULL, placed_by VARCHAR(20))");
    }

    /**
     * Hibernate on {@code dataSource}. On SQLite give it the store's own pool (one connection): a second
     * connection holding a transaction would hold the database's write lock against the store.
     */
    static SessionFactory entityManagerFactory(TestDatabase.Kind kind, DataSource dataSource) {
        Configuration configuration = new Configuration().addAnnotatedClass(Order.class);
        configuration.getProperties().put(AvailableSettings.DATASOURCE, dataSource);
        if (kind == TestDatabase.Kind.SQLITE) {
            configuration.setProperty(AvailableSettings.DIALECT, SQLiteDialect.class.getName());
        }
        return configuration.buildSessionFactory();
    }

    /**
     * One node of the shop: a JDBC store with its own pool, Hibernate on that pool, and (once started) a
     * host on a {@link JpaMessageStore} of both, with durable local queues, fast recovery and a short
     * shutdown. Orders and probes share one queue, so a probe handled means what was queued before it was
     * seen. Closing it closes the host, the session factory and, for the first node, drops the database.
     */
    static final class Node implements AutoCloseable {
        final TestDatabase db;
        final JdbcMessageStore store;
        final SessionFactory entityManagerFactory;
        private final boolean ownsDatabase;
        AgateHost host;

        private Node(TestDatabase db, boolean ownsDatabase) {
            this.db = db;
            this.ownsDatabase = ownsDatabase;
            this.store = JdbcMessageStore.builder(db.url).build();
            this.entityManagerFactory = entityManagerFactory(db.kind, store.dataSource());
        }

        static Node open(TestDatabase.Kind kind) throws Exception {
            TestDatabase db = TestDatabase.create(kind);
            try {
                createTables(db);
                return new Node(db, true);
            } catch (Exception | Error e) {
                db.close();
                throw e;
            }
        }

        /** Another node on the same database, with a pool and a session factory of its own. */
        Node another() {
            return new Node(db, false);
        }

        AgateHost start(UnaryOperator<AgateHost.Builder> settings, Object... handlers) {
            host = settings.apply(AgateHost.builder().serviceName("shop").handlers(handlers).durableLocalQueues()
                    .route(OrderPlaced.class, "local://shipping").route(Probe.class, "local://shipping")
                    .store(JpaMessageStore.of(store, entityManagerFactory)).durability(FAST)
                    .shutdownTimeout(Duration.ofSeconds(5))).start();
            return host;
        }

        AgateHost start(Object... handlers) {
            return start(builder -> builder, handlers);
        }

        long orders() throws SQLException {
            return db.queryLong("SELECT COUNT(*) FROM orders");
        }

        StoreAdmin.Counts counts() {
            return store.admin().counts();
        }

        @Override
        public void close() throws Exception {
            try (TestDatabase dropped = ownsDatabase ? db : null; SessionFactory factory = entityManagerFactory) {
                if (host != null) {
                    host.close();
                } else {
                    store.close();
                }
            }
        }
    }
}
