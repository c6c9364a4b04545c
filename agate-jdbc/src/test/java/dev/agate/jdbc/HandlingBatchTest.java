package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.MessageContext;
import dev.agate.spi.MessageEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Batched handling on each real database: one worker of a durable queue finds hundreds of envelopes waiting
 * (a first envelope holds it until they are all sent) and handles them in shared transactions. Handlers that
 * fail in the middle of a batch, a handler whose own SQL error aborts the transaction, and envelopes taken over
 * by another node while the batch ran: every ledger row commits exactly once, and a failed attempt is counted
 * like one handled alone. The seed picks the failing envelopes; it is printed with the counts, and
 * {@code -Dagate.batch.seed=SEED} replays it.
 */
class HandlingBatchTest {
    private static final int TOTAL = 400;

    record Deposit(int n) {
    }

    /** A cascade its sender cannot serialize (Jackson has no property to write for an Object). */
    record Unwritable(Object payload) {
    }

    /** Holds the worker until released, so that the envelopes sent meanwhile wait together in the buffer. */
    record Gate() {
    }

    static final class Bank {
        final CountDownLatch open = new CountDownLatch(1);
        /** A deposit whose handler, mid-batch, waits for {@code resume}; -1 for none. */
        volatile int holdAt = -1;
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        final Set<Integer> throwOnce;
        final Set<Integer> sqlErrorOnce;
        final Set<Integer> thrown = ConcurrentHashMap.newKeySet();
        /** Deposits whose first attempt cascades a message that cannot be serialized. */
        Set<Integer> unwritableOnce = Set.of();
        final Set<Integer> cascadedUnwritable = ConcurrentHashMap.newKeySet();
        final Set<Integer> erred = ConcurrentHashMap.newKeySet();
        /** Attempts of each deposit's successful handling, by deposit. */
        final Map<Integer, Integer> attempts = new ConcurrentHashMap<>();
        /** One entry per transaction a handler ran in (a pooled connection per transaction). */
        final Set<Connection> transactions = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));
        final AtomicInteger runs = new AtomicInteger();

        Bank(Set<Integer> throwOnce, Set<Integer> sqlErrorOnce) {
            this.throwOnce = throwOnce;
            this.sqlErrorOnce = sqlErrorOnce;
        }

        @Handler
        void on(Unwritable unwritable) {
            throw new AssertionError("an unwritable message was stored and handled");
        }

        @Handler
        void on(Gate gate) throws InterruptedException {
            open.await(30, TimeUnit.SECONDS);
        }

        @Handler
        void on(Deposit deposit, MessageContext context, Envelope envelope) throws SQLException {
            runs.incrementAndGet();
            Connection connection = context.connection();
            if (deposit.n() == holdAt) {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO ledger (n) VALUES (?)")) {
                    insert.setInt(1, deposit.n());
                    insert.executeUpdate();
                }
                held.countDown();
                try {
                    resume.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                attempts.put(deposit.n(), envelope.attempts());
                return; // the batch goes on to its mark, which finds its envelopes another node's
            }
            transactions.add(connection);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO ledger (n) VALUES (?)")) {
                insert.setInt(1, deposit.n());
                insert.executeUpdate();
            }
            if (sqlErrorOnce.contains(deposit.n()) && erred.add(deposit.n())) {
                // An error the handler swallows: PostgreSQL has aborted the transaction, a COMMIT would roll it back.
                try (PreparedStatement bad = connection.prepareStatement("INSERT INTO no_such_table VALUES (1)")) {
                    bad.executeUpdate();
                } catch (SQLException expected) {
                    // swallowed on purpose
                }
            }
            if (throwOnce.contains(deposit.n()) && thrown.add(deposit.n())) {
                throw new IllegalStateException("deposit " + deposit.n() + " fails once");
            }
            if (unwritableOnce.contains(deposit.n()) && cascadedUnwritable.add(deposit.n())) {
                context.send(new Unwritable(new Object())); // fails when the batch serializes what this handling sent
            }
            attempts.put(deposit.n(), envelope.attempts());
        }
    }

    private static AgateHost start(TestDatabase db, Bank bank, List<MessageEvent> events) {
        LocalQueue queue = LocalQueue.builder("bank").durable().maximumParallelism(1).build();
        return AgateHost.builder().serviceName("bank").handler(bank).localQueue(queue)
                .route(Deposit.class, queue.uri().toString()).route(Gate.class, queue.uri().toString())
                .route(Unwritable.class, queue.uri().toString())
                .store(JdbcMessageStore.builder(db.url).build()).durability(DurableLocalQueueTest.FAST)
                .onError(ErrorPolicy.on(IllegalStateException.class, dev.agate.AgateException.class, dev.agate.SerializationException.class)
                        .retry(3).deadLetter())
                .observer(event -> {
                    if (event.envelope().messageType().endsWith("Deposit")) {
                        events.add(event);
                    }
                })
                .shutdownTimeout(Duration.ofSeconds(5)).start();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void handlersFailingMidBatchLeaveTheOthersEffectsOnceAndCountTheirAttempt(TestDatabase.Kind kind) throws Exception {
        long seed = Long.getLong("agate.batch.seed", System.nanoTime());
        Random random = new Random(seed);
        Set<Integer> throwOnce = ConcurrentHashMap.newKeySet();
        Set<Integer> sqlErrorOnce = ConcurrentHashMap.newKeySet();
        while (throwOnce.size() < 12) {
            throwOnce.add(random.nextInt(TOTAL));
        }
        while (sqlErrorOnce.size() < 6) {
            int n = random.nextInt(TOTAL);
            if (!throwOnce.contains(n)) {
                sqlErrorOnce.add(n);
            }
        }
        Set<Integer> unwritableOnce = new java.util.TreeSet<>();
        while (unwritableOnce.size() < 4) {
            int n = random.nextInt(TOTAL);
            if (!throwOnce.contains(n) && !sqlErrorOnce.contains(n)) {
                unwritableOnce.add(n);
            }
        }
        List<MessageEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL PRIMARY KEY)");
            Bank bank = new Bank(throwOnce, sqlErrorOnce);
            bank.unwritableOnce = unwritableOnce;
            try (AgateHost host = start(db, bank, events)) {
                host.bus().send(new Gate());
                for (int i = 0; i < TOTAL; i++) {
                    host.bus().send(new Deposit(i));
                }
                bank.open.countDown();
                await().atMost(Duration.ofSeconds(60)).until(() -> events.stream().filter(e -> e.kind() == MessageEvent.Kind.SUCCEEDED).count() == TOTAL);
            }
            long rows = db.queryLong("SELECT COUNT(*) FROM ledger");
            long distinct = db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger");
            long succeeded = events.stream().filter(e -> e.kind() == MessageEvent.Kind.SUCCEEDED).count();
            long failed = events.stream().filter(e -> e.kind() == MessageEvent.Kind.FAILED).count();
            System.out.printf("handling batch %s seed=%d deposits=%d ledger_rows=%d distinct=%d handler_runs=%d transactions=%d"
                            + " succeeded=%d failed_attempts=%d throw_once=%s sql_error_once=%s unwritable_once=%s%n", kind, seed, TOTAL, rows, distinct,
                    bank.runs.get(), bank.transactions.size(), succeeded, failed, throwOnce, sqlErrorOnce, unwritableOnce);
            assertThat(rows).as("ledger rows, seed " + seed).isEqualTo(TOTAL);
            assertThat(distinct).isEqualTo(TOTAL);
            assertThat(succeeded).isEqualTo(TOTAL);
            assertThat(bank.transactions.size()).as("transactions: the waiting envelopes were handled in batches (one each would be more"
                    + " than %d, with the failures' rollbacks)", TOTAL).isLessThan(TOTAL / 2);
            for (int n : throwOnce) {
                assertThat(bank.attempts.get(n)).as("deposit %d failed once in a batch, then succeeded: its second attempt", n).isEqualTo(2);
            }
            for (int n = 0; n < TOTAL; n++) {
                if (!throwOnce.contains(n) && !sqlErrorOnce.contains(n) && !unwritableOnce.contains(n)) {
                    assertThat(bank.attempts.get(n)).as("deposit %d never failed: handled again after another's failure, still attempt 1", n)
                            .isEqualTo(1);
                }
            }
            for (int n : unwritableOnce) {
                assertThat(bank.attempts.get(n)).as("deposit %d sent a message that cannot be serialized once: its own failed attempt", n)
                        .isEqualTo(2);
            }
            if (kind == TestDatabase.Kind.POSTGRES) {
                for (int n : sqlErrorOnce) {
                    assertThat(bank.attempts.get(n)).as("deposit %d aborted its transaction once: a failed attempt", n).isEqualTo(2);
                }
            }
        }
    }

    /**
     * A node whose lease is lost while a batch runs (the leader declares it dead: its node row deleted, its rows
     * given to any node, as after a freeze), with a second node ready to take the work over: the first node's
     * batch finds its envelopes gone at the mark and rolls back, and it rejoins under a new id. Which node then
     * claims the released envelopes is a race (the rejoined one often wins); either way every deposit is in the
     * ledger once, and nothing failed or was dead-lettered (a batch that had committed under the old id would
     * make the new owner's inserts of those deposits fail on the ledger's key). Not SQLite: there
     * the batch's open transaction holds the file's one write lock, so no other node could take anything over
     * before it ends.
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRES", "MARIADB"})
    void aNodeThatLosesItsLeaseMidBatchRollsItBackAndTheNodeThatTookOverHandlesEachOnce(TestDatabase.Kind kind) throws Exception {
        List<MessageEvent> eventsA = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<MessageEvent> eventsB = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL PRIMARY KEY)");
            Bank bankA = new Bank(Set.of(), Set.of());
            bankA.holdAt = 10; // the 11th deposit of the first batch: ten ledger rows of this batch are written, uncommitted
            Bank bankB = new Bank(Set.of(), Set.of());
            bankB.open.countDown();
            try (AgateHost a = start(db, bankA, eventsA)) {
                int nodeA = a.nodeId();
                a.bus().send(new Gate());
                for (int i = 0; i < TOTAL; i++) {
                    a.bus().send(new Deposit(i));
                }
                bankA.open.countDown();
                assertThat(bankA.held.await(30, TimeUnit.SECONDS)).as("node A is in the middle of a batch").isTrue();
                try (AgateHost b = start(db, bankB, eventsB)) {
                    // What the leader does to a node whose lease ran out.
                    db.execute("DELETE FROM agate_nodes WHERE node_id = " + nodeA,
                            "UPDATE agate_incoming_envelopes SET owner_id = 0 WHERE owner_id = " + nodeA + " AND status = 'Incoming'");
                    await().atMost(Duration.ofSeconds(30)).until(() -> a.nodeId() != nodeA);
                    // B's ledger rows 0..10 wait on A's uncommitted ones (same keys) until A's batch ends.
                    bankA.resume.countDown();
                    await().atMost(Duration.ofSeconds(60)).until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") == TOTAL
                            && eventsA.stream().noneMatch(e -> e.kind() == MessageEvent.Kind.STARTED && !ended(eventsA, e)));
                    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                            .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") == TOTAL);
                    assertThat(b.deadLetters().list()).as("dead letters of node B").isEmpty();
                }
                assertThat(a.deadLetters().list()).as("dead letters of node A").isEmpty();
                long rows = db.queryLong("SELECT COUNT(*) FROM ledger");
                long succeededA = eventsA.stream().filter(e -> e.kind() == MessageEvent.Kind.SUCCEEDED).count();
                long discardedA = eventsA.stream().filter(e -> e.kind() == MessageEvent.Kind.DISCARDED).count();
                long succeededB = eventsB.stream().filter(e -> e.kind() == MessageEvent.Kind.SUCCEEDED).count();
                long failed = java.util.stream.Stream.concat(eventsA.stream(), eventsB.stream())
                        .filter(e -> e.kind() == MessageEvent.Kind.FAILED).count();
                System.out.printf("handling batch lost lease %s deposits=%d nodeA=%d rejoinedAs=%d succeededA=%d discardedA=%d succeededB=%d"
                        + " failed=%d ledger_rows=%d%n", kind, TOTAL, nodeA, a.nodeId(), succeededA, discardedA, succeededB, failed, rows);
                assertThat(rows).isEqualTo(TOTAL);
                assertThat(db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger")).isEqualTo(TOTAL);
                assertThat(succeededA + succeededB).as("each deposit succeeded on one node only").isEqualTo(TOTAL);
                assertThat(failed).as("no attempt failed: the old batch left nothing behind").isZero();
            }
        }
    }

    /** Whether a final event followed this STARTED for the same envelope. */
    private static boolean ended(List<MessageEvent> events, MessageEvent started) {
        int from = events.indexOf(started);
        return events.subList(from + 1, events.size()).stream().anyMatch(e -> e.envelope().id().equals(started.envelope().id())
                && e.kind() != MessageEvent.Kind.STARTED && e.kind() != MessageEvent.Kind.FAILED && e.kind() != MessageEvent.Kind.RETRYING);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void envelopesTakenOverWhileTheirBatchRanAreNotHandledHereAndTheOthersOnce(TestDatabase.Kind kind) throws Exception {
        long seed = Long.getLong("agate.batch.seed", System.nanoTime());
        List<MessageEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL PRIMARY KEY)");
            Bank bank = new Bank(Set.of(), Set.of());
            Set<UUID> takenOver = ConcurrentHashMap.newKeySet();
            try (AgateHost host = start(db, bank, events)) {
                host.bus().send(new Gate());
                for (int i = 0; i < TOTAL; i++) {
                    host.bus().send(new Deposit(i));
                }
                // Another node (id 999_999) takes over a few of the waiting envelopes, as a leader would after declaring this one dead.
                List<UUID> waiting = new ArrayList<>();
                try (Connection c = db.dataSource.getConnection(); ResultSet rows = c.createStatement().executeQuery(
                        "SELECT id FROM agate_incoming_envelopes WHERE status = 'Incoming' AND message_type LIKE '%Deposit'")) {
                    while (rows.next()) {
                        waiting.add(UUID.fromString(rows.getString(1)));
                    }
                }
                Collections.shuffle(waiting, new Random(seed));
                for (UUID id : waiting.subList(0, 7)) {
                    db.execute("UPDATE agate_incoming_envelopes SET owner_id = 999999 WHERE id = '" + id + "'");
                    takenOver.add(id);
                }
                bank.open.countDown();
                await().atMost(Duration.ofSeconds(60)).until(() -> events.stream()
                        .filter(e -> e.kind() == MessageEvent.Kind.SUCCEEDED || e.kind() == MessageEvent.Kind.DISCARDED).count() == TOTAL);
            }
            List<UUID> discarded = events.stream().filter(e -> e.kind() == MessageEvent.Kind.DISCARDED).map(e -> e.envelope().id()).toList();
            long rows = db.queryLong("SELECT COUNT(*) FROM ledger");
            System.out.printf("handling batch takeover %s seed=%d deposits=%d taken_over=%d discarded=%d ledger_rows=%d transactions=%d%n",
                    kind, seed, TOTAL, takenOver.size(), discarded.size(), rows, bank.transactions.size());
            assertThat(discarded).as("seed " + seed).containsExactlyInAnyOrderElementsOf(takenOver);
            assertThat(rows).isEqualTo(TOTAL - takenOver.size());
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE owner_id = 999999 AND status = 'Incoming'"))
                    .as("the other node's envelopes are left to it").isEqualTo(takenOver.size());
        }
    }
}
