package dev.agate.benchmarks.namastack;

import io.namastack.outbox.handler.OutboxRecordMetadata;
import io.namastack.outbox.handler.OutboxTypedHandler;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The consumer's side: inserts one {@code bench_handled} row in a transaction of its own (namastack
 * calls handlers outside any transaction and marks the record completed afterwards, in another one),
 * then records the latency from send to that commit.
 */
@Component
public class OrderPlacedHandler implements OutboxTypedHandler<OrderPlaced> {
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Progress progress;

    public OrderPlacedHandler(JdbcTemplate jdbc, TransactionTemplate transaction, Progress progress) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.progress = progress;
    }

    @Override
    public void handle(OrderPlaced order, OutboxRecordMetadata metadata) {
        transaction.executeWithoutResult(status ->
                jdbc.update("INSERT INTO bench_handled (id) VALUES (?)", order.orderId()));
        progress.handled(order.orderId(), System.nanoTime() - order.sentAtNanos());
    }
}
