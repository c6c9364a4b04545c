package dev.agate.benchmarks.namastack;

import io.namastack.outbox.Outbox;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The producer's side: one transaction writes the business row and schedules its outbox record. */
@Service
public class OrderService {
    private final JdbcTemplate jdbc;
    private final Outbox outbox;

    public OrderService(JdbcTemplate jdbc, Outbox outbox) {
        this.jdbc = jdbc;
        this.outbox = outbox;
    }

    /** Inserts {@code bench_orders(id, payload)} and schedules {@link OrderPlaced}, atomically. */
    @Transactional
    public void place(long orderId, String payload, long sentAtNanos) {
        jdbc.update("INSERT INTO bench_orders (id, payload) VALUES (?, ?)", orderId, payload);
        // One key per order, as in namastack's quickstart ("order-" + id): keys are processed in parallel.
        outbox.schedule(new OrderPlaced(orderId, sentAtNanos), "order-" + orderId);
    }
}
