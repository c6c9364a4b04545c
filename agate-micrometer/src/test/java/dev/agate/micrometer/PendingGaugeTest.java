package dev.agate.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The outbox's gauges on a real PostgreSQL over real TCP: while the destination is down, what waits for it
 * rises in the store (and ages), and once a receiver listens there it drains to nothing.
 */
class PendingGaugeTest {
    private static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(200))
            .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(2));

    record Shipment(int id) {
    }

    static final class Warehouse {
        final Set<Integer> shipped = ConcurrentHashMap.newKeySet();

        @Handler
        void ship(Shipment shipment) {
            shipped.add(shipment.id());
        }
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void theOutboxGaugeRisesWhileTheDestinationIsDownAndFallsToZeroOnceItListens() throws Exception {
        int port = freePort();
        String destination = "tcp://127.0.0.1:" + port;
        try (TestDatabase orders = TestDatabase.create(TestDatabase.Kind.POSTGRES);
             TestDatabase warehouse = TestDatabase.create(TestDatabase.Kind.SQLITE);
             AgateMetrics metrics = AgateMetrics.of(registry, Duration.ofMillis(100))) {
            AgateHost sending = AgateHost.builder().serviceName("orders").durability(FAST).shutdownTimeout(Duration.ofSeconds(5))
                    .store(JdbcMessageStore.builder(orders.url).build())
                    .sender(Sender.to(destination).durable().failuresBeforeLatching(2).build()).route(Shipment.class, destination)
                    .observer(metrics).build();
            metrics.bindTo(sending);
            try (sending) {
                sending.start();
                for (int i = 0; i < 20; i++) {
                    sending.bus().send(new Shipment(i));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> gauge("agate.senders.latched") == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> pending(destination) == 20);
                double age = age(destination);
                await().atMost(Duration.ofSeconds(5)).until(() -> age(destination) > age);
                assertThat(age).as("the oldest waited since it was sent").isPositive();

                Warehouse stock = new Warehouse();
                try (AgateHost receiving = AgateHost.builder().serviceName("warehouse").durability(FAST).shutdownTimeout(Duration.ofSeconds(5))
                        .store(JdbcMessageStore.builder(warehouse.url).build()).listener(Listener.at(destination).durable().build())
                        .handlers(stock).start()) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> stock.shipped.size() == 20);
                    await().atMost(Duration.ofSeconds(10)).until(() -> pending(destination) == 0 && age(destination) == 0);
                    assertThat(gauge("agate.senders.latched")).isZero();
                }
            }
        }
        assertThat(registry.get("agate.messages.forwarded").tag("endpoint", destination).tag("mode", "durable").counter().count())
                .isEqualTo(20);
        assertThat(registry.get("agate.store.operation").tag("operation", "outbox.insert").tag("outcome", "success").timer().count())
                .isEqualTo(20);
        assertThat(registry.get("agate.store.batch.size").tag("operation", "outbox.delete").summary().totalAmount())
                .as("every acknowledged envelope's row deleted").isEqualTo(20);
    }

    private double pending(String endpoint) {
        Gauge gauge = registry.find("agate.envelopes.pending").tag("kind", "outgoing").tag("endpoint", endpoint).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    private double age(String endpoint) {
        Gauge gauge = registry.find("agate.envelopes.oldest.age").tag("kind", "outgoing").tag("endpoint", endpoint).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
