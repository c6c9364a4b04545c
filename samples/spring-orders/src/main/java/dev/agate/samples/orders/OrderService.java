package dev.agate.samples.orders;

import dev.agate.MessageBus;
import java.time.Clock;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Places orders: the order row and the {@code OrderPlaced} message commit together, in the transaction
 * Spring opens for {@link #place}. The bus Spring injects joins that transaction; if anything in the
 * method throws, neither the row nor the message exists.
 */
@Service
public class OrderService {
    private final OrderRepository orders;
    private final MessageBus bus;
    private final Clock clock;

    public OrderService(OrderRepository orders, MessageBus bus, Clock clock) {
        this.orders = orders;
        this.bus = bus;
        this.clock = clock;
    }

    @Transactional
    public Order place(String customer, String item, int quantity) {
        Order order = orders.save(new Order(customer, item, quantity, clock.instant()));
        bus.send(new OrderPlaced(order.getId(), customer, item, quantity));
        // Checked after the row and the message were written, to show that a failure rolls back both.
        if (quantity < 1 || quantity > 100) {
            throw new InvalidOrderException("quantity must be between 1 and 100 but was " + quantity);
        }
        return order;
    }

    /** A request the shop refuses; answered with 400 and nothing kept. */
    public static final class InvalidOrderException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InvalidOrderException(String message) {
            super(message);
        }
    }
}
