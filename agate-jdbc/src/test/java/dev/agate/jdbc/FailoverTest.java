package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.Envelope;
import dev.agate.jdbc.crash.ChildNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Three nodes of one service share a PostgreSQL database and a backlog of durable envelopes; one is
 * killed with SIGKILL while it owns some. The leader sees its heartbeats stop, releases its envelopes to
 * any node, and the two others finish all the work, each envelope exactly once. Prints how long the
 * takeover took; the seed picks the victim and the moment.
 */
class FailoverTest {
    private static final int TOTAL = 3000;
    private static final URI QUEUE = URI.create("local://Deposit");

    @Test
    void whenOneOfThreeNodesIsKilledTheOthersFinishItsWorkExactlyOnce() throws Exception {
        long seed = Long.getLong("agate.failover.seed", System.nanoTime());
        Random random = new Random(seed);
        int victimIndex = random.nextInt(3);
        int killAfter = TOTAL / 10 + random.nextInt(TOTAL / 4);
        Path log = Files.createTempFile("agate-failover", ".log");
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            db.execute("CREATE TABLE ledger (n INTEGER NOT NULL, node INTEGER NOT NULL)");
            seedBacklog(db);
            List<ChildNode> nodes = new ArrayList<>();
            try {
                int[] ids = new int[3];
                for (int i = 0; i < 3; i++) {
                    nodes.add(ChildNode.start("node" + i, log, db.url, 0, 0, 20, 100));
                }
                for (int i = 0; i < 3; i++) {
                    ids[i] = nodes.get(i).nodeId();
                }
                int victim = ids[victimIndex];
                await("the victim owns work, past the kill point").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(5))
                        .until(() -> ownedBy(db, victim) > 0 && db.queryLong("SELECT COUNT(*) FROM ledger") >= killAfter);
                nodes.get(victimIndex).kill();
                long killedAt = System.nanoTime();
                long ownedAtKill = ownedBy(db, victim);
                long handledAtKill = db.queryLong("SELECT COUNT(*) FROM ledger");

                await("the victim's envelopes released").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20))
                        .until(() -> ownedBy(db, victim) == 0);
                long releasedMillis = (System.nanoTime() - killedAt) / 1_000_000;
                await("every envelope handled").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                        .until(() -> db.queryLong("SELECT COUNT(*) FROM ledger") >= TOTAL);
                long finishedMillis = (System.nanoTime() - killedAt) / 1_000_000;
                Thread.sleep(500); // room for a duplicate to show up, if there were one
                Map<Integer, Long> perNode = new java.util.TreeMap<>();
                for (int id : ids) {
                    perNode.put(id, db.queryLong("SELECT COUNT(*) FROM ledger WHERE node = " + id));
                }
                long rows = db.queryLong("SELECT COUNT(*) FROM ledger");
                long distinct = db.queryLong("SELECT COUNT(DISTINCT n) FROM ledger");
                long victimRegistered = db.queryLong("SELECT COUNT(*) FROM agate_nodes WHERE node_id = " + victim);
                System.out.printf("failover postgres seed=%d total=%d nodes=%s victim=%d ownedAtKill=%d handledAtKill=%d"
                                + " takeoverMs=%d finishedAfterKillMs=%d handledPerNode=%s ledgerRows=%d distinct=%d log=%s%n",
                        seed, TOTAL, java.util.Arrays.toString(ids), victim, ownedAtKill, handledAtKill, releasedMillis, finishedMillis,
                        perNode, rows, distinct, log);
                assertThat(distinct).as("every envelope handled").isEqualTo(TOTAL);
                assertThat(rows).as("no envelope handled twice").isEqualTo(TOTAL);
                assertThat(victimRegistered).as("the dead node is removed from the registry").isZero();
                for (int i = 0; i < 3; i++) {
                    if (i != victimIndex) {
                        nodes.get(i).stop();
                    }
                }
                assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status <> 'Handled'")).isZero();
            } finally {
                nodes.forEach(ChildNode::close);
            }
        }
    }

    private static void seedBacklog(TestDatabase db) {
        List<Envelope> backlog = new ArrayList<>();
        for (int n = 0; n < TOTAL; n++) {
            backlog.add(Envelope.builder().messageType("Deposit").destination(QUEUE).contentType("application/json")
                    .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).build());
        }
        try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
            store.start();
            store.inbox().store(null, QUEUE, backlog, 0, Instant.now());
        }
    }

    private static long ownedBy(TestDatabase db, int node) throws Exception {
        return db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status = 'Incoming' AND owner_id = " + node);
    }
}
