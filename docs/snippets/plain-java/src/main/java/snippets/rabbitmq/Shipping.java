package snippets.rabbitmq;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.rabbitmq.RabbitMqTransport;
import java.time.Duration;

// The hosts of docs/rabbitmq.md. They name a database and a broker that exist only in the docs, so they
// are compiled, not run.

record ShipOrder(long orderId) {}
record OrderShipped(long orderId) {}

class ShippingHandler {
    @Handler
    OrderShipped on(ShipOrder order) {
        return new OrderShipped(order.orderId());
    }
}

final class Shipping {
    /** docs/rabbitmq.md, "In a host". */
    AgateHost shipping() {
        RabbitMqTransport rabbit = RabbitMqTransport.builder()
                .uri("amqp://shipping:secret@broker:5672/prod")   // default: AGATE_RABBITMQ_URL
                .autoProvision()                                  // declare the queues below (durable, classic)
                .quorumQueue("shipping")                          // ... this one as a quorum queue
                .build();

        AgateHost host = AgateHost.builder()
                .serviceName("shipping")
                .store(JdbcMessageStore.builder("jdbc:postgresql://db/shipping").build())
                .transport(rabbit)
                .listener(Listener.at("rabbitmq://queue/shipping").durable().build())  // persisted, then acked
                .sender(Sender.to("rabbitmq://exchange/events?routing-key=orders.shipped").durable().build())
                .route(OrderShipped.class, "rabbitmq://exchange/events?routing-key=orders.shipped")
                .handlers(new ShippingHandler())
                .start();
        return host;
    }

    /** docs/rabbitmq.md, "Interoperability". */
    RabbitMqTransport interop() {
        return RabbitMqTransport.builder()
                .mapType("MyApp.Messages.ShipOrder", "ShipOrder")      // a Wolverine type name
                .mapType("com.acme.orders.ShipOrderCommand", "ShipOrder") // a Spring AMQP __TypeId__
                .defaultMessageType("legacy-shipping", "ShipOrder")   // bare JSON on that queue
                .confirmTimeout(Duration.ofSeconds(10))
                .build();
    }
}
