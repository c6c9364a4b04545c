package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same envelope delivered twice to a transactional handler changes the database once: the
 * handler's write, the handled mark and its cascades are one transaction, the inbox refuses an id it
 * has seen, and the mark is checked against the node that owns the envelope, so a node that lost it
 * mid-handling rolls its work back.
 */
class RedeliveryTest {
    static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(100))
            .scheduledPollingInterval(Duration.ofMillis(100)).heartbeat(Duration.ofMillis(200), Duration.ofSeconds(2));
    static final URI QUEUE = URI.create("local://Deposit");

    record Deposit(int n) {
    }

    /** Writes a ledger row on its transaction's connection; optionally holds the first handling at a gate. */
    static final class Ledger {
        final AtomicInteger attempts = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate;
        volatile UUID handling;

        Ledger(boolean gated) {
            this.gate = new CountDownLatch(gated ? 1 : 0);
        }

        @Handler
        void on(Deposit deposit, Connection connection, Envelope envelope) throws SQLException, InterruptedException {
            handling = envelope.id();
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO ledger (n) VALUES (?)")) {
                insert.setInt(1, deposit.n());
                insert.executeUpdate();
            }
            attempts.incrementAndGet();
            entered.countDown();
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
        }
    }

    private static AgateHost host(TestDatabase db, Ledger ledger) {
        return host(db, ledger, FAST);
    }

    private static AgateHost host(TestDatabase db, Ledger ledger, Durability durability) {
        return AgateHost.builder().serviceName("bank").handler(ledger).localQueue(LocalQueue.builder("Deposit").durable().build())
                .store(JdbcMessageStore.builder(db.url).build()).durability(durability).shutdownTimeout(Duration.ofSeconds(5)).start();
    }

    private static Envelope deposit(UUID id, int n) {
        return Envelope.builder().id(id).messageType("Deposit").destination(QUEUE)
                .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).build();
    }

    /** What a listener does with an envelope that arrives (again): store it for any node, or learn it is a duplicate. */
    private static Set<UUID> arrive(TestDatabase db, Envelope envelope) {
        try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
            store.start();
            return store.inbox().store(null, QUEUE, List.of(envelope), 0, Instant.now());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void anEnvelopeThatArrivesAgainBeforeOrAfterItWasHandledIsHandledOnce(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
            UUID id = UUID.randomUUID();
            assertThat(arrive(db, deposit(id, 1))).isEmpty();
            assertThat(arrive(db, deposit(id, 1))).as("a second arrival before handling").containsExactly(id);
            Ledger ledger = new Ledger(false);
            try (AgateHost host = host(db, ledger)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") == 1);
                assertThat(arrive(db, deposit(id, 1))).as("a late arrival after handling").containsExactly(id);
                // A later envelope through the same queue: once it is handled, the duplicate had its chance.
                arrive(db, deposit(UUID.randomUUID(), 2));
                await().atMost(Duration.ofSeconds(20)).until(() -> db.queryLong("SELECT COUNT(*) FROM ledger WHERE n = 2") == 1);
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM ledger WHERE n = 1")).isEqualTo(1);
            assertThat(ledger.attempts.get()).isEqualTo(2);
        }
    }

    /**
     * Node A is mid-handling when the envelope is given to any node (as the leader does for a node it
     * believes dead); node B handles it and commits. When A finishes, its owner-checked mark fails and its
     * ledger row rolls back. Needs two writers at once, so not on SQLite.
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRES", "MARIADB"})
    void aNodeThatLostTheEnvelopeMidHandlingRollsBackAndTheOtherNodesHandlingIsTheOnlyOne(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
            Ledger slow = new Ledger(true);
            Ledger fast = new Ledger(false);
            // A never recovers on its own during the test, so once its envelope is given away only B can take it.
            try (AgateHost a = host(db, slow, FAST.recoveryInterval(Duration.ofHours(1)))) {
                // The agent's first pass comes within 100 ms of the start; the envelope must be released after it.
                Thread.sleep(300);
                a.bus().send(new Deposit(1));
                assertThat(slow.entered.await(20, TimeUnit.SECONDS)).as("node A is handling it").isTrue();
                UUID id = slow.handling;
                try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
                    store.start();
                    int owner = store.admin().counts().incomingByOwner().keySet().stream().filter(o -> o != 0).findFirst().orElseThrow();
                    store.inbox().release(List.of(id), owner);
                }
                try (AgateHost b = host(db, fast)) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> fast.attempts.get() == 1);
                    await().atMost(Duration.ofSeconds(20)).until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") == 1);
                    slow.gate.countDown();
                    // A's commit finds the envelope handled by B: its mark fails, its row rolls back.
                    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                            .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") == 1);
                }
            }
            assertThat(slow.attempts.get()).as("A ran the handler").isEqualTo(1);
            assertThat(db.queryLong("SELECT COUNT(*) FROM ledger")).as("the database changed once").isEqualTo(1);
        }
    }

    /**
     * A handler that catches an SQL error and returns normally: PostgreSQL has aborted its transaction, so
     * the handling cannot commit. That is the handler's failure, counted and dead-lettered by its policy,
     * not a store outage retried without end.
     */
    @org.junit.jupiter.api.Test
    void aHandlerThatSwallowsAnSqlErrorFailsItsAttemptsAndIsDeadLettered() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
            Object careless = new Object() {
                @Handler
                void on(Deposit deposit, Connection connection) throws SQLException {
                    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO ledger (n) VALUES (?)")) {
                        insert.setInt(1, deposit.n());
                        insert.executeUpdate();
                    }
                    try (var statement = connection.createStatement()) {
                        statement.executeUpdate("INSERT INTO no_such_table VALUES (1)");
                    } catch (SQLException ignored) {
                        // the mistake under test: carrying on in an aborted transaction
                    }
                }
            };
            try (AgateHost host = AgateHost.builder().serviceName("bank").handler(careless)
                    .localQueue(LocalQueue.builder("Deposit").durable().build())
                    .onError(dev.agate.ErrorPolicy.onAny().retry(2).deadLetter())
                    .store(JdbcMessageStore.builder(db.url).build()).durability(FAST).start()) {
                host.bus().send(new Deposit(1));
                await().atMost(Duration.ofSeconds(20)).until(() -> host.deadLetters().list().size() == 1);
                assertThat(host.deadLetters().list().get(0).attempts()).isEqualTo(3);
                assertThat(host.deadLetters().list().get(0).exceptionMessage()).contains("aborted the transaction");
                assertThat(host.status().storeError()).isNull();
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM ledger")).isZero();
        }
    }
}
