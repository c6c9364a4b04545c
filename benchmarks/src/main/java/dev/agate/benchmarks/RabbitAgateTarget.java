package dev.agate.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agate.AgateHost;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.rabbitmq.RabbitMqTransport;
import dev.agate.spi.MessageEvent;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The {@code agate} row of {@code rabbitmq-durable}: two hosts in this JVM, each with a store on a database of
 * its own, and a {@link RabbitMqTransport} each ({@code builder().autoProvision().build()}).
 * <ul>
 *   <li>The producing host has a durable sender to {@code rabbitmq://queue/NAME} and routes {@link Order} there;
 *       a producer runs {@code host.inTransaction(dataSource, (connection, outbox) -> ...)} on the store's pool,
 *       inserting a {@code sent} row and sending the order, as an application does.</li>
 *   <li>The receiving host listens durably on the queue ({@code Listener.at(uri).durable()}); its handler inserts
 *       a {@code received} row on the handling's connection (row, handled mark and commit together).</li>
 * </ul>
 * Latency is from just before the producer's transaction began to just after the transaction that handled the
 * order committed (the receiving host's observer gets {@code SUCCEEDED} then), on this JVM's clock. Every order
 * must be handled exactly once, by id, or the phase fails; {@link #finish} checks the rows of both databases.
 */
final class RabbitAgateTarget implements Target {
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    /** How long {@link #finish} waits for a late duplicate before it checks. */
    private static final long GRACE_MILLIS = 300;

    /** The message: its id and when its producer began its transaction ({@link System#nanoTime()}). */
    record Order(long id, long sentAtNanos) {
    }

    /** Orders whose handler ran, by envelope id, until their handling committed. */
    private final ConcurrentHashMap<UUID, Order> handling = new ConcurrentHashMap<>();
    private final BenchDatabase producerDb;
    private final BenchDatabase receiverDb;
    private final AgateHost receiver;
    private final AgateHost producer;
    private final DataSource dataSource;
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong failedAttempts = new AtomicLong();
    private volatile Phase phase;
    private volatile Answers answers;

    /** Handles an order: a row on the handling's connection; the latency is recorded once that commits. */
    final class OrderHandler {
        @Handler
        void on(Order order, Connection connection, Envelope envelope) throws SQLException {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO received (id, sent_at) VALUES (?, ?)")) {
                insert.setLong(1, order.id());
                insert.setLong(2, order.sentAtNanos());
                insert.executeUpdate();
            }
            handling.put(envelope.id(), order);
        }
    }

    /** Starts the receiving host (which declares the queue and consumes it), then the producing host. */
    RabbitAgateTarget(BenchDatabase producerDb, BenchDatabase receiverDb, String queueUri) {
        this.producerDb = producerDb;
        this.receiverDb = receiverDb;
        this.receiver = AgateHost.builder().serviceName("bench-rabbit-receiver").shutdownTimeout(SHUTDOWN_TIMEOUT)
                .store(JdbcMessageStore.builder(receiverDb.url()).build())
                .transport(RabbitMqTransport.builder().autoProvision().build())
                .listener(Listener.at(queueUri).durable().build())
                .handlers(new OrderHandler())
                .observer(this::observe)
                .start();
        try {
            JdbcMessageStore store = JdbcMessageStore.builder(producerDb.url()).build();
            this.dataSource = store.dataSource();
            this.producer = AgateHost.builder().serviceName("bench-rabbit-producer").shutdownTimeout(SHUTDOWN_TIMEOUT)
                    .store(store)
                    .transport(RabbitMqTransport.builder().autoProvision().build())
                    .sender(Sender.to(queueUri).durable().build())
                    .route(Order.class, queueUri)
                    .start();
        } catch (RuntimeException e) {
            receiver.close();
            throw e;
        }
    }

    /** The size of an order's body as Agate's default serializer writes it (JSON), for an id of the run's largest. */
    static int bodySize(Size.Counts counts) {
        try {
            return new ObjectMapper().writeValueAsBytes(new Order(counts.warmup() + counts.measured(), System.nanoTime())).length;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void observe(MessageEvent event) {
        Phase current = phase;
        switch (event.kind()) {
            case SUCCEEDED -> {
                long now = System.nanoTime();
                Order order = handling.remove(event.envelope().id());
                if (order == null) {
                    current.fail(new IllegalStateException("SUCCEEDED for envelope " + event.envelope().id() + " whose handler did not run"));
                    return;
                }
                answers.answered(order.id(), now - order.sentAtNanos());
            }
            case FAILED -> {
                handling.remove(event.envelope().id());
                if (failedAttempts.incrementAndGet() <= 5) {
                    System.err.println("[bench] rabbitmq-durable agate: a handling attempt failed: " + event.detail());
                }
            }
            case DEAD_LETTERED, DISCARDED, ABANDONED -> current.fail(new IllegalStateException(
                    "envelope " + event.envelope().id() + " ended " + event.kind() + ": " + event.detail(), event.exception()));
            default -> {
            }
        }
    }

    @Override
    public void begin(Phase phase) {
        this.answers = new Answers(phase, nextId.get());
        this.phase = phase;
    }

    /** What an application does: a business row and the order, committed together. */
    @Override
    public void operate() {
        long id = nextId.getAndIncrement();
        long sentAt = System.nanoTime();
        producer.inTransaction(dataSource, (connection, outbox) -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO sent (id, sent_at) VALUES (?, ?)")) {
                insert.setLong(1, id);
                insert.setLong(2, sentAt);
                insert.executeUpdate();
            }
            outbox.send(new Order(id, sentAt));
            return null;
        });
    }

    @Override
    public void end(Phase phase) {
        answers.verify();
    }

    /**
     * After the last phase: waits a moment for a late duplicate, checks the answers again, closes both hosts and
     * checks both databases: one {@code sent} row and one {@code received} row per order, each id once.
     */
    void finish() throws Exception {
        Thread.sleep(GRACE_MILLIS);
        answers.verify();
        producer.close();
        receiver.close();
        long sent = nextId.get() - 1;
        long[] sentRows = producerDb.queryLongs("SELECT COUNT(*), COUNT(DISTINCT id) FROM sent", 2);
        long[] receivedRows = receiverDb.queryLongs("SELECT COUNT(*), COUNT(DISTINCT id) FROM received", 2);
        if (sentRows[0] != sent || sentRows[1] != sent || receivedRows[0] != sent || receivedRows[1] != sent) {
            throw new IllegalStateException("of " + sent + " orders sent, the producer's database holds " + sentRows[0] + " sent rows ("
                    + sentRows[1] + " distinct ids) and the receiver's " + receivedRows[0] + " received rows (" + receivedRows[1]
                    + " distinct ids); expected each exactly once");
        }
        if (failedAttempts.get() > 0) {
            System.err.println("[bench] rabbitmq-durable agate: " + failedAttempts.get() + " handling attempts failed and were retried");
        }
    }

    @Override
    public void close() {
        try {
            producer.close();
        } finally {
            receiver.close();
        }
    }
}
