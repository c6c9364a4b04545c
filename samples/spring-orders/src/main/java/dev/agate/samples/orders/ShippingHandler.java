package dev.agate.samples.orders;

import dev.agate.Handler;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Ships placed orders: calls the carrier, then records the shipment on the order. Runs on a worker of the
 * durable local queue {@code OrderPlaced}, in a transaction that Agate opens before the handler and
 * commits with the mark that the message was handled: the repository call joins it, so the order is
 * marked shipped exactly once. The carrier call cannot be in a database transaction: it may be repeated
 * (a crash after the call and before the commit), which the carrier's idempotency key makes harmless.
 * When the carrier fails, the error policy in {@link OrdersApplication} retries.
 */
@Component
public class ShippingHandler {
    private static final Logger log = LoggerFactory.getLogger(ShippingHandler.class);
    private final CarrierClient carrier;
    private final OrderRepository orders;
    private final Clock clock;

    public ShippingHandler(CarrierClient carrier, OrderRepository orders, Clock clock) {
        this.carrier = carrier;
        this.orders = orders;
        this.clock = clock;
    }

    @Handler
    public void on(OrderPlaced placed) {
        String shipment = carrier.ship(placed);
        Order order = orders.findById(placed.orderId()).orElseThrow(() ->
                new IllegalStateException("order " + placed.orderId() + " was placed but is not in the database"));
        order.shipped(shipment, clock.instant());
        log.info("order {} shipped as {}", placed.orderId(), shipment);
    }
}
