package dev.agate.samples.pingpong;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two pongers on one PostgreSQL (or MariaDB) database, on default settings; the pinger talks to the first. The first is
 * frozen (SIGSTOP) twice while pings flow: each time the second finishes, within 10 s, the pings the
 * frozen one had received and not handled; the frozen one, woken (SIGCONT), finds its lease lost, drops
 * what it held and rejoins, and the pings the pinger held back meanwhile flow again. At the end every ping
 * was handled once and answered once. {@code -Dpingpong.freeze.seconds=40} freezes as long as the
 * acceptance checks do (default 12).
 */
class FrozenPongerTest {
    private static final int PINGS = 400;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run leaves its nodes' log
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "mariadb"})
    void theTwinFinishesAFrozenPongersPingsWithinTenSecondsAndNothingIsHandledTwice(String database) throws Exception {
        int freezeSeconds = Integer.getInteger("pingpong.freeze.seconds", 12);
        ServerDatabases servers = new ServerDatabases(database);
        String pongerDb = servers.create("agate_frozen");
        String pingerDb = "jdbc:sqlite:" + dir.resolve("pinger.db");
        Path log = dir.resolve("nodes.log");
        int portA = Demo.freePort();
        List<Long> finishedMs = new ArrayList<>();
        try (Child b = Child.start("ponger-b", log, "PONGER", "ponger", "--db", pongerDb, "--listen", String.valueOf(Demo.freePort()));
             Child a = Child.start("ponger-a", log, "PONGER", "ponger", "--db", pongerDb, "--listen", String.valueOf(portA));
             Child pinger = Child.start("pinger", log, "PINGER", "pinger", "--db", pingerDb, "--listen", String.valueOf(Demo.freePort()),
                     "--ponger", "tcp://localhost:" + portA, "--pings", String.valueOf(PINGS), "--interval-ms", "20")) {
            for (int freeze = 1; freeze <= 2; freeze++) {
                awaitCount(pongerDb, "SELECT COUNT(*) FROM ping_handled", PINGS * freeze / 3);
                // Freeze it, if the moment can be caught within 5 s, while it holds received pings not yet handled.
                long catchUntil = System.currentTimeMillis() + 5_000;
                while (count(pongerDb, "SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status = 'Incoming'") == 0
                        && System.currentTimeMillis() < catchUntil) {
                    Thread.onSpinWait();
                }
                a.freeze();
                long t0 = System.nanoTime();
                long heldAtFreeze = count(pongerDb, "SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status = 'Incoming'");
                // The pinger cannot reach the frozen ponger, so every incoming ping now is one it had received.
                awaitCount(pongerDb, "SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM agate_incoming_envelopes WHERE status = 'Incoming'", 1);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                finishedMs.add(ms);
                System.out.printf("frozen ponger %s: freeze %d held %d received ping(s), finished by its twin after %d ms%n", database, freeze, heldAtFreeze, ms);
                Thread.sleep(Math.max(0, freezeSeconds * 1000L - ms));
                a.thaw();
            }
            Tally end = Tallies.awaitAll(pingerDb, pongerDb, PINGS);
            System.out.printf("frozen ponger %s: freezes=2 freezeSeconds=%d finishedByTwinMs=%s %s%n", database, freezeSeconds, finishedMs, end);
            assertThat(end.exactlyOnce(PINGS)).as("%s; log %s", end, log).isTrue();
            assertThat(finishedMs).as("the twin finished the frozen ponger's pings within 10 s").allMatch(ms -> ms < 10_000);
            assertThat(a.isAlive() && b.isAlive() && pinger.isAlive()).isTrue();
        } finally {
            servers.close();
        }
    }


    static void awaitCount(String db, String query, long atLeast) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (count(db, query) < atLeast) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(query + " stayed below " + atLeast);
            }
            Thread.sleep(20);
        }
    }

    static long count(String db, String query) throws Exception {
        try (Connection connection = DriverManager.getConnection(db)) {
            return Ledger.count(connection, query);
        }
    }

    static void admin(String sql) throws Exception {
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
             Statement statement = admin.createStatement()) {
            statement.execute(sql);
        }
    }
}
