package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.testing.BlackHoleProxy;
import dev.agate.jdbc.crash.ChildNode;
import dev.agate.jdbc.crash.LeaseNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The leader is cut off from its database by a network that stops forwarding without closing anything (a
 * proxy between it and the server), while it owns envelopes: its sessions stay open on the server, with
 * whatever they hold. Within one lease the other node leads; it declares the cut-off node dead and takes
 * its envelopes over. When the network forwards again, the cut-off node finds its lease lost, drops what
 * it held and rejoins; every deposit is in the ledger exactly once.
 */
class CutOffLeaderTest {
    private static final long LEASE_MS = 5_000;

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRES", "MARIADB"})
    void aLeaderCutOffFromItsDatabaseLosesLeadershipWithinOneLeaseAndItsWorkIsTakenOver(TestDatabase.Kind kind) throws Exception {
        int cutOffSeconds = Integer.getInteger("agate.cutoff.seconds", 12);
        Path log = Files.createTempFile("agate-cutoff-" + kind.name().toLowerCase(), ".log");
        int port = kind == TestDatabase.Kind.POSTGRES ? 5432 : 3306;
        try (TestDatabase db = TestDatabase.create(kind)) {
            try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build();
                 BlackHoleProxy proxy = new BlackHoleProxy("127.0.0.1", port)) {
                store.start();
                db.execute("CREATE TABLE ledger (n INTEGER NOT NULL, tag VARCHAR(20) NOT NULL, at_ms BIGINT NOT NULL)");
                String throughProxy = db.url.replace(":" + port + "/", ":" + proxy.port() + "/");
                ChildNode cutOff = ChildNode.start("cut", log, LeaseNode.class, throughProxy, "cut", "20");
                ChildNode other = null;
                try {
                    int cutId = cutOff.nodeId();
                    await("the node behind the proxy leads").atMost(Duration.ofSeconds(20)).until(() -> FencingTest.leaderId(db) == cutId);
                    other = FencingTest.start("other", log, db);
                    int otherId = FencingTest.nodeIdOf(db, other);
                    int sent = FencingTest.seed(store, 0, 600);
                    await("the leader owns envelopes").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(5))
                            .until(() -> FencingTest.ownedBy(db, cutId) > 0);

                    proxy.blackHole();
                    long t0 = System.nanoTime();
                    await("the other node leads").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                            .until(() -> FencingTest.leaderId(db) == otherId);
                    long ledMs = (System.nanoTime() - t0) / 1_000_000;
                    await("the cut-off node's envelopes released").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                            .until(() -> FencingTest.ownedBy(db, cutId) == 0);
                    long releasedMs = (System.nanoTime() - t0) / 1_000_000;
                    long leftMs = cutOffSeconds * 1000L - (System.nanoTime() - t0) / 1_000_000;
                    if (leftMs > 0) {
                        Thread.sleep(leftMs);
                    }
                    proxy.restore();
                    ChildNode rejoining = cutOff;
                    await("the cut-off node rejoins as a new node").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                            .until(() -> FencingTest.nodeIdOf(db, rejoining) > cutId);
                    await("every deposit handled").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                            .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") >= sent);
                    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                            .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") == sent);
                    long rows = db.queryLong("SELECT COUNT(*) FROM ledger");
                    long distinct = db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger");
                    long byCut = db.queryLong("SELECT COUNT(*) FROM ledger WHERE tag = 'cut'");
                    System.out.printf("cut-off %s leaderMovedAfterMs=%d releasedAfterMs=%d cutOffSeconds=%d sent=%d ledgerRows=%d distinct=%d"
                            + " handledByCutOffNode=%d log=%s%n", kind, ledMs, releasedMs, cutOffSeconds, sent, rows, distinct, byCut, log);
                    assertThat(ledMs).as("leadership moves within one lease of the cut, a renewal and a bounded lock wait").isLessThan(LEASE_MS + 4_000);
                    assertThat(distinct).isEqualTo(sent);
                    assertThat(rows).as("no deposit handled twice").isEqualTo(sent);
                    cutOff.stop();
                    other.stop();
                } finally {
                    cutOff.close();
                    if (other != null) {
                        other.close();
                    }
                }
            }
            db.awaitNoOtherSessions(Duration.ofSeconds(30));
        }
    }
}
