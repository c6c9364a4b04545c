package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.jdbc.crash.ChildNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The database goes away for longer than the node timeout under two running nodes (the PostgreSQL server
 * is stopped with {@code -m immediate} where the test may, else the database refuses connections and its
 * sessions are ended), then comes back. During the outage no node could renew
 * its lease, so every lease looks run out; yet no node is declared dead once the database is back, because
 * the leader judges only after it reached the store for a full node timeout itself, and by then every
 * live node has renewed. Nothing is released, both nodes work again within seconds, and every deposit is
 * in the ledger exactly once.
 */
class LeaseOutageTest {
    private static final String ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    @Test
    void afterAnOutageLongerThanTheNodeTimeoutNoLiveNodeIsDeclaredDeadAndBothWorkAgain() throws Exception {
        int outageSeconds = Integer.getInteger("agate.outage.seconds", 10);
        Path log = Files.createTempFile("agate-outage", ".log");
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
                store.start();
                db.execute("CREATE TABLE ledger (n INTEGER NOT NULL, tag VARCHAR(20) NOT NULL, at_ms BIGINT NOT NULL)");
                ChildNode a = FencingTest.start("a", log, db);
                ChildNode b = FencingTest.start("b", log, db);
                try {
                    int aId = FencingTest.nodeIdOf(db, a);
                    int bId = FencingTest.nodeIdOf(db, b);
                    int sent = FencingTest.seed(store, 0, 1500);
                    await("both nodes handle").atMost(Duration.ofMinutes(1))
                            .until(() -> db.queryLong("SELECT COUNT(DISTINCT tag) FROM ledger") == 2);

                    String how = serverCanBeStopped() ? "server stopped" : "database refusing connections";
                    if (serverCanBeStopped()) {
                        cluster("stop", "-m", "immediate");
                    } else {
                        admin("ALTER DATABASE " + db.name + " ALLOW_CONNECTIONS false",
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name + "'");
                    }
                    try {
                        Thread.sleep(outageSeconds * 1000L);
                    } finally {
                        if (serverCanBeStopped()) {
                            cluster("start");
                        } else {
                            admin("ALTER DATABASE " + db.name + " ALLOW_CONNECTIONS true");
                        }
                    }
                    long back = System.nanoTime();
                    long[] resumedMs = new long[2];
                    String[] tags = {"a", "b"};
                    for (int i = 0; i < 2; i++) {
                        String tag = tags[i];
                        await("node " + tag + " handles again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                                .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger WHERE tag = '" + tag + "' AND at_ms > "
                                        + (System.currentTimeMillis() - (System.nanoTime() - back) / 1_000_000)) > 0);
                        resumedMs[i] = (System.nanoTime() - back) / 1_000_000;
                    }
                    // A full lease and more after the return: a node declared dead would be gone from the registry by now.
                    Thread.sleep(7_000);
                    long aRegistered = db.queryLong("SELECT COUNT(*) FROM agate_nodes WHERE node_id = " + aId);
                    long bRegistered = db.queryLong("SELECT COUNT(*) FROM agate_nodes WHERE node_id = " + bId);
                    await("every deposit handled").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                            .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") >= sent);
                    long rows = db.queryLong("SELECT COUNT(*) FROM ledger");
                    long distinct = db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger");
                    long declaredDead = Files.readAllLines(log).stream().filter(line -> line.contains("declared dead")).count();
                    long lostLeases = Files.readAllLines(log).stream().filter(line -> line.contains("lost its lease")).count();
                    System.out.printf("outage postgres (%s) seconds=%d resumedAfterMs=a:%d,b:%d declaredDead=%d lostLeases=%d"
                                    + " sent=%d ledgerRows=%d distinct=%d log=%s%n", how, outageSeconds, resumedMs[0], resumedMs[1],
                            declaredDead, lostLeases, sent, rows, distinct, log);
                    assertThat(declaredDead).as("no node declared dead").isZero();
                    assertThat(lostLeases).as("no node lost its lease").isZero();
                    assertThat(aRegistered + bRegistered).as("both nodes still registered under their ids").isEqualTo(2);
                    assertThat(Math.max(resumedMs[0], resumedMs[1])).as("both nodes handle again within seconds").isLessThan(10_000);
                    assertThat(distinct).isEqualTo(sent);
                    assertThat(rows).as("no deposit handled twice").isEqualTo(sent);
                    a.stop();
                    b.stop();
                } finally {
                    a.close();
                    b.close();
                }
            }
            db.awaitNoOtherSessions(Duration.ofSeconds(30));
        }
    }

    /** Where this machine's PostgreSQL may be stopped and started by the test (root, pg_ctlcluster), as on the project's machines. */
    private static boolean serverCanBeStopped() {
        return Files.isExecutable(Path.of("/usr/bin/pg_ctlcluster")) && "root".equals(System.getProperty("user.name"));
    }

    private static void cluster(String... action) throws Exception {
        String version;
        try (var versions = Files.list(Path.of("/etc/postgresql"))) {
            version = versions.findFirst().orElseThrow().getFileName().toString();
        }
        List<String> command = new ArrayList<>(List.of("pg_ctlcluster", "--skip-systemctl-redirect", version, "main"));
        command.addAll(List.of(action));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0 && !output.contains("already running")) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    private static void admin(String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(ADMIN); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
