package dev.agate.samples.pingpong;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seeds' promise, tested for real: a pinger and a ponger, each its own JVM and database, both
 * SIGKILLed several times at random moments and started again, while pings flow. What must hold at the
 * end: every ping recorded as sent was handled exactly once and answered exactly once (the ledgers have
 * no unique keys, so a duplicate would show). The seed and the kills are printed; run with
 * {@code -Dchaos.seed=N} to replay the same schedule.
 */
class PingPongChaosTest {
    private static final int PINGS = 400;
    private static final int KILLS_EACH = 3;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run leaves its nodes' log
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres", "mariadb"})
    void everyPingIsHandledOnceAndAnsweredOnceThroughRandomKills(String database) throws Exception {
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        ServerDatabases servers = database.equals("sqlite") ? null : new ServerDatabases(database);
        String pingerDb = database(database, "pinger", servers);
        String pongerDb = database(database, "ponger", servers);
        Path log = dir.resolve("nodes.log");
        int pongerPort = Demo.freePort();
        int pingerPort = Demo.freePort();
        String[] ponger = {"ponger", "--db", pongerDb, "--listen", String.valueOf(pongerPort)};
        String[] pinger = {"pinger", "--db", pingerDb, "--listen", String.valueOf(pingerPort), "--ponger",
                "tcp://localhost:" + pongerPort, "--pings", String.valueOf(PINGS), "--interval-ms", "20"};
        List<String> kills = new ArrayList<>();
        long started = System.nanoTime();
        Child[] nodes = {Child.start("ponger", log, "PONGER", ponger), Child.start("pinger", log, "PINGER", pinger)};
        try {
            for (int kill = 0; kill < 2 * KILLS_EACH; kill++) {
                int pick = random.nextInt(2);
                String picked = pick == 0 ? "ponger" : "pinger";
                int victim = kills.stream().filter(k -> k.startsWith(picked)).count() >= KILLS_EACH ? 1 - pick : pick;
                Thread.sleep(200 + random.nextInt(1200));
                Tally at = Tally.read(pingerDb, pongerDb);
                nodes[victim].kill();
                String name = victim == 0 ? "ponger" : "pinger";
                kills.add(name + "@sent=" + at.sent() + ",handled=" + at.handled() + ",answered=" + at.answered());
                Thread.sleep(random.nextInt(800));
                nodes[victim] = victim == 0 ? Child.start("ponger", log, "PONGER", ponger) : Child.start("pinger", log, "PINGER", pinger);
            }
            Tally end = Tallies.awaitAll(pingerDb, pongerDb, PINGS);
            System.out.printf("chaos %s seed=%d kills=%d %s elapsedMs=%d killed at %s%n", database, seed, kills.size(), end,
                    (System.nanoTime() - started) / 1_000_000, kills);
            assertThat(end.exactlyOnce(PINGS)).as("seed %d, %s; log %s", seed, end, log).isTrue();
            assertThat(nodes[0].terminate()).as("the ponger stops gracefully on SIGTERM").isTrue();
            assertThat(nodes[1].terminate()).as("the pinger stops gracefully on SIGTERM").isTrue();
        } finally {
            for (Child node : nodes) {
                node.close();
            }
            if (servers != null) {
                servers.close();
            }
        }
    }


    private String database(String kind, String node, ServerDatabases servers) throws Exception {
        if (servers == null) {
            Files.createDirectories(dir);
            return "jdbc:sqlite:" + dir.resolve(node + ".db");
        }
        return servers.create("agate_chaos_" + node);
    }
}
