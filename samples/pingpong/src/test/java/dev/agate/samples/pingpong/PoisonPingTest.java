package dev.agate.samples.pingpong;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison-message demo of the Ping/Pong contract: {@code ponger --poison ID} halts its JVM when it handles
 * ping ID, before the handling commits. Restarted each time it dies (as a supervisor would), the ponger
 * must dead-letter that ping after at most 3 crashes (the default {@code maxHandlingCrashes}) with the
 * reason, and handle and answer every other ping exactly once. On embedded SQLite files.
 */
class PoisonPingTest {
    private static final int PINGS = 150;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run leaves its nodes' log
    Path dir;

    @Test
    void thePoisonPingIsDeadLetteredAfterAtMostThreeCrashesAndEveryOtherPingIsAnsweredOnce() throws Exception {
        long poison = 1 + ThreadLocalRandom.current().nextInt(PINGS);
        String pingerDb = "jdbc:sqlite:" + dir.resolve("pinger.db");
        String pongerDb = "jdbc:sqlite:" + dir.resolve("ponger.db");
        Path log = dir.resolve("nodes.log");
        int pongerPort = Demo.freePort();
        String[] ponger = {"ponger", "--db", pongerDb, "--listen", String.valueOf(pongerPort), "--poison", String.valueOf(poison)};
        String[] pinger = {"pinger", "--db", pingerDb, "--listen", String.valueOf(Demo.freePort()), "--ponger",
                "tcp://localhost:" + pongerPort, "--pings", String.valueOf(PINGS), "--interval-ms", "5"};
        List<Child> started = new ArrayList<>();
        int crashes = 0;
        long begun = System.nanoTime();
        try {
            Child pongerNode = startPonger(ponger, log, started);
            started.add(Child.start("pinger", log, "PINGER", pinger));
            long deadline = System.currentTimeMillis() + 180_000;
            Tally tally = null;
            while (System.currentTimeMillis() < deadline) {
                if (pongerNode == null || !pongerNode.isAlive()) {
                    crashes++;
                    assertThat(crashes).as("crashes of the ponger; log %s", log).isLessThanOrEqualTo(3);
                    pongerNode = startPonger(ponger, log, started);
                }
                try {
                    tally = Tally.read(pingerDb, pongerDb);
                    if (tally.handledDistinct() == PINGS - 1 && tally.answeredDistinct() == PINGS - 1 && deadLetter(pongerDb) != null) {
                        Thread.sleep(1_000); // a late duplicate would show now
                        tally = Tally.read(pingerDb, pongerDb);
                        break;
                    }
                } catch (java.sql.SQLException busy) {
                    // SQLite: a writer holds the lock for a moment
                }
                Thread.sleep(200);
            }
            String reason = deadLetter(pongerDb);
            System.out.printf("poison ping %d of %d: %d crash(es) of the ponger, %s, dead letter: %s, %d ms%n", poison, PINGS, crashes,
                    tally, reason, (System.nanoTime() - begun) / 1_000_000);
            assertThat(reason).as("log %s", log).startsWith("ping " + poison + ": handling crashed the process 3 time(s)");
            assertThat(crashes).isBetween(1, 3);
            assertThat(tally.handled()).as("every other ping handled once").isEqualTo(PINGS - 1);
            assertThat(tally.handledDistinct()).isEqualTo(PINGS - 1);
            assertThat(tally.answered()).as("every other ping answered once").isEqualTo(PINGS - 1);
            assertThat(tally.answeredDistinct()).isEqualTo(PINGS - 1);
        } finally {
            started.forEach(Child::close);
        }
    }

    /** Starts a ponger; null when it died before it was ready (it met the poison at once). */
    private static Child startPonger(String[] ponger, Path log, List<Child> started) throws Exception {
        try {
            Child child = Child.start("ponger", log, "PONGER", ponger);
            started.add(child);
            return child;
        } catch (IllegalStateException diedAtStart) {
            return null;
        }
    }

    /** "ping ID: REASON" of the ponger's one dead letter, or null. */
    private static String deadLetter(String pongerDb) throws Exception {
        try (Connection connection = DriverManager.getConnection(pongerDb); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT message_type, reason, body FROM agate_dead_letters")) {
            if (!rows.next()) {
                return null;
            }
            String body = new String(rows.getBytes("body"), java.nio.charset.StandardCharsets.UTF_8);
            String id = body.replaceAll("(?s).*\"id\"\\s*:\\s*(\\d+).*", "$1");
            return "ping " + id + ": " + rows.getString("reason");
        } catch (java.sql.SQLException noTableYet) {
            return null;
        }
    }
}
