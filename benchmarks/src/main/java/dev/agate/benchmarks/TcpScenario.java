package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.Listener;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Requests over TCP from this JVM to a receiver in another JVM ({@link TcpReceiverMain}), each answered
 * with {@code context.respond}; from P = 1 and P = 4 producer threads. Latency is the round trip on this
 * JVM's clock: from just before the request is sent until the answer's handler here starts. msg/s is
 * requests divided by the time until every answer arrived. Every request must be answered exactly once
 * (by id) and handled once by the receiver, or the run fails.
 *
 * <p>One receiver JVM and one sending host, and for {@code tcp-durable} the two databases, serve both rows of a
 * kind (and of a store), the P = 1 row first: this JVM already stays warm from row to row, and a receiver started
 * afresh for the P = 4 row would spend its warm-up compiling, so that the row measured a JVM's start instead of
 * the steady state its warm-up is there for.
 * <ul>
 *   <li>{@code tcp-durable}: a durable sender and a durable listener on each side, each side on a fresh
 *       database of the {@code --store} (default SQLite, then PostgreSQL). Each request is sent through the
 *       outbox of a transaction that also inserts a {@code sent} row; the receiver's handler inserts a
 *       {@code received} row on the handling's connection (ledger row, handled mark and the answer's
 *       outgoing row commit together) and answers through the outbox.</li>
 *   <li>{@code tcp-lightweight}: buffered sender and buffered listener on each side, no store;
 *       {@code bus().send}, and a handler that counts and answers.</li>
 * </ul>
 */
final class TcpScenario implements Scenario {
    static final String DURABLE = "tcp-durable";
    static final String LIGHTWEIGHT = "tcp-lightweight";
    private static final int[] PRODUCERS = {1, 4};
    private static final String ANY_PORT = "tcp://127.0.0.1:0";
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** A request; {@code sentAtNanos} is this JVM's {@code System.nanoTime()}, carried there and back. */
    record Request(long id, long sentAtNanos) {
    }

    /** The receiver's answer to the request {@code id}. */
    record Answer(long id, long sentAtNanos) {
    }

    private final boolean durable;
    private final long quickWarmup;
    private final long quickMeasured;

    private TcpScenario(boolean durable, long quickWarmup, long quickMeasured) {
        this.durable = durable;
        this.quickWarmup = quickWarmup;
        this.quickMeasured = quickMeasured;
    }

    static TcpScenario durable() {
        return new TcpScenario(true, 500, 1_500);
    }

    static TcpScenario lightweight() {
        return new TcpScenario(false, 5_000, 20_000);
    }

    @Override
    public String name() {
        return durable ? DURABLE : LIGHTWEIGHT;
    }

    @Override
    public String description() {
        return durable
                ? "TCP to a receiver JVM and back, durable senders and listeners on both sides, each side its own database;"
                        + " each request sent through the outbox of a transaction that inserts a row, the receiver's handler"
                        + " inserts a row in the handling's transaction and responds; latency = round trip, transaction start"
                        + " to the answer's handler start; CPU = both JVMs"
                : "TCP to a receiver JVM and back, buffered senders and listeners, no store; bus().send, the receiver's"
                        + " handler counts and responds; latency = round trip, send to the answer's handler start; CPU = both JVMs";
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        Size.Counts counts = size.counts(quickWarmup, quickMeasured);
        List<Result> results = new ArrayList<>();
        if (durable) {
            for (String store : stores.isEmpty() ? DurableLocalScenario.DEFAULT_STORES : stores) {
                results.addAll(measureDurable(store, counts));
            }
        } else {
            results.addAll(measureLightweight(counts));
        }
        return results;
    }

    private static List<Result> measureDurable(String store, Size.Counts counts) throws Exception {
        try (BenchDatabase senderDb = BenchDatabase.create(store); BenchDatabase receiverDb = BenchDatabase.create(store)) {
            senderDb.execute("CREATE TABLE sent (id BIGINT NOT NULL, sent_at BIGINT NOT NULL)");
            receiverDb.execute("CREATE TABLE received (id BIGINT NOT NULL, sent_at BIGINT NOT NULL)");
            String label = DURABLE + " " + store;
            List<Result> results = measureDurable(senderDb, receiverDb, label, counts);
            PgStats.printIndexScans(senderDb.url(), label + ", sender");
            PgStats.printIndexScans(receiverDb.url(), label + ", receiver");
            return results;
        }
    }

    /**
     * The tcp-durable rows of one store, on one receiver and one sending host; on PostgreSQL each row's WAL is the
     * server's, so it covers both sides' databases (both are on the same server).
     */
    private static List<Result> measureDurable(BenchDatabase senderDb, BenchDatabase receiverDb, String label,
                                               Size.Counts counts) throws Exception {
        try (TcpReceiver receiver = TcpReceiver.start(true, receiverDb.url())) {
            String to = receiver.address().toString();
            JdbcMessageStore messageStore = JdbcMessageStore.builder(senderDb.url()).build();
            DataSource dataSource = messageStore.dataSource();
            AgateHost.Builder sender = AgateHost.builder().serviceName("bench-sender").shutdownTimeout(SHUTDOWN_TIMEOUT)
                    .store(messageStore)
                    .listener(Listener.at(ANY_PORT).durable().build())
                    .sender(Sender.to(to).durable().build())
                    .route(Request.class, to);
            try (TcpTarget target = new TcpTarget(receiver, sender, (host, id) -> sendInTransaction(host, dataSource, id))) {
                return measureRows(target, label, counts, senderDb.url());
            }
        }
    }

    /** What an application does: a business row and the request, committed together. */
    private static void sendInTransaction(AgateHost host, DataSource dataSource, long id) {
        long sentAt = System.nanoTime();
        host.inTransaction(dataSource, (connection, outbox) -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO sent (id, sent_at) VALUES (?, ?)")) {
                insert.setLong(1, id);
                insert.setLong(2, sentAt);
                insert.executeUpdate();
            }
            outbox.send(new Request(id, sentAt));
            return null;
        });
    }

    private static List<Result> measureLightweight(Size.Counts counts) throws Exception {
        try (TcpReceiver receiver = TcpReceiver.start(false, null)) {
            String to = receiver.address().toString();
            AgateHost.Builder sender = AgateHost.builder().serviceName("bench-sender").shutdownTimeout(SHUTDOWN_TIMEOUT)
                    .listener(Listener.at(ANY_PORT).buffered().build())
                    .sender(Sender.to(to).buffered().build())
                    .route(Request.class, to);
            try (TcpTarget target = new TcpTarget(receiver, sender, (host, id) -> host.bus().send(new Request(id, System.nanoTime())))) {
                return measureRows(target, LIGHTWEIGHT, counts, null);
            }
        }
    }

    /** A row per producer count on {@code target}, then its final exactly-once check; {@code walUrl} as in {@link Measurement}. */
    private static List<Result> measureRows(TcpTarget target, String label, Size.Counts counts, String walUrl) throws Exception {
        List<Result> results = new ArrayList<>();
        for (int producers : PRODUCERS) {
            results.add(Measurement.measure(label, producers, counts, target, walUrl));
        }
        target.finish();
        return results;
    }
}
