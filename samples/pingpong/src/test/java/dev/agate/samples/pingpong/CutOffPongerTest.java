package dev.agate.samples.pingpong;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.testing.BlackHoleProxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two pongers on one PostgreSQL database, on default settings; the first leads, reaches the database
 * through a proxy, and is the one the pinger talks to. Twice, the proxy stops forwarding without closing
 * anything: the first ponger's sessions stay open on the server and its process runs on, cut off. Each
 * time the second leads within one lease and finishes, within 10 s, the pings the first had received and
 * not handled; when the network forwards again the first finds its lease lost, drops what it held and
 * rejoins. At the end every ping was handled once and answered once. {@code -Dpingpong.cutoff.seconds=40}
 * cuts as long as the acceptance checks do (default 12).
 */
class CutOffPongerTest {
    private static final int PINGS = 400;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run leaves its nodes' log
    Path dir;

    @Test
    void theTwinFinishesACutOffLeadersPingsWithinTenSecondsAndNothingIsHandledTwice() throws Exception {
        int cutSeconds = Integer.getInteger("pingpong.cutoff.seconds", 12);
        Path log = dir.resolve("nodes.log");
        List<Long> finishedMs = new ArrayList<>();
        try (ServerDatabases servers = new ServerDatabases("postgres");
             BlackHoleProxy proxy = new BlackHoleProxy("127.0.0.1", servers.port())) {
            String pongerDb = servers.create("agate_cutoff");
            String throughProxy = pongerDb.replace(":" + servers.port() + "/", ":" + proxy.port() + "/");
            String pingerDb = "jdbc:sqlite:" + dir.resolve("pinger.db");
            int portA = Demo.freePort();
            try (Child a = Child.start("ponger-a", log, "PONGER", "ponger", "--db", throughProxy, "--listen", String.valueOf(portA))) {
                FrozenPongerTest.awaitCount(pongerDb, "SELECT COUNT(*) FROM agate_leader WHERE term > 0", 1);
                try (Child b = Child.start("ponger-b", log, "PONGER", "ponger", "--db", pongerDb, "--listen", String.valueOf(Demo.freePort()));
                     Child pinger = Child.start("pinger", log, "PINGER", "pinger", "--db", pingerDb, "--listen", String.valueOf(Demo.freePort()),
                             "--ponger", "tcp://localhost:" + portA, "--pings", String.valueOf(PINGS), "--interval-ms", "20")) {
                    for (int cut = 1; cut <= 2; cut++) {
                        FrozenPongerTest.awaitCount(pongerDb, "SELECT COUNT(*) FROM ping_handled", PINGS * cut / 3);
                        long leaderBefore = FrozenPongerTest.count(pongerDb, "SELECT node_id FROM agate_leader");
                        proxy.blackHole();
                        long t0 = System.nanoTime();
                        long held = FrozenPongerTest.count(pongerDb, "SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status = 'Incoming'");
                        FrozenPongerTest.awaitCount(pongerDb, "SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM agate_incoming_envelopes"
                                + " WHERE status = 'Incoming'", 1);
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        finishedMs.add(ms);
                        long leaderAfter = FrozenPongerTest.count(pongerDb, "SELECT node_id FROM agate_leader");
                        System.out.printf("cut-off ponger: cut %d held %d received ping(s), finished by its twin after %d ms; leader %d -> %d%n",
                                cut, held, ms, leaderBefore, leaderAfter);
                        Thread.sleep(Math.max(0, cutSeconds * 1000L - ms));
                        proxy.restore();
                    }
                    Tally end = Tallies.awaitAll(pingerDb, pongerDb, PINGS);
                    System.out.printf("cut-off ponger: cuts=2 cutSeconds=%d finishedByTwinMs=%s %s%n", cutSeconds, finishedMs, end);
                    assertThat(end.exactlyOnce(PINGS)).as("%s; log %s", end, log).isTrue();
                    assertThat(finishedMs).as("the twin finished the cut-off ponger's pings within 10 s").allMatch(ms -> ms < 10_000);
                    assertThat(a.isAlive() && b.isAlive() && pinger.isAlive()).isTrue();
                }
            }
        }
    }
}
