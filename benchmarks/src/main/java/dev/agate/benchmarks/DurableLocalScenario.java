package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.MessageContext;
import dev.agate.jdbc.JdbcMessageStore;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bus().send} into one durable local queue on a real store: every send writes its envelope to the
 * store in a transaction of its own before it returns. Two handlers: {@code ledger} writes one row on
 * the context's connection, in the transaction that also marks the envelope handled (the exactly-once
 * path); {@code no-op} touches nothing, so its handled marks are written in batches. Latency is from just
 * before {@code send} to the start of the handler, store round trips included. The store is the one
 * {@code --store} names; without it, SQLite and then PostgreSQL. Each row gets a fresh database.
 */
final class DurableLocalScenario implements Scenario {
    static final String NAME = "durable-local";
    static final List<String> DEFAULT_STORES = List.of("sqlite", "postgres");
    private static final long QUICK_WARMUP = 2_000;
    private static final long QUICK_MEASURED = 5_000;

    record Deposit(long sentAtNanos) {
    }

    /** Writes a ledger row in the handling's transaction. */
    static final class LedgerHandler extends PhaseHandler {
        @Handler
        void on(Deposit deposit, MessageContext context) throws SQLException {
            long latency = System.nanoTime() - deposit.sentAtNanos();
            try (PreparedStatement insert = context.connection().prepareStatement("INSERT INTO ledger (sent_at) VALUES (?)")) {
                insert.setLong(1, deposit.sentAtNanos());
                insert.executeUpdate();
            }
            phase().handled(latency);
        }
    }

    static final class NoOpHandler extends PhaseHandler {
        @Handler
        void on(Deposit deposit) {
            phase().handled(System.nanoTime() - deposit.sentAtNanos());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "bus().send to a durable local queue (parallelism = cores), each send its own transaction; handler writes a"
                + " ledger row in the handling's transaction, or does nothing (batched handled marks); latency = send to"
                + " handler start";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        Size.Counts counts = size.counts(QUICK_WARMUP, QUICK_MEASURED);
        List<Result> results = new ArrayList<>();
        for (String store : stores.isEmpty() ? DEFAULT_STORES : stores) {
            results.add(measure(store, "ledger", 1, counts));
            results.add(measure(store, "ledger", 4, counts));
            results.add(measure(store, "no-op", 4, counts));
        }
        return results;
    }

    private static Result measure(String store, String handlerKind, int producers, Size.Counts counts) throws Exception {
        try (BenchDatabase db = BenchDatabase.create(store)) {
            db.execute("CREATE TABLE ledger (sent_at BIGINT NOT NULL)");
            PhaseHandler handler = handlerKind.equals("ledger") ? new LedgerHandler() : new NoOpHandler();
            LocalQueue queue = LocalQueue.builder("Deposit").durable()
                    .maximumParallelism(Runtime.getRuntime().availableProcessors()).build();
            AgateHost.Builder host = AgateHost.builder().serviceName("bench").handlers(handler).localQueue(queue)
                    .store(JdbcMessageStore.builder(db.url()).build()).durability(Durability.defaults());
            String label = NAME + " " + store + " " + handlerKind;
            Result result;
            try (Target target = new HostTarget(host, handler, (bus, phase) -> bus.send(new Deposit(System.nanoTime())))) {
                result = Measurement.measure(label, producers, counts, target, db.url());
            }
            PgStats.printIndexScans(db.url(), label + " P=" + producers);
            return result;
        }
    }
}
