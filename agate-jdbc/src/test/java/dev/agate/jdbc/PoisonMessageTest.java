package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.spi.DeadLetterStore;
import dev.agate.DeadLetter;
import dev.agate.jdbc.crash.ChildNode;
import dev.agate.jdbc.crash.PoisonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A poison message: handling one deposit halts the JVM before its transaction commits. Each time the
 * node is restarted (as a supervisor would), the others finish, and the poison must reach the dead letters
 * with the reason after at most {@code Durability.maxHandlingCrashes()} (3) crashes, never blaming a deposit
 * that was merely held or ran beside it: every other deposit is handled exactly once.
 */
class PoisonMessageTest {
    private static final int DEPOSITS = 200;

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aMessageWhoseHandlingCrashesTheProcessIsDeadLetteredAfterThreeCrashesAndTheOthersAreHandledOnce(TestDatabase.Kind kind)
            throws Exception {
        int poison = 1 + ThreadLocalRandom.current().nextInt(DEPOSITS);
        Path log = Files.createTempFile("agate-poison", ".log");
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL, node INTEGER NOT NULL)");
            int crashes = 0;
            int starts = 0;
            boolean done = false;
            while (!done && starts < 8) {
                try (ChildNode node = ChildNode.start("poison-" + starts, log, PoisonNode.class, db.url,
                        String.valueOf(starts == 0 ? DEPOSITS : 0), String.valueOf(poison))) {
                    starts++;
                    long deadline = System.currentTimeMillis() + 30_000;
                    while (System.currentTimeMillis() < deadline) {
                        Integer exit = node.exitCode();
                        if (exit != null) {
                            assertThat(exit).as("the node ended by the poison's halt (log %s)", log).isEqualTo(PoisonNode.HALTED);
                            crashes++;
                            break;
                        }
                        if (db.queryLong("SELECT COUNT(*) FROM ledger") == DEPOSITS - 1 && deadLettered(db, poison)) {
                            node.stop();
                            done = true;
                            break;
                        }
                        Thread.sleep(100);
                    }
                }
            }
            long rows = db.queryLong("SELECT COUNT(*) FROM ledger");
            long distinct = db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger");
            long poisonRows = db.queryLong("SELECT COUNT(*) FROM ledger WHERE n = " + poison);
            System.out.printf("%s: poison deposit %d of %d; %d crash(es) in %d start(s); ledger %d rows, %d distinct, %d of the poison%n",
                    kind, poison, DEPOSITS, crashes, starts, rows, distinct, poisonRows);
            assertThat(done).as("every other deposit handled and the poison dead-lettered (log %s)", log).isTrue();
            assertThat(crashes).as("crashes before the poison was dead-lettered").isBetween(1, 3);
            assertThat(rows).as("every other deposit, once").isEqualTo(DEPOSITS - 1);
            assertThat(distinct).isEqualTo(DEPOSITS - 1);
            assertThat(poisonRows).as("the poison's transactions never committed").isZero();
            try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
                store.start();
                List<DeadLetter> letters = store.deadLetters().list(null, 10);
                assertThat(letters).singleElement().satisfies(letter ->
                        assertThat(letter.reason()).startsWith("handling crashed the process 3 time(s)"));
                assertThat(store.admin().counts().incoming()).isZero();
            }
        }
    }

    private static boolean deadLettered(TestDatabase db, int poison) {
        try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
            store.start();
            DeadLetterStore letters = store.deadLetters();
            return letters.list(null, 10).stream().anyMatch(l -> l.envelope().messageType().equals("Deposit"));
        }
    }
}
