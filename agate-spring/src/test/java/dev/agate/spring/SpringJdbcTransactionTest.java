package dev.agate.spring;

import static dev.agate.spring.SpringTestSupport.counts;
import static dev.agate.spring.SpringTestSupport.probe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.StoreAdmin;
import dev.agate.spring.boot.AgateAutoConfiguration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.JdbcTemplateAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends that join Spring JDBC transactions ({@code DataSourceTransactionManager}, {@code JdbcTemplate},
 * {@code @Transactional} and {@code TransactionTemplate}) on each real database, through the auto-configured
 * {@link MessageBus}: a commit delivers once, after the commit; a rollback or an exception sends nothing and
 * leaves neither the application's row nor an Agate row; outside a transaction the bus sends at once; a
 * {@code REQUIRES_NEW} transaction has an outbox of its own; {@code invoke} runs handlers in the caller's
 * transaction.
 */
class SpringJdbcTransactionTest {
    private static final String T = SpringJdbcTransactionTest.class.getName();

    record OrderPlaced(int id) {
    }

    record Probe(int id) {
    }

    record Reserve(int id) {
    }

    /** Handles what the shop sends; records it. */
    static class Shipping {
        final Set<Integer> placed = ConcurrentHashMap.newKeySet();
        final AtomicInteger placedCount = new AtomicInteger();
        final Set<Integer> probes = ConcurrentHashMap.newKeySet();

        @Handler
        void on(OrderPlaced order) {
            placed.add(order.id());
            placedCount.incrementAndGet();
        }

        @Handler
        void on(Probe probe) {
            probes.add(probe.id());
        }

        /** Run by invoke: writes on the caller's transaction through its Connection parameter. */
        @Handler
        void on(Reserve reserve, Connection connection) throws SQLException {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO reservations (id) VALUES (?)")) {
                insert.setInt(1, reserve.id());
                insert.executeUpdate();
            }
        }
    }

    /** The application's service: a row and a message in one @Transactional method. */
    static class Orders {
        private final JdbcTemplate jdbc;
        private final MessageBus bus;

        Orders(JdbcTemplate jdbc, MessageBus bus) {
            this.jdbc = jdbc;
            this.bus = bus;
        }

        @Transactional
        public void place(int id) {
            jdbc.update("INSERT INTO orders (id) VALUES (?)", id);
            bus.send(new OrderPlaced(id));
        }

        /** Ignores a failed statement: on PostgreSQL the transaction is aborted, and its commit would be a silent rollback. */
        @Transactional
        public void placeAndSwallowAnSqlError(int id) {
            place(id);
            try {
                jdbc.update("INSERT INTO no_such_table (id) VALUES (?)", id);
            } catch (org.springframework.dao.DataAccessException ignored) {
                // the mistake under test
            }
        }

        @Transactional
        public void placeAndFail(int id) {
            place(id);
            throw new IllegalStateException("payment declined for order " + id);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Shop {
        @Bean
        Shipping shipping() {
            return new Shipping();
        }

        @Bean
        Orders orders(JdbcTemplate jdbc, MessageBus bus) {
            return new Orders(jdbc, bus);
        }
    }

    /** One sequential durable queue for orders and probes, so a handled probe means every order sent before it was handled. */
    private static ApplicationContextRunner shop(TestDatabase db) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
                        TransactionAutoConfiguration.class, JdbcTemplateAutoConfiguration.class, AgateAutoConfiguration.class))
                .withUserConfiguration(Shop.class)
                .withPropertyValues(SpringTestSupport.properties(db,
                        "agate.service-name=shop",
                        "agate.local-queues.shipping.durable=true",
                        "agate.local-queues.shipping.sequential=true",
                        "agate.routes[" + T + "$OrderPlaced]=local://shipping",
                        "agate.routes[" + T + "$Probe]=local://shipping"));
    }

    private static TestDatabase database(TestDatabase.Kind kind) throws Exception {
        TestDatabase db = TestDatabase.create(kind);
        db.execute("CREATE TABLE orders (id INTEGER NOT NULL)", "CREATE TABLE reservations (id INTEGER NOT NULL)");
        return db;
    }

    private static TransactionTemplate transactions(AssertableApplicationContext context) {
        return new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
    }

    private static void probe(AssertableApplicationContext context, int id) {
        SpringTestSupport.probe(context.getBean(MessageBus.class), context.getBean(Shipping.class).probes, new Probe(id), id);
    }

    private static List<Integer> ids(AssertableApplicationContext context, String table) {
        return context.getBean(JdbcTemplate.class).queryForList("SELECT id FROM " + table + " ORDER BY id", Integer.class);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aCommittedTransactionDeliversItsMessageOnceAndOnlyAfterTheCommit(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            shop(db).run(context -> {
                assertThat(context).hasNotFailed();
                MessageBus bus = context.getBean(MessageBus.class);
                JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
                Shipping shipping = context.getBean(Shipping.class);
                transactions(context).executeWithoutResult(status -> {
                    jdbc.update("INSERT INTO orders (id) VALUES (1)");
                    bus.send(new OrderPlaced(1));
                    // Written on the transaction's connection: nothing can be handled before the commit.
                    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(shipping.placed::isEmpty);
                });
                context.getBean(Orders.class).place(2);
                await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.containsAll(Set.of(1, 2)));
                probe(context, 1);
                assertThat(shipping.placedCount).as("each order handled once").hasValue(2);
                assertThat(ids(context, "orders")).containsExactly(1, 2);
                StoreAdmin.Counts counts = counts(context);
                assertThat(counts.incoming()).isZero();
                assertThat(counts.handled()).isIn(0L, 3L); // two orders and the probe, local: (deleted on PostgreSQL, kept as handled on SQLite and MariaDB)
            });
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aRolledBackTransactionSendsNothingAndLeavesNoRows(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            shop(db).run(context -> {
                MessageBus bus = context.getBean(MessageBus.class);
                JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
                Shipping shipping = context.getBean(Shipping.class);
                transactions(context).executeWithoutResult(status -> {
                    jdbc.update("INSERT INTO orders (id) VALUES (1)");
                    bus.send(new OrderPlaced(1)); // durable
                    bus.schedule(new OrderPlaced(2), Duration.ofMillis(200)); // stored for later
                    bus.sendTo("local://buffered", new Probe(99)); // held in memory
                    status.setRollbackOnly();
                });
                probe(context, 1);
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(shipping.placed::isEmpty);
                assertThat(shipping.probes).containsExactly(1);
                assertThat(ids(context, "orders")).isEmpty();
                StoreAdmin.Counts counts = counts(context);
                assertThat(counts.incoming()).isZero();
                assertThat(counts.scheduled()).isZero();
                assertThat(counts.handled()).as("only the probe, local: %s", "(deleted on PostgreSQL, kept as handled on SQLite and MariaDB)").isIn(0L, 1L);
            });
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void anExceptionInATransactionalMethodSendsNothing(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            shop(db).run(context -> {
                Orders orders = context.getBean(Orders.class);
                assertThatThrownBy(() -> orders.placeAndFail(1)).hasMessage("payment declined for order 1");
                probe(context, 1);
                assertThat(context.getBean(Shipping.class).placed).isEmpty();
                assertThat(ids(context, "orders")).isEmpty();
                assertThat(counts(context).incoming()).isZero();
                assertThat(counts(context).handled()).as("only the probe, local: %s", "(deleted on PostgreSQL, kept as handled on SQLite and MariaDB)").isIn(0L, 1L);
            });
        }
    }

    @org.junit.jupiter.api.Test
    void aPostgresTransactionAbortedByASwallowedErrorIsRolledBackAndSendsNothing() throws Exception {
        try (TestDatabase db = database(TestDatabase.Kind.POSTGRES)) {
            shop(db).run(context -> {
                Orders orders = context.getBean(Orders.class);
                assertThatThrownBy(() -> orders.placeAndSwallowAnSqlError(1)).hasMessageContaining("aborted the transaction");
                probe(context, 1);
                assertThat(context.getBean(Shipping.class).placed).isEmpty();
                assertThat(ids(context, "orders")).isEmpty();
                assertThat(counts(context).incoming()).isZero();
            });
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void outsideATransactionTheBusSendsAtOnce(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            shop(db).run(context -> {
                SpringMessageBus bus = context.getBean(SpringMessageBus.class);
                assertThat(bus.current()).isSameAs(context.getBean(AgateHost.class).bus());
                bus.send(new OrderPlaced(1));
                await().atMost(Duration.ofSeconds(20)).until(() -> context.getBean(Shipping.class).placed.contains(1));
            });
        }
    }

    /** Not on SQLite: its one writer at a time makes a second transaction on the same thread wait for the first forever. */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRES", "MARIADB"})
    void aRequiresNewTransactionHasAnOutboxOfItsOwnAndTheOuterOneKeepsItsOwn(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            shop(db).run(context -> {
                MessageBus bus = context.getBean(MessageBus.class);
                JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
                TransactionTemplate outer = transactions(context);
                TransactionTemplate inner = transactions(context);
                inner.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
                // The inner one rolls back, the outer one commits, with sends before and after the inner one.
                outer.executeWithoutResult(status -> {
                    bus.send(new OrderPlaced(1));
                    inner.executeWithoutResult(innerStatus -> {
                        jdbc.update("INSERT INTO orders (id) VALUES (2)");
                        bus.send(new OrderPlaced(2));
                        innerStatus.setRollbackOnly();
                    });
                    jdbc.update("INSERT INTO orders (id) VALUES (3)");
                    bus.send(new OrderPlaced(3));
                });
                // The inner one commits, the outer one rolls back.
                outer.executeWithoutResult(status -> {
                    bus.send(new OrderPlaced(4));
                    inner.executeWithoutResult(innerStatus -> {
                        jdbc.update("INSERT INTO orders (id) VALUES (5)");
                        bus.send(new OrderPlaced(5));
                    });
                    status.setRollbackOnly();
                });
                probe(context, 1);
                Shipping shipping = context.getBean(Shipping.class);
                assertThat(shipping.placed).containsExactlyInAnyOrder(1, 3, 5);
                assertThat(shipping.placedCount).hasValue(3);
                assertThat(ids(context, "orders")).containsExactly(3, 5);
                assertThat(counts(context).incoming()).isZero();
            });
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void invokeRunsTheHandlersInTheCallersTransaction(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            shop(db).run(context -> {
                MessageBus bus = context.getBean(MessageBus.class);
                TransactionTemplate transactions = transactions(context);
                transactions.executeWithoutResult(status -> {
                    bus.invoke(new Reserve(1));
                    status.setRollbackOnly();
                });
                transactions.executeWithoutResult(status -> bus.invoke(new Reserve(2)));
                assertThat(ids(context, "reservations")).containsExactly(2);
            });
        }
    }
    /**
     * Not on SQLite: sqlite-jdbc begins the connection's next transaction as it commits, and Spring gives the
     * connection back (ending that transaction) only after the callbacks, so a durable send from one waits for
     * SQLite's write lock until the busy timeout.
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRES", "MARIADB"})
    void aSendFromAnAfterCommitCallbackGoesOutAtOnce(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            shop(db).run(context -> {
                MessageBus bus = context.getBean(MessageBus.class);
                transactions(context).executeWithoutResult(status -> {
                    bus.send(new OrderPlaced(1));
                    TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                        @Override
                        public void afterCommit() {
                            bus.send(new OrderPlaced(2));
                        }
                    });
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> context.getBean(Shipping.class).placed.containsAll(Set.of(1, 2)));
            });
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aTransactionWithoutAConnectionOfTheStoresDataSourceIsRefusedRatherThanSentOutside(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            shop(db).run(context -> {
                // db.dataSource is another DataSource than the one the transaction manager binds.
                SpringMessageBus elsewhere = new SpringMessageBus(context.getBean(AgateHost.class), db.dataSource);
                transactions(context).executeWithoutResult(status ->
                        assertThatThrownBy(() -> elsewhere.send(new OrderPlaced(1)))
                                .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds no connection"));
                probe(context, 1);
                assertThat(context.getBean(Shipping.class).placed).isEmpty();
            });
        }
    }
}
