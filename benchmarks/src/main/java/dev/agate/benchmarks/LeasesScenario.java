package dev.agate.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.agate.AgateHost;
import dev.agate.LocalQueue;
import dev.agate.jdbc.JdbcMessageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the leases cost: 1 node, then 5 nodes of one service on one database, idle on Agate's default
 * durability settings for 30 s (15 s with {@code --quick}), each through the same statement-counting pool.
 * Idle, every statement is the durability agent's: lease renewals, the leader's lease and its look for
 * dead nodes, recovery's look for unowned rows, the look for due scheduled envelopes, cleanup. The line
 * {@code leases store=S nodes=N seconds=T statements_per_node_s=X commits_per_node_s=Y} says it per node
 * and second; with 1 node every statement is the leader's. PostgreSQL by default; any store with
 * {@code --store}. Run on request.
 */
final class LeasesScenario implements Scenario {
    static final String NAME = "leases";

    record Idle() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "1 and 5 idle nodes on one database, default durability: statements and commits per node and second (leases,"
                + " the leader, recovery, scheduled and cleanup looks)";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        int seconds = size == Size.QUICK ? 15 : 30;
        for (String store : stores.isEmpty() ? List.of("postgres") : stores) {
            for (int nodes : new int[] {1, 5}) {
                idle(store, nodes, seconds);
            }
        }
        return List.of();
    }

    private static void idle(String store, int count, int seconds) throws Exception {
        try (BenchDatabase db = BenchDatabase.create(store); HikariDataSource pool = db.pool(2 * count + 2)) {
            CountingDataSource dataSource = new CountingDataSource(pool);
            List<AgateHost> hosts = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    hosts.add(AgateHost.builder().serviceName("idle").handler(new Object() {
                        @dev.agate.Handler
                        void on(Idle idle) {
                        }
                    }).localQueue(LocalQueue.builder("Idle").durable().build())
                            .store(JdbcMessageStore.builder(dataSource, db.url()).build()).start());
                }
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3)); // past the start-up and the first leader's lease
                CountingDataSource.Counts before = dataSource.counts();
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(seconds));
                CountingDataSource.Counts spent = dataSource.counts().minus(before);
                System.err.printf("leases store=%s nodes=%d seconds=%d statements_per_node_s=%.2f commits_per_node_s=%.2f%n", store, count,
                        seconds, spent.statements() / (double) count / seconds, spent.commits() / (double) count / seconds);
            } finally {
                hosts.forEach(AgateHost::close);
            }
        }
    }
}
