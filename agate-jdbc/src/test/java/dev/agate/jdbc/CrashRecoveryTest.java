package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.jdbc.crash.ChildNode;
import dev.agate.spi.StoreAdmin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A node sending and handling thousands of durable envelopes is killed with SIGKILL mid-run, and started
 * again; it sends the rest (sends are sequential, so the rows in the store are the first ones): every
 * envelope is handled exactly once, because each handler's ledger row commits in the same transaction as
 * the mark that its envelope was handled. The seed picks the kill point; it is printed
 * with the counts, so a failure can be replayed with {@code -Dagate.crash.seed=SEED}.
 */
class CrashRecoveryTest {
    private static final int TOTAL = 3000;

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aNodeKilledMidRunAndRestartedHandlesEveryEnvelopeExactlyOnce(TestDatabase.Kind kind) throws Exception {
        long seed = Long.getLong("agate.crash.seed", System.nanoTime());
        int killAt = TOTAL / 10 + new Random(seed).nextInt(TOTAL / 2);
        Path log = Files.createTempFile("agate-crash-" + kind, ".log");
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL, node INTEGER NOT NULL" + db.transactionColumn() + ")");
            long handledAtKill;
            int firstNode;
            try (ChildNode first = ChildNode.start("first", log, db.url, TOTAL, 0, 5, 10_000)) {
                firstNode = first.nodeId();
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(5))
                        .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") >= killAt);
                first.kill();
                // A COMMIT the killed process had sent may still be applied: count once the server ended its sessions.
                db.awaitNoOtherSessions(Duration.ofSeconds(30));
                handledAtKill = db.queryLong("SELECT COUNT(*) FROM ledger");
            }
            assertThat(handledAtKill).as("the kill must come mid-run for the test to mean anything").isBetween((long) killAt, TOTAL - 1L);
            // What the first node sent: what it handled (a handled local envelope's row is deleted on PostgreSQL, in the
            // transaction of its ledger row; elsewhere it is kept as handled) and the rows still waiting.
            int persisted = (int) (handledAtKill + db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status <> 'Handled'"));

            long restartedAt = System.nanoTime();
            long finishedMillis;
            int secondNode;
            try (ChildNode second = ChildNode.start("second", log, db.url, TOTAL - persisted, persisted, 0, 10_000)) {
                secondNode = second.nodeId();
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                        .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") >= TOTAL);
                finishedMillis = (System.nanoTime() - restartedAt) / 1_000_000;
                Thread.sleep(500); // room for a duplicate to show up, if there were one
                second.stop();
            }
            long rows = db.queryLong("SELECT COUNT(*) FROM ledger");
            long distinct = db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger");
            StoreAdmin.Counts counts;
            try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
                store.start();
                counts = store.admin().counts();
            }
            long transactions = db.ledgerTransactions();
            System.out.printf("crash %s seed=%d total=%d killAt=%d handledAtKill=%d persistedAtKill=%d firstNode=%d secondNode=%d finishedAfterRestartMs=%d"
                            + " ledgerRows=%d distinct=%d handlingTransactions=%d store=%s log=%s%n", kind, seed, TOTAL, killAt, handledAtKill, persisted,
                    firstNode, secondNode, finishedMillis, rows, distinct, transactions, counts, log);
            assertThat(distinct).as("every envelope handled").isEqualTo(TOTAL);
            assertThat(rows).as("no envelope handled twice").isEqualTo(TOTAL);
            assertThat(counts.incoming()).isZero();
            assertThat(counts.scheduled()).isZero();
            assertThat(counts.handled()).as("local envelopes with ids Agate made %s", "(deleted on PostgreSQL, kept as handled on SQLite and MariaDB)").isIn(0L, (long) TOTAL);
            if (transactions >= 0) {
                assertThat(transactions).as("handled in batches: the kill came in the middle of multi-envelope transactions").isLessThan(TOTAL);
            }
        }
    }
}
