package dev.agate.benchmarks;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.agate.rabbitmq.RabbitMqTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code rabbitmq-durable}: the transactional outbox through RabbitMQ, against the broker's own floor, P = 4,
 * per store (default SQLite, then PostgreSQL). Two rows per store, each on queues of its own (a unique name,
 * deleted after the row):
 * <ul>
 *   <li>{@code rabbitmq-durable STORE broker} ({@link RabbitBrokerTarget}): the floor, the plain RabbitMQ Java
 *       client with no database: P publisher threads, each on a confirm-mode channel of its own, publish
 *       persistent messages of the Agate row's body size to a durable queue, confirms pipelined; one consumer
 *       with manual acknowledgements (prefetch 200, one cumulative ack per 100 deliveries). Measured next to the
 *       store's Agate row, so that the two compare at the same moment of a busy machine; it uses no database.</li>
 *   <li>{@code rabbitmq-durable STORE agate} ({@link RabbitAgateTarget}): a producing host sends through the
 *       outbox of the application's transaction to {@code rabbitmq://queue/NAME}; a receiving host (same JVM, a
 *       database of its own) listens durably on that queue and its handler inserts a row on the handling's
 *       connection.</li>
 * </ul>
 * Then one {@code ratio rabbitmq-durable} line per store ({@link RatioLines}). Without a reachable broker
 * ({@code AGATE_RABBITMQ_URL}, else {@value RabbitMqTransport#DEFAULT_URL}) the scenario says so on stderr and
 * measures nothing.
 */
final class RabbitMqScenario implements Scenario {
    static final String NAME = "rabbitmq-durable";
    static final int PRODUCERS = 4;
    static final String AGATE = "agate";
    static final String BROKER = "broker";
    /** Counts of a quick run: the floor is an order of magnitude faster, so it gets more messages for a phase of some length. */
    private static final long AGATE_WARMUP = 1_000;
    private static final long AGATE_MEASURED = 4_000;
    private static final long BROKER_WARMUP = 5_000;
    private static final long BROKER_MEASURED = 20_000;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the outbox through RabbitMQ, P = 4, per store: 'agate', a producing host sends through the outbox of a transaction"
                + " that inserts a row to rabbitmq://queue/NAME, a receiving host in the same JVM (a database of its own) listens"
                + " durably and its handler inserts a row on the handling's connection, latency from before the producer's"
                + " transaction to the handling's commit; 'broker', the floor, plain amqp-client without a database: persistent"
                + " messages of the same body size, publisher confirms pipelined, one consumer with manual acks (prefetch 200, a"
                + " cumulative ack per 100), latency from before the publish to the delivery; CPU = this JVM only (not the broker's,"
                + " nor the database server's); skipped when no broker answers";
    }

    /** The broker both rows use: what {@link RabbitMqTransport} connects to when it is not told. */
    static String brokerUrl() {
        return System.getenv().getOrDefault("AGATE_RABBITMQ_URL", RabbitMqTransport.DEFAULT_URL);
    }

    @Override
    public List<Result> run(Size size, List<String> stores) throws Exception {
        String unreachable = unreachable();
        if (unreachable != null) {
            progress("%s: SKIPPED, no RabbitMQ broker answers at %s (%s); start one, or set AGATE_RABBITMQ_URL", NAME,
                    describe(brokerUrl()), unreachable);
            return List.of();
        }
        List<Result> results = new ArrayList<>();
        for (String store : stores.isEmpty() ? DurableLocalScenario.DEFAULT_STORES : stores) {
            results.add(measureBroker(store, size.counts(BROKER_WARMUP, BROKER_MEASURED)));
            results.add(measureAgate(store, size.counts(AGATE_WARMUP, AGATE_MEASURED)));
        }
        return results;
    }

    private static Result measureBroker(String store, Size.Counts counts) throws Exception {
        String queue = queueName("floor");
        try (RabbitBrokerTarget target = new RabbitBrokerTarget(factory(), queue, RabbitAgateTarget.bodySize(counts))) {
            Result result = Measurement.measure(NAME + " " + store + " " + BROKER, PRODUCERS, counts, target);
            target.finish();
            return result;
        } finally {
            deleteQueue(queue);
        }
    }

    private static Result measureAgate(String store, Size.Counts counts) throws Exception {
        String queue = queueName("agate");
        String label = NAME + " " + store + " " + AGATE;
        try (BenchDatabase producerDb = BenchDatabase.create(store); BenchDatabase receiverDb = BenchDatabase.create(store)) {
            producerDb.execute("CREATE TABLE sent (id BIGINT NOT NULL, sent_at BIGINT NOT NULL)");
            receiverDb.execute("CREATE TABLE received (id BIGINT NOT NULL, sent_at BIGINT NOT NULL)");
            Result result;
            try (RabbitAgateTarget target = new RabbitAgateTarget(producerDb, receiverDb, "rabbitmq://queue/" + queue)) {
                // On PostgreSQL the WAL is the server's: both sides' databases (they share the server).
                result = Measurement.measure(label, PRODUCERS, counts, target, receiverDb.url());
                target.finish();
            } finally {
                deleteQueue(queue);
            }
            PgStats.printIndexScans(producerDb.url(), label + " P=" + PRODUCERS + ", producer");
            PgStats.printIndexScans(receiverDb.url(), label + " P=" + PRODUCERS + ", receiver");
            return result;
        }
    }

    /** A queue name of this row's own: {@code agate-bench-KIND-RANDOM}. */
    private static String queueName(String kind) {
        return "agate-bench-" + kind + "-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    static ConnectionFactory factory() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(brokerUrl());
        factory.setConnectionTimeout(3_000);
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }

    /** Null when a connection to the broker opens, else why not. */
    private static String unreachable() {
        try (Connection connection = factory().newConnection("agate-bench-probe")) {
            return null;
        } catch (Exception e) {
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
    }

    /** Deletes a row's queue, whatever is in it; a failure is only reported (the name is unique to the row). */
    static void deleteQueue(String queue) {
        try (Connection connection = factory().newConnection("agate-bench-cleanup"); Channel channel = connection.createChannel()) {
            channel.queueDelete(queue);
        } catch (Exception e) {
            progress("%s: could not delete the queue %s: %s", NAME, queue, e);
        }
    }

    private static String describe(String url) {
        return url.replaceAll("//[^@/]*@", "//");
    }

    static void progress(String format, Object... args) {
        System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
    }
}
