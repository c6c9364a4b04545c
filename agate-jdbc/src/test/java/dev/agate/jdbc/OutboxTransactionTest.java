package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateException;
import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.OutboxTransaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The transactional outbox on the application's own JDBC connection, on each real database: the
 * application's row and the message commit together and the message is handled after the commit; a
 * rollback, an exception or a close without commit leaves neither the row nor the message; a connection
 * the outbox cannot serve is refused before anything is written.
 */
class OutboxTransactionTest {
    static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(100))
            .scheduledPollingInterval(Duration.ofMillis(100)).heartbeat(Duration.ofMillis(200), Duration.ofSeconds(2));

    record OrderPlaced(int id) {
    }

    record Audit(int id) {
    }

    record Probe(int id) {
    }

    /** Records what it handled; the audit handler writes in its own transaction on its Connection parameter. */
    static final class Shipping {
        final Set<Integer> placed = ConcurrentHashMap.newKeySet();
        final AtomicInteger placedCount = new AtomicInteger();
        final Set<Integer> probes = ConcurrentHashMap.newKeySet();
        final AtomicInteger audits = new AtomicInteger();

        @Handler
        void on(OrderPlaced order) {
            placed.add(order.id());
            placedCount.incrementAndGet();
        }

        @Handler
        void on(Probe probe) {
            probes.add(probe.id());
        }

        @Handler
        void on(Audit audit, Connection connection) throws SQLException {
            insert(connection, "audit", audit.id());
            audits.incrementAndGet();
        }
    }

    private static AgateHost host(TestDatabase db, Shipping shipping) {
        return AgateHost.builder().serviceName("shop").handler(shipping)
                .localQueue(LocalQueue.builder("OrderPlaced").durable().build())
                .localQueue(LocalQueue.builder("Probe").durable().build())
                .store(JdbcMessageStore.builder(db.url).build()).durability(FAST).shutdownTimeout(Duration.ofSeconds(5)).start();
    }

    private static void createTables(TestDatabase db) throws SQLException {
        db.execute("CREATE TABLE orders (id INTEGER NOT NULL)", "CREATE TABLE audit (id INTEGER NOT NULL)");
    }

    /**
     * A connection with its transaction begun. Closed by the test as soon as it is done with it: on SQLite a
     * connection left open outside auto-commit holds the database's write lock (sqlite-jdbc begins the next
     * transaction as it commits one), which would keep the host's own writes waiting.
     */
    static Connection transactionOn(TestDatabase db) throws SQLException {
        Connection connection = db.dataSource.getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    static void insert(Connection connection, String table, int id) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " (id) VALUES (?)")) {
            insert.setInt(1, id);
            insert.executeUpdate();
        }
    }

    /** Sends a probe in a committed outbox and waits for it: the queue has worked through what came before. */
    private static void probe(AgateHost host, TestDatabase db, Shipping shipping, int id) {
        host.inTransaction(db.dataSource, (connection, outbox) -> {
            outbox.send(new Probe(id));
            return null;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> shipping.probes.contains(id));
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void theRowAndTheMessageCommitTogetherAndTheMessageIsHandledOnlyAfterTheCommit(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                try (Connection connection = transactionOn(db); OutboxTransaction outbox = host.outbox(connection)) {
                    insert(connection, "orders", 1);
                    outbox.send(new OrderPlaced(1));
                    // Written on the application's connection, so in its transaction: nothing is handled yet.
                    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> shipping.placed.isEmpty());
                    outbox.commit();
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.contains(1));
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(1);
                probe(host, db, shipping, 1);
                assertThat(shipping.placedCount.get()).as("handled once").isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aRollbackSendsNothingAndLeavesNoRowsForDurableBufferedOrScheduledSends(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                try (Connection connection = transactionOn(db); OutboxTransaction outbox = host.outbox(connection)) {
                    insert(connection, "orders", 1);
                    outbox.send(new OrderPlaced(1));
                    outbox.sendTo("local://buffered-audit", new Audit(1));
                    outbox.schedule(new OrderPlaced(2), Duration.ofMillis(200));
                    outbox.rollback();
                    assertThatThrownBy(() -> outbox.send(new OrderPlaced(3))).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("ended");
                }
                probe(host, db, shipping, 1);
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> shipping.placed.isEmpty());
                assertThat(shipping.audits.get()).isZero();
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isZero();
                // By type: the probe's own row may still wait for its batched handled mark.
                assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE message_type <> 'Probe'"))
                        .as("no row of the rolled-back sends, scheduled or not").isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void anExceptionInsideInTransactionRollsBackAndSendsNothingAndCommitsOtherwise(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                assertThatThrownBy(() -> host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "orders", 1);
                    outbox.send(new OrderPlaced(1));
                    throw new IllegalStateException("payment declined");
                })).isInstanceOf(IllegalStateException.class).hasMessage("payment declined");
                assertThatThrownBy(() -> host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "orders", 2);
                    outbox.send(new OrderPlaced(2));
                    throw new java.io.IOException("disk full");
                })).isInstanceOf(AgateException.class).hasMessageContaining("rolled back").hasMessageContaining("disk full");

                int placed = host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "orders", 3);
                    outbox.send(new OrderPlaced(3));
                    return 3;
                });
                assertThat(placed).isEqualTo(3);
                await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.contains(3));
                probe(host, db, shipping, 1);
                assertThat(shipping.placed).containsExactly(3);
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void invokeInsideTheOutboxRunsTheHandlerInTheApplicationsTransaction(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                try (Connection connection = transactionOn(db)) {
                    try (OutboxTransaction outbox = host.outbox(connection)) {
                        outbox.invoke(new Audit(1));
                        outbox.rollback();
                    }
                    try (OutboxTransaction outbox = host.outbox(connection)) {
                        outbox.invoke(new Audit(2));
                        outbox.commit();
                    }
                }
                assertThat(shipping.audits.get()).as("both handled").isEqualTo(2);
                assertThat(db.queryLong("SELECT COUNT(*) FROM audit")).as("only the committed one's row").isEqualTo(1);
                assertThat(db.queryLong("SELECT MAX(id) FROM audit")).isEqualTo(2);
            }
        }
    }

    record Adjust(int id) {
    }

    /** Writes its audit row, then fails its first attempt with an SQL error (which aborts a PostgreSQL transaction). */
    static final class FlakyAuditor {
        final AtomicInteger attempts = new AtomicInteger();

        @Handler
        void on(Adjust adjust, Connection connection) throws SQLException {
            insert(connection, "audit", adjust.id());
            if (attempts.incrementAndGet() == 1) {
                try (var statement = connection.createStatement()) {
                    statement.executeUpdate("INSERT INTO no_such_table (id) VALUES (1)");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aRetriedInvokeInsideTheOutboxUndoesOnlyItsFailedAttemptsWrites(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            FlakyAuditor auditor = new FlakyAuditor();
            try (AgateHost host = AgateHost.builder().serviceName("shop").handler(auditor)
                    .onError(ErrorPolicy.on(SQLException.class).retry(1).deadLetter())
                    .store(JdbcMessageStore.builder(db.url).build()).durability(FAST).start()) {
                try (Connection connection = transactionOn(db); OutboxTransaction outbox = host.outbox(connection)) {
                    insert(connection, "orders", 1);
                    outbox.invoke(new Adjust(1));
                    insert(connection, "orders", 2); // the transaction still works after the failed attempt
                    outbox.commit();
                }
                assertThat(auditor.attempts.get()).isEqualTo(2);
                assertThat(db.queryLong("SELECT COUNT(*) FROM audit")).as("the failed attempt's row was undone").isEqualTo(1);
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).as("the application's rows were kept").isEqualTo(2);
            }
        }
    }

    /** The application ignored an SQL error; PostgreSQL would answer COMMIT with a silent rollback. */
    @Test
    void aPostgresTransactionAbortedByAnErrorIsRolledBackAtCommitAndSendsNothing() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)", "CREATE TABLE audit (id INTEGER NOT NULL)");
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                try (Connection connection = transactionOn(db); OutboxTransaction outbox = host.outbox(connection)) {
                    outbox.send(new OrderPlaced(1));
                    outbox.sendTo("local://buffered-audit", new Audit(1));
                    insert(connection, "orders", 1);
                    assertThatThrownBy(() -> insert(connection, "orders", 1)).isInstanceOf(SQLException.class);
                    assertThatThrownBy(outbox::commit).isInstanceOf(AgateException.class)
                            .hasMessageContaining("aborted the transaction").hasMessageContaining("nothing was sent");
                }
                probe(host, db, shipping, 1);
                assertThat(shipping.placed).isEmpty();
                assertThat(shipping.audits.get()).isZero();
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isZero();
            }
        }
    }

    record Ship(int id) {
    }

    record Fragile(int id) {
    }

    /** Cascades to two durable queues; the second cascade cannot be serialized on the first attempt. */
    static final class Dispatcher {
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger shipped = new AtomicInteger();

        @Handler
        void on(OrderPlaced order, dev.agate.MessageContext context) {
            context.send(new Ship(order.id()));
            Object second = attempts.incrementAndGet() == 1 ? new Unserializable() : new Fragile(order.id());
            context.sendTo(java.net.URI.create("local://fragile"), second, dev.agate.DeliveryOptions.none());
        }

        @Handler
        void on(Ship ship) {
            shipped.incrementAndGet();
        }

        @Handler
        void on(Fragile fragile) {
        }
    }

    /** Jackson cannot write it: its getter throws. */
    static final class Unserializable {
        public int getId() {
            throw new IllegalStateException("not loaded yet");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aRetriedInvokeWhoseCascadesFailedToStoreLeavesNoRowOfTheFailedAttempt(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Dispatcher dispatcher = new Dispatcher();
            try (AgateHost host = AgateHost.builder().serviceName("shop").handler(dispatcher)
                    .localQueue(LocalQueue.builder("Ship").durable().build())
                    .localQueue(LocalQueue.builder("fragile").durable().build())
                    .onError(ErrorPolicy.onAny().retry(1).deadLetter())
                    .store(JdbcMessageStore.builder(db.url).build()).durability(FAST).start()) {
                try (Connection connection = transactionOn(db); OutboxTransaction outbox = host.outbox(connection)) {
                    outbox.invoke(new OrderPlaced(1));
                    outbox.commit();
                }
                assertThat(dispatcher.attempts.get()).isEqualTo(2);
                await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.shipped.get() == 1);
                // Once nothing waits, a cascade of the failed attempt would have been handled too.
                await().atMost(Duration.ofSeconds(20)).until(() -> db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status <> 'Handled'") == 0);
                assertThat(dispatcher.shipped).as("only the second attempt's cascade").hasValue(1);
                assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE message_type = 'Ship'"))
                        .as("its row deleted (PostgreSQL) or kept as handled").isIn(0L, 1L);
            }
        }
    }

    /** A full durable queue after the commit: the overflow goes back to the store without waiting on the caller's connection. */
    @Test
    void committingIntoAFullDurableQueueOnSqliteDoesNotWaitForTheCallersConnection() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            Set<Integer> handled = ConcurrentHashMap.newKeySet();
            Object slow = new Object() {
                @Handler
                void on(Probe probe) throws InterruptedException {
                    gate.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    handled.add(probe.id());
                }
            };
            try (AgateHost host = AgateHost.builder().serviceName("jobs").handler(slow)
                    .localQueue(LocalQueue.builder("Probe").durable().sequential().capacity(1).build())
                    .store(JdbcMessageStore.builder(db.url).build()).durability(FAST).start()) {
                long started = System.nanoTime();
                host.inTransaction(db.dataSource, (connection, outbox) -> {
                    for (int i = 0; i < 4; i++) {
                        outbox.send(new Probe(i));
                    }
                    return null;
                });
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertThat(millis).as("the commit of 4 sends into a queue with room for 1").isLessThan(5_000);
                assertThat(host.status().storeError()).isNull();
                gate.countDown();
                await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 4);
            }
        }
    }

    @Test
    void aHandlerAskingForAConnectionOnAHostWithoutAStoreFailsTheBuildAndSaysWhy() {
        assertThatThrownBy(() -> AgateHost.builder().handler(new Shipping()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.sql.Connection")
                .hasMessageContaining("no message store");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void closingWithoutCommitRollsBack(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                try (Connection connection = transactionOn(db); OutboxTransaction outbox = host.outbox(connection)) {
                    insert(connection, "orders", 1);
                    outbox.send(new OrderPlaced(1));
                }
                probe(host, db, shipping, 1);
                assertThat(shipping.placed).isEmpty();
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isZero();
            }
        }
    }

    /** A misuse that must not lose messages: the application commits its connection itself and closes the outbox. */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aConnectionCommittedBehindTheOutboxsBackStillHasItsMessagesDelivered(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                try (Connection connection = transactionOn(db); OutboxTransaction outbox = host.outbox(connection)) {
                    insert(connection, "orders", 1);
                    outbox.send(new OrderPlaced(1));
                    connection.commit();
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.contains(1));
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(1);
            }
        }
    }

    /** The leak report: an outbox dropped without being ended is found by the garbage collector, and its rows go out. */
    @Test
    void anOutboxDroppedWithoutEndingIsReportedAndItsCommittedRowsAreDelivered() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                try (Connection connection = transactionOn(db)) {
                    sendAndForget(host, connection);
                    connection.commit();
                }
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    System.gc();
                    return shipping.placed.contains(7);
                });
            }
        }
    }

    private static void sendAndForget(AgateHost host, Connection connection) throws SQLException {
        OutboxTransaction outbox = host.outbox(connection);
        insert(connection, "orders", 7);
        outbox.send(new OrderPlaced(7));
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aConnectionTheOutboxCannotServeIsRefusedBeforeAnythingIsWritten(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind); TestDatabase other = TestDatabase.create(
                kind == TestDatabase.Kind.SQLITE ? TestDatabase.Kind.POSTGRES : TestDatabase.Kind.SQLITE)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                // The store's own database first: its URL is then known, and must not let another through.
                try (Connection same = db.dataSource.getConnection()) {
                    same.setAutoCommit(false);
                    host.outbox(same).close();
                    same.rollback();
                }
                try (Connection autoCommit = db.dataSource.getConnection()) {
                    autoCommit.setAutoCommit(true);
                    assertThatThrownBy(() -> host.outbox(autoCommit)).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("auto-commit");
                }
                try (Connection elsewhere = other.dataSource.getConnection()) {
                    elsewhere.setAutoCommit(false);
                    assertThatThrownBy(() -> host.outbox(elsewhere)).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("the outbox must write on the store's database");
                }
                if (kind == TestDatabase.Kind.SQLITE) {
                    try (TestDatabase otherFile = TestDatabase.create(TestDatabase.Kind.SQLITE);
                         Connection elsewhere = otherFile.dataSource.getConnection()) {
                        elsewhere.setAutoCommit(false);
                        assertThatThrownBy(() -> host.outbox(elsewhere)).isInstanceOf(IllegalArgumentException.class)
                                .hasMessageContaining(otherFile.name);
                    }
                }
            }
        }
    }

    @Test
    void aHostWithoutAStoreHasNoOutbox() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE);
             AgateHost host = AgateHost.builder().handler(new Object() {
                 @Handler
                 void on(Probe probe) {
                 }
             }).start();
             Connection connection = db.dataSource.getConnection()) {
            connection.setAutoCommit(false);
            assertThatThrownBy(() -> host.outbox(connection)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no message store");
        }
    }

    /** A commit that fails (a deferred constraint, checked at commit) sends nothing and says why. */
    @Test
    void aFailedCommitSendsNothing() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            createTables(db);
            db.execute("CREATE TABLE unique_orders (id INTEGER NOT NULL, CONSTRAINT one_each UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)");
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                try (Connection connection = transactionOn(db); OutboxTransaction outbox = host.outbox(connection)) {
                    insert(connection, "unique_orders", 1);
                    insert(connection, "unique_orders", 1);
                    outbox.send(new OrderPlaced(1));
                    assertThatThrownBy(outbox::commit).isInstanceOf(AgateException.class).hasMessageContaining("one_each");
                }
                probe(host, db, shipping, 1);
                assertThat(shipping.placed).isEmpty();
                assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE message_type = 'OrderPlaced'"))
                        .as("no row of the failed commit's send").isZero();
                assertThat(db.queryLong("SELECT COUNT(*) FROM unique_orders")).isZero();
            }
        }
    }

    /**
     * A block of {@code inTransaction} writes what it sends at its commit; code in it that commits the connection
     * itself, then fails, must still find the message committed with its row, as when written at {@code send}.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aBlockThatCommitsItsConnectionItselfCommitsItsMessagesWithItsRows(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                assertThatThrownBy(() -> host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "orders", 1);
                    outbox.send(new OrderPlaced(1));
                    connection.commit();
                    insert(connection, "orders", 2);
                    outbox.send(new OrderPlaced(2));
                    throw new IllegalStateException("after its own commit");
                })).hasMessage("after its own commit");
                await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.contains(1));
                probe(host, db, shipping, 1);
                assertThat(shipping.placed).as("the committed order's message, not the rolled-back one's").containsExactly(1);
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(1);
            }
        }
    }

    /**
     * inTransaction hands its connection back to the pool before what it sent reaches a queue: the worker that the
     * message wakes may need that connection (on SQLite, a pool of one), so it must not wake to find it still held.
     * Each probe's handler looks at whether the connection of the transaction that sent it was closed; closing takes
     * 20 ms here, so that a probe handed on before the close would be seen while it is under way.
     */
    @Test
    void aBlocksConnectionIsBackInItsPoolBeforeWhatItSentIsHandled() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            java.util.Map<Integer, java.util.concurrent.atomic.AtomicBoolean> closed = new ConcurrentHashMap<>();
            java.util.Map<Integer, Boolean> closedWhenHandled = new ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicReference<java.util.concurrent.atomic.AtomicBoolean> current = new java.util.concurrent.atomic.AtomicReference<>();
            javax.sql.DataSource tracking = watchingConnections(db.dataSource, () -> {
                java.util.concurrent.atomic.AtomicBoolean flag = current.get();
                return (call, args) -> {
                    if (call.equals("close")) {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        flag.set(true);
                    }
                };
            });
            Object handler = new Object() {
                @Handler
                void on(Probe probe) {
                    closedWhenHandled.put(probe.id(), closed.get(probe.id()).get());
                }
            };
            try (AgateHost host = AgateHost.builder().serviceName("shop").handler(handler)
                    .localQueue(LocalQueue.builder("Probe").durable().build())
                    .store(JdbcMessageStore.builder(db.dataSource, db.url).build()).durability(FAST).start()) {
                int probes = 50;
                for (int i = 0; i < probes; i++) {
                    int id = i;
                    closed.put(id, new java.util.concurrent.atomic.AtomicBoolean());
                    current.set(closed.get(id));
                    host.inTransaction(tracking, (connection, outbox) -> {
                        outbox.send(new Probe(id));
                        return null;
                    });
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> closedWhenHandled.size() == probes);
                assertThat(closedWhenHandled.values()).as("the sending transaction's connection was closed when its probe was handled")
                        .containsOnly(true);
            }
        }
    }

    /**
     * A durable handling that has waited more than its patience (20 ms) for the pool's one connection goes before a
     * new {@code inTransaction}: the application's transaction does not even ask the pool until the handling has the
     * connection. (In the pool it could take the connection first: HikariCP lets whichever thread asks take a
     * connection that came back before a parked waiter wakes, so a thread that runs transactions back to back kept
     * the worker waiting for hundreds of ms.) Every request for a connection goes through a recording DataSource.
     */
    @Test
    void anInTransactionAsksThePoolOnlyAfterAHandlingThatHasWaitedLongHasItsConnection() throws Exception {
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        java.util.concurrent.CountDownLatch connectionHeld = new java.util.concurrent.CountDownLatch(1);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            config.setDataSource(db.dataSource);
            config.setMaximumPoolSize(1);
            config.setConnectionTimeout(20_000);
            java.util.concurrent.CountDownLatch handlerRuns = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicReference<Thread> worker = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicReference<Thread> application = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            Object handler = new Object() {
                @Handler
                void on(Probe probe, dev.agate.MessageContext context) throws InterruptedException {
                    worker.set(Thread.currentThread());
                    handlerRuns.countDown();
                    assertThat(connectionHeld.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    context.connection(); // waits for the pool's one connection, which the test holds
                }
            };
            try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config)) {
                javax.sql.DataSource recording = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                            Thread thread = Thread.currentThread();
                            String who = thread == worker.get() ? "worker" : thread == application.get() ? "application" : null;
                            boolean asks = method.getName().equals("getConnection") && who != null;
                            if (asks) {
                                events.add(who + " asks");
                            }
                            try {
                                Object result = method.invoke(pool, args);
                                if (asks) {
                                    events.add(who + " has");
                                }
                                return result;
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
                try (AgateHost host = AgateHost.builder().serviceName("shop").handler(handler)
                        .localQueue(LocalQueue.builder("Probe").durable().build())
                        // Default durability: the agent's jobs ask the pool rarely, so the worker is the one waiting for it.
                        .store(JdbcMessageStore.builder(recording, db.url).build()).durability(Durability.defaults()).start()) {
                    host.inTransaction(recording, (connection, outbox) -> {
                        outbox.send(new Probe(1));
                        return null;
                    });
                    assertThat(handlerRuns.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    Thread transaction = new Thread(() -> host.inTransaction(recording, (connection, outbox) -> null));
                    application.set(transaction);
                    try (Connection held = pool.getConnection()) {
                        connectionHeld.countDown();
                        // The worker counts as waiting from before it asks the pool; once it waits there, 30 ms more is
                        // past its patience.
                        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("worker asks")
                                && worker.get().getState() == Thread.State.TIMED_WAITING);
                        await().pollDelay(Duration.ofMillis(30)).until(() -> true);
                        transaction.start();
                        await().pollDelay(Duration.ofMillis(50)).until(() -> true); // the transaction would ask the pool now
                    }
                    transaction.join(20_000);
                    assertThat(transaction.isAlive()).isFalse();
                    assertThat(events).containsSubsequence("worker asks", "worker has", "application asks", "application has");
                }
            }
        } finally {
            connectionHeld.countDown(); // a handler still waiting ends
        }
    }

    /**
     * On PostgreSQL the one write of a block's send carries the COMMIT: one statement, one round trip; the other
     * stores commit as before. Either way the row and the message commit together, and the message is handled once.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aBlockWritesItsMessageWithItsCommitWhereTheDatabaseCan(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            java.util.List<String> prepared = new java.util.concurrent.CopyOnWriteArrayList<>();
            javax.sql.DataSource recording = recordingStatements(db.dataSource, prepared);
            try (AgateHost host = host(db, shipping)) {
                int placed = host.inTransaction(recording, (connection, outbox) -> {
                    insert(connection, "orders", 1);
                    outbox.send(new OrderPlaced(1));
                    return 1;
                });
                assertThat(placed).isEqualTo(1);
                await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.contains(1));
                probe(host, db, shipping, 1);
                assertThat(shipping.placedCount.get()).isEqualTo(1);
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(1);
                java.util.List<String> committing = prepared.stream().filter(sql -> sql.endsWith("; COMMIT")).toList();
                if (kind == TestDatabase.Kind.POSTGRES) {
                    assertThat(committing).as("statements of the first block that carried its COMMIT").hasSize(1)
                            .allMatch(sql -> sql.startsWith("INSERT INTO agate_incoming_envelopes"));
                } else {
                    assertThat(committing).isEmpty();
                }
            }
        }
    }

    /** The COMMIT that went with the block's write fails (a deferred constraint): nothing is sent, no row stays. */
    @Test
    void aBlockWhoseCommitFailsWithItsWriteSendsNothing() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            createTables(db);
            db.execute("CREATE TABLE unique_orders (id INTEGER NOT NULL, CONSTRAINT one_each UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)");
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                assertThatThrownBy(() -> host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "unique_orders", 1);
                    insert(connection, "unique_orders", 1);
                    outbox.send(new OrderPlaced(1));
                    return null;
                })).isInstanceOf(AgateException.class).hasMessageContaining("one_each");
                probe(host, db, shipping, 1);
                assertThat(shipping.placed).isEmpty();
                assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE message_type = 'OrderPlaced'"))
                        .as("no row of the failed commit's send").isZero();
                assertThat(db.queryLong("SELECT COUNT(*) FROM unique_orders")).isZero();
                // The connection went back to the pool usable: the next block commits.
                host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "orders", 2);
                    outbox.send(new OrderPlaced(2));
                    return null;
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.contains(2));
            }
        }
    }

    record Refused(int id) {
    }

    /** Makes the store refuse rows of {@link Refused} messages: a trigger that fails the insert, on each database. */
    private static void refuseRowsOfRefused(TestDatabase db) throws SQLException {
        switch (db.kind) {
            case SQLITE -> db.execute("CREATE TRIGGER refuse BEFORE INSERT ON agate_incoming_envelopes WHEN NEW.message_type = 'Refused'"
                    + " BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END");
            case POSTGRES -> db.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                            + " IF NEW.message_type = 'Refused' THEN RAISE EXCEPTION 'refused by a trigger'; END IF; RETURN NEW; END $$",
                    "CREATE TRIGGER refuse BEFORE INSERT ON agate_incoming_envelopes FOR EACH ROW EXECUTE FUNCTION refuse()");
            case MARIADB -> db.execute("CREATE TRIGGER refuse BEFORE INSERT ON agate_incoming_envelopes FOR EACH ROW"
                    + " IF NEW.message_type = 'Refused' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by a trigger'; END IF");
        }
    }

    private static AgateHost hostRefusing(TestDatabase db, Shipping shipping) {
        return AgateHost.builder().serviceName("shop").handler(shipping).handler(new Object() {
                    @Handler
                    void on(Refused refused) {
                    }
                })
                .localQueue(LocalQueue.builder("OrderPlaced").durable().build())
                .localQueue(LocalQueue.builder("Probe").durable().build())
                .localQueue(LocalQueue.builder("Refused").durable().build())
                .store(JdbcMessageStore.builder(db.url).build()).durability(FAST).shutdownTimeout(Duration.ofSeconds(5)).start();
    }

    /**
     * A block's messages are written at its commit; when that write fails, the whole transaction rolls back (on
     * MariaDB and SQLite a failed statement leaves it open and healthy, so it must not be committed when the
     * connection goes back): no row of the block stays, no message goes out, with one message or several.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aBlockWhoseMessagesCannotBeWrittenLeavesNoRowAndSendsNothing(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = hostRefusing(db, shipping)) {
                refuseRowsOfRefused(db);
                assertThatThrownBy(() -> host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "orders", 1);
                    outbox.send(new Refused(1));
                    return null;
                })).isInstanceOf(AgateException.class).hasMessageContaining("refused by a trigger");
                assertThatThrownBy(() -> host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "orders", 2);
                    outbox.send(new OrderPlaced(2));
                    outbox.send(new Refused(2));
                    return null;
                })).isInstanceOf(AgateException.class).hasMessageContaining("refused by a trigger");
                probe(host, db, shipping, 1);
                assertThat(shipping.placed).isEmpty();
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).as("rows of the blocks").isZero();
                assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE message_type <> 'Probe'")).isZero();
            }
        }
    }

    /**
     * The block's code commits its connection itself and the messages cannot be written first: that commit is
     * refused, and so is a second one after the code caught the first failure; nothing of the block commits.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aBlockThatCommitsItselfWhenItsMessagesCannotBeWrittenCannotCommit(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = hostRefusing(db, shipping)) {
                refuseRowsOfRefused(db);
                assertThatThrownBy(() -> host.inTransaction(db.dataSource, (connection, outbox) -> {
                    insert(connection, "orders", 1);
                    outbox.send(new OrderPlaced(1));
                    outbox.send(new Refused(1));
                    assertThatThrownBy(connection::commit).isInstanceOf(SQLException.class).hasMessageContaining("refused by a trigger");
                    assertThatThrownBy(connection::commit).isInstanceOf(SQLException.class).hasMessageContaining("cannot commit");
                    return null;
                })).isInstanceOf(AgateException.class).hasMessageContaining("rolled back");
                probe(host, db, shipping, 1);
                assertThat(shipping.placed).isEmpty();
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isZero();
            }
        }
    }

    /** A send through a block's outbox after the block ended fails, as it does on an outbox that writes at send. */
    @Test
    void aSendThroughABlocksOutboxAfterTheBlockFails() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            createTables(db);
            Shipping shipping = new Shipping();
            try (AgateHost host = host(db, shipping)) {
                dev.agate.MessageBus[] kept = new dev.agate.MessageBus[1];
                host.inTransaction(db.dataSource, (connection, outbox) -> {
                    kept[0] = outbox;
                    return null;
                });
                assertThatThrownBy(() -> kept[0].send(new OrderPlaced(1))).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("has ended");
            }
        }
    }

    /**
     * pgjdbc with a default fetch size reads results through a cursor, which the COMMIT sent with the insert would
     * close before the inserted ids are read: the ids are fetched at once. Several messages to one queue are one
     * statement, so they carry the COMMIT too.
     */
    @Test
    void aBlockOnAPostgresConnectionWithAFetchSizeCommitsItsMessages() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            createTables(db);
            Shipping shipping = new Shipping();
            org.postgresql.ds.PGSimpleDataSource fetching = new org.postgresql.ds.PGSimpleDataSource();
            fetching.setUrl(db.url);
            fetching.setDefaultRowFetchSize(1);
            java.util.List<String> prepared = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (AgateHost host = host(db, shipping)) {
                host.inTransaction(recordingStatements(fetching, prepared), (connection, outbox) -> {
                    insert(connection, "orders", 1);
                    for (int id = 1; id <= 3; id++) {
                        outbox.send(new OrderPlaced(id));
                    }
                    return null;
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.size() == 3);
                assertThat(prepared).filteredOn(sql -> sql.endsWith("; COMMIT")).hasSize(1);
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(1);
            }
        }
    }

    /** A data source whose connections note the SQL of every statement they prepare. */
    private static javax.sql.DataSource recordingStatements(javax.sql.DataSource dataSource, java.util.List<String> prepared) {
        return watchingConnections(dataSource, () -> (call, args) -> {
            if (call.equals("prepareStatement")) {
                prepared.add((String) args[0]);
            }
        });
    }

    /** A data source whose connections each tell a watcher of their own (made as they are handed out) every call, before it runs. */
    private static javax.sql.DataSource watchingConnections(javax.sql.DataSource dataSource,
                                                            java.util.function.Supplier<java.util.function.BiConsumer<String, Object[]>> watchers) {
        return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(OutboxTransactionTest.class.getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(dataSource, method, args);
                    if (!(result instanceof Connection connection)) {
                        return result;
                    }
                    java.util.function.BiConsumer<String, Object[]> watcher = watchers.get();
                    return java.lang.reflect.Proxy.newProxyInstance(OutboxTransactionTest.class.getClassLoader(),
                            new Class<?>[] {Connection.class}, (p, m, a) -> {
                                watcher.accept(m.getName(), a);
                                return invoke(connection, m, a);
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
