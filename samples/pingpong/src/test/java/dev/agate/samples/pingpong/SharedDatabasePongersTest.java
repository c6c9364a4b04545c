package dev.agate.samples.pingpong;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two pongers on one PostgreSQL database, each listening on its own port: nodes of one service. The
 * pinger talks to the first; when it is SIGKILLed, the second takes over the pings the first had received
 * and not yet handled (they are in the shared incoming table, under the dead node's id), handles and
 * answers each once, while the pinger's unsent pings wait in its outbox. The first ponger then comes back
 * and the rest flows; at the end every ping was handled once and answered once.
 */
class SharedDatabasePongersTest {
    private static final int PINGS = 300;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run leaves its nodes' log
    Path dir;

    @Test
    void aSecondPongerFinishesWhatAKilledOneReceived() throws Exception {
        String name = "agate_shared_" + Long.toHexString(System.nanoTime());
        String pongerDb = "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres";
        String pingerDb = "jdbc:sqlite:" + dir.resolve("pinger.db");
        admin("CREATE DATABASE " + name);
        Path log = dir.resolve("nodes.log");
        int portA = Demo.freePort();
        int portB = Demo.freePort();
        String[] pongerA = {"ponger", "--db", pongerDb, "--listen", String.valueOf(portA)};
        try (Child b = Child.start("ponger-b", log, "PONGER", "ponger", "--db", pongerDb, "--listen", String.valueOf(portB));
             Child a = Child.start("ponger-a", log, "PONGER", pongerA);
             Child pinger = Child.start("pinger", log, "PINGER", "pinger", "--db", pingerDb, "--listen", String.valueOf(Demo.freePort()),
                     "--ponger", "tcp://localhost:" + portA, "--pings", String.valueOf(PINGS), "--interval-ms", "10")) {
            awaitCount(pongerDb, "SELECT COUNT(*) FROM ping_handled", PINGS / 3);
            a.kill();
            long handledAtKill = count(pongerDb, "SELECT COUNT(*) FROM ping_handled");
            // The dead node's received, unhandled pings: B claims them once A's heartbeat is 5 s old.
            awaitCount(pongerDb, "SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM agate_incoming_envelopes WHERE status = 'Incoming'", 1);
            long handledByB = count(pongerDb, "SELECT COUNT(*) FROM ping_handled") - handledAtKill;
            try (Child again = Child.start("ponger-a", log, "PONGER", pongerA)) {
                Tally end = Tallies.awaitAll(pingerDb, pongerDb, PINGS);
                System.out.printf("shared pongers: handledAtKill=%d takenOverByB=%d %s%n", handledAtKill, handledByB, end);
                assertThat(end.exactlyOnce(PINGS)).as("%s; log %s", end, log).isTrue();
            }
        } finally {
            admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }


    private static void awaitCount(String db, String query, long atLeast) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (count(db, query) < atLeast) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(query + " stayed below " + atLeast);
            }
            Thread.sleep(100);
        }
    }

    private static long count(String db, String query) throws Exception {
        try (Connection connection = DriverManager.getConnection(db)) {
            return Ledger.count(connection, query);
        }
    }

    private static void admin(String sql) throws Exception {
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
             Statement statement = admin.createStatement()) {
            statement.execute(sql);
        }
    }
}
