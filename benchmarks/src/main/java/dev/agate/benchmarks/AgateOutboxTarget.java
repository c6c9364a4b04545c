package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.spi.MessageEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code agate} rows of {@code outbox-local}: a producer runs
 * {@code host.inTransaction(dataSource, (connection, outbox) -> ...)} that inserts a business row and sends an
 * {@link OrderPlaced} to a durable local queue; its handler inserts one row on the handling's connection. The
 * application and the store share one pool ({@code JdbcMessageStore.builder(dataSource, url)}).
 *
 * <p>Latency ends when the handling has committed: the handler notes its envelope's send time, and the host's
 * observer, which gets {@code SUCCEEDED} right after the transaction that handled it committed (one transaction
 * may handle several envelopes), records it. A final event other than {@code SUCCEEDED} fails the phase.
 */
final class AgateOutboxTarget implements ScheduledTarget {
    private static final String INSERT_ORDER = "INSERT INTO bench_orders (id, payload) VALUES (?, ?)";
    private static final String INSERT_HANDLED = "INSERT INTO bench_handled (id, sent_nanos) VALUES (?, ?)";

    /** The message: the order's id and when its producer began its transaction ({@link System#nanoTime()}). */
    record OrderPlaced(long id, long sentAtNanos) {
    }

    /** An envelope whose handler ran, until its handling committed: its order, its send time and when its handler began. */
    private record Handling(long orderId, long sentAtNanos, long beganNanos) {
    }

    private static final java.util.concurrent.ConcurrentHashMap<UUID, Handling> HANDLING = new java.util.concurrent.ConcurrentHashMap<>();

    static final class OrderHandler {
        @Handler
        void on(OrderPlaced order, Connection connection, Envelope envelope) throws SQLException {
            long began = System.nanoTime();
            try (PreparedStatement insert = connection.prepareStatement(INSERT_HANDLED)) {
                insert.setLong(1, order.id());
                insert.setLong(2, order.sentAtNanos());
                insert.executeUpdate();
            }
            HANDLING.put(envelope.id(), new Handling(order.id(), order.sentAtNanos(), began));
        }
    }

    private final CountingDataSource dataSource;
    private final AgateHost host;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private volatile Phase phase;

    /** {@code parallelism} null: the queue's default, as an application that sets none gets it. */
    AgateOutboxTarget(BenchDatabase db, CountingDataSource dataSource, Integer parallelism) {
        this.dataSource = dataSource;
        LocalQueue.Builder builder = LocalQueue.builder("OrderPlaced").durable();
        LocalQueue queue = (parallelism == null ? builder : builder.maximumParallelism(parallelism)).build();
        this.host = Observed.start(Observed.apply(AgateHost.builder()).serviceName("bench").handlers(new OrderHandler()).localQueue(queue)
                .store(JdbcMessageStore.builder(dataSource, db.url()).build()).durability(Durability.defaults())
                .observer(this::observe));
    }

    private void observe(MessageEvent event) {
        Phase current = phase;
        switch (event.kind()) {
            case SUCCEEDED -> {
                long now = System.nanoTime();
                Handling handling = HANDLING.remove(event.envelope().id());
                if (handling == null) {
                    current.fail(new IllegalStateException("SUCCEEDED for envelope " + event.envelope().id() + " whose handler did not run"));
                    return;
                }
                current.stages().handled(handling.orderId(), handling.sentAtNanos(), handling.beganNanos(), now);
                current.handled(now - handling.sentAtNanos());
            }
            case FAILED -> {
                // An attempt failed; the error policy retries it. Counted and shown, not fatal by itself.
                HANDLING.remove(event.envelope().id());
                if (failedAttempts.incrementAndGet() <= 5) {
                    System.err.println("[bench] agate: a handling attempt failed: " + event.detail());
                }
            }
            case DEAD_LETTERED, DISCARDED, ABANDONED -> current.fail(new IllegalStateException(
                    "envelope " + event.envelope().id() + " ended " + event.kind() + ": " + event.detail(), event.exception()));
            default -> {
            }
        }
    }

    @Override
    public long operationsBegun() {
        return ids.get();
    }

    @Override
    public void begin(Phase phase) {
        this.phase = phase;
    }

    /** A producer's transaction; the message's latency is from {@code sentAt}: now, or its scheduled start. */
    @Override
    public void operate(long sentAt) {
        long id = ids.incrementAndGet();
        host.inTransaction(dataSource, (connection, outbox) -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT_ORDER)) {
                insert.setLong(1, id);
                insert.setString(2, OutboxLocalScenario.PAYLOAD);
                insert.executeUpdate();
            }
            outbox.send(new OrderPlaced(id, sentAt));
            return null;
        });
        phase.stages().returned(id);
    }

    @Override
    public CountingDataSource.Counts statementCounts() {
        return dataSource.counts();
    }

    @Override
    public void close() {
        host.close();
        if (failedAttempts.get() > 0) {
            System.err.println("[bench] agate: " + failedAttempts.get() + " handling attempts failed and were retried");
        }
    }
}
