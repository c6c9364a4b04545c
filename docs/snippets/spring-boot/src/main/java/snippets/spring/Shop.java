package snippets.spring;

import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.spring.boot.AgateHostCustomizer;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.sql.SQLTransientException;
import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

// docs/spring.md: a @Transactional service that sends, a handler bean that writes, and an error policy.

record OrderPlaced(long orderId) {}

@Entity
@Table(name = "orders")
class Order {
    @Id
    private long id;

    protected Order() {
    }

    Order(long id) {
        this.id = id;
    }

    long id() {
        return id;
    }
}

@Entity
class Shipment {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY) // on SQLite: see docs/spring.md
    private Long id;
    private long orderId;

    protected Shipment() {
    }

    Shipment(long orderId) {
        this.orderId = orderId;
    }
}

interface OrderRepository extends JpaRepository<Order, Long> {
}

interface ShipmentRepository extends JpaRepository<Shipment, Long> {
}

@Service
class Orders {
    private final OrderRepository orders;
    private final MessageBus bus;

    Orders(OrderRepository orders, MessageBus bus) {
        this.orders = orders;
        this.bus = bus;
    }

    @Transactional
    public void place(Order order) {
        orders.save(order);
        bus.send(new OrderPlaced(order.id()));   // written in this transaction; delivered after the commit
    }
}

@Component
class Shipping {
    private final ShipmentRepository shipments;

    Shipping(ShipmentRepository shipments) {
        this.shipments = shipments;
    }

    @Handler
    void on(OrderPlaced placed) {
        shipments.save(new Shipment(placed.orderId()));   // in the handling's transaction, with its handled mark
    }
}

@SpringBootApplication
public class Shop {
    public static void main(String[] args) {
        SpringApplication.run(Shop.class, args);
    }

    @Bean
    AgateHostCustomizer errors() {
        return builder -> builder.onError(ErrorPolicy.on(SQLTransientException.class).retryWithCooldown(Duration.ofSeconds(1)).deadLetter());
    }
}
