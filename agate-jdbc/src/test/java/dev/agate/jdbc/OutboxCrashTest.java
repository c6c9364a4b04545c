package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.jdbc.crash.ChildNode;
import dev.agate.jdbc.crash.OutboxNode;
import dev.agate.spi.StoreAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outbox survives SIGKILL: an application process ({@link OutboxNode}, a child JVM) writes an order
 * and sends its message in one transaction; it is killed, and a restarted process delivers what was
 * committed. At the end every committed order has exactly one {@code shipped} row and no shipped row lacks
 * its order. The seed picks the kill point and is printed with the counts; replay with
 * {@code -Dagate.crash.seed=SEED}.
 */
class OutboxCrashTest {
    private static final int ORDERS = 1500;

    private static void createTables(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE orders (id INTEGER NOT NULL, payload VARCHAR(200) NOT NULL)",
                "CREATE TABLE shipped (order_id INTEGER NOT NULL, node INTEGER NOT NULL)");
    }

    /** The exact window: the transaction committed, the outbox never told, the process killed. */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void messagesCommittedButNotYetReleasedWhenTheProcessIsKilledAreDeliveredAfterTheRestart(TestDatabase.Kind kind) throws Exception {
        int count = 200;
        Path log = Files.createTempFile("agate-outbox-crash-" + kind, ".log");
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            int firstNode;
            try (ChildNode first = ChildNode.start("first", log, OutboxNode.class, db.url, "commit-and-hang", "0", String.valueOf(count))) {
                firstNode = first.nodeId();
                first.await("COMMITTED", 60_000);
                // Committed and owned by the live node, which never hands them to its queue: nothing may ship yet.
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                        .until(() -> db.queryLong("SELECT COUNT(*) FROM shipped") == 0);
                assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(count);
                first.kill();
            }
            long restartedAt = System.nanoTime();
            try (ChildNode second = ChildNode.start("second", log, OutboxNode.class, db.url, "recover")) {
                int secondNode = second.nodeId();
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20))
                        .until(() -> db.queryLong("SELECT COUNT(*) FROM shipped") >= count);
                long finishedMillis = (System.nanoTime() - restartedAt) / 1_000_000;
                second.stop();
                System.out.printf("outbox-crash window %s orders=%d firstNode=%d secondNode=%d deliveredAfterRestartMs=%d log=%s%n",
                        kind, count, firstNode, secondNode, finishedMillis, log);
            }
            assertExactlyOnce(db, count);
        }
    }

    /** Orders placed one transaction each, the process killed at a random one, restarted to place the rest. */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aProcessKilledWhilePlacingOrdersLosesNoCommittedMessageAndSendsNoneForARolledBackOrder(TestDatabase.Kind kind) throws Exception {
        long seed = Long.getLong("agate.crash.seed", System.nanoTime());
        int killAt = ORDERS / 10 + new Random(seed).nextInt(ORDERS / 2);
        Path log = Files.createTempFile("agate-outbox-crash-" + kind, ".log");
        try (TestDatabase db = TestDatabase.create(kind)) {
            createTables(db);
            long placedAtKill;
            long shippedAtKill;
            try (ChildNode first = ChildNode.start("first", log, OutboxNode.class, db.url, "place", "0", String.valueOf(ORDERS))) {
                first.nodeId();
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(2))
                        .until(() -> db.queryLong("SELECT COUNT(*) FROM orders") >= killAt);
                first.kill();
                // A COMMIT the killed process had sent may still be applied: count once the server ended its sessions.
                db.awaitNoOtherSessions(Duration.ofSeconds(30));
                placedAtKill = db.queryLong("SELECT COUNT(*) FROM orders");
                shippedAtKill = db.queryLong("SELECT COUNT(*) FROM shipped");
            }
            assertThat(placedAtKill).as("the kill must come mid-run for the test to mean anything").isBetween((long) killAt, ORDERS - 1L);
            long restartedAt = System.nanoTime();
            long finishedMillis;
            try (ChildNode second = ChildNode.start("second", log, OutboxNode.class, db.url, "place",
                    String.valueOf(placedAtKill), String.valueOf(ORDERS - placedAtKill))) {
                second.nodeId();
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                        .until(() -> db.queryLong("SELECT COUNT(*) FROM shipped") >= ORDERS);
                finishedMillis = (System.nanoTime() - restartedAt) / 1_000_000;
                second.stop();
            }
            System.out.printf("outbox-crash %s seed=%d orders=%d killAt=%d placedAtKill=%d shippedAtKill=%d finishedAfterRestartMs=%d log=%s%n",
                    kind, seed, ORDERS, killAt, placedAtKill, shippedAtKill, finishedMillis, log);
            assertExactlyOnce(db, ORDERS);
        }
    }

    private static void assertExactlyOnce(TestDatabase db, int orders) throws Exception {
        assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(orders);
        assertThat(db.queryLong("SELECT COUNT(DISTINCT order_id) FROM shipped")).as("every order shipped").isEqualTo(orders);
        assertThat(db.queryLong("SELECT COUNT(*) FROM shipped")).as("no order shipped twice").isEqualTo(orders);
        assertThat(db.queryLong("SELECT COUNT(*) FROM shipped s WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = s.order_id)"))
                .as("no message without its committed order").isZero();
        StoreAdmin.Counts counts;
        try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
            store.start();
            counts = store.admin().counts();
        }
        assertThat(counts.incoming()).as("%s", counts).isZero();
        assertThat(counts.handled()).as("local envelopes with ids Agate made %s", "(deleted on PostgreSQL, kept as handled on SQLite and MariaDB)").isIn(0L, (long) orders);
    }
}
