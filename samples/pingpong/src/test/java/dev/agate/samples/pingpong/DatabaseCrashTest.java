package dev.agate.samples.pingpong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL itself crashes (`pg_ctlcluster ... stop -m immediate`: no checkpoint, every session cut) and
 * restarts three times while a pinger and a ponger, each on its own database of that server, play. Both
 * processes stay up; the pinger sends each ping once (a send whose commit's answer was lost is looked up
 * before it is tried again), and at the end every ping was handled once and answered once. Runs where
 * this machine's PostgreSQL can be stopped and started (root, pg_ctlcluster), as on the project's machines.
 */
class DatabaseCrashTest {
    private static final int PINGS = 500;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run leaves its nodes' log
    Path dir;

    @Test
    void postgresCrashedAndRestartedThreeTimesLosesAndDuplicatesNothing() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/pg_ctlcluster")) && "root".equals(System.getProperty("user.name")),
                "needs root and pg_ctlcluster to crash the database server");
        String version = Files.list(Path.of("/etc/postgresql")).findFirst().orElseThrow().getFileName().toString();
        String suffix = Long.toHexString(System.nanoTime());
        String pongerDb = "jdbc:postgresql://127.0.0.1:5432/agate_crash_ponger_" + suffix + "?user=postgres";
        String pingerDb = "jdbc:postgresql://127.0.0.1:5432/agate_crash_pinger_" + suffix + "?user=postgres";
        FrozenPongerTest.admin("CREATE DATABASE agate_crash_ponger_" + suffix);
        FrozenPongerTest.admin("CREATE DATABASE agate_crash_pinger_" + suffix);
        Path log = dir.resolve("nodes.log");
        int port = Demo.freePort();
        try (Child ponger = Child.start("ponger", log, "PONGER", "ponger", "--db", pongerDb, "--listen", String.valueOf(port));
             Child pinger = Child.start("pinger", log, "PINGER", "pinger", "--db", pingerDb, "--listen", String.valueOf(Demo.freePort()),
                     "--ponger", "tcp://localhost:" + port, "--pings", String.valueOf(PINGS), "--interval-ms", "20")) {
            for (int crash = 1; crash <= 3; crash++) {
                FrozenPongerTest.awaitCount(pongerDb, "SELECT COUNT(*) FROM ping_handled", (long) PINGS * crash / 5);
                long t0 = System.nanoTime();
                cluster(version, "stop", "-m", "immediate");
                Thread.sleep(2_000);
                cluster(version, "start");
                System.out.printf("database crash %d: down %d ms%n", crash, (System.nanoTime() - t0) / 1_000_000);
            }
            Tally end = Tallies.awaitAll(pingerDb, pongerDb, PINGS);
            System.out.printf("database crashes=3 %s pingerAlive=%s pongerAlive=%s log=%s%n", end, pinger.isAlive(), ponger.isAlive(), log);
            assertThat(end.exactlyOnce(PINGS)).as("%s; log %s", end, log).isTrue();
            assertThat(pinger.isAlive() && ponger.isAlive()).as("both processes stay up").isTrue();
        } finally {
            cluster(version, "start"); // whatever happened, leave the server running
            FrozenPongerTest.admin("DROP DATABASE IF EXISTS agate_crash_ponger_" + suffix + " WITH (FORCE)");
            FrozenPongerTest.admin("DROP DATABASE IF EXISTS agate_crash_pinger_" + suffix + " WITH (FORCE)");
        }
    }


    private static void cluster(String version, String... action) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("pg_ctlcluster", "--skip-systemctl-redirect", version, "main"));
        command.addAll(java.util.List.of(action));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        int exit = process.waitFor();
        if (exit != 0 && !(action[0].equals("start") && output.contains("already running"))) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + exit + ": " + output);
        }
    }
}
