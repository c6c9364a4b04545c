package dev.agate.samples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.client.RestClient;

/**
 * The sample end to end, over HTTP on a random port: orders placed through {@code POST /orders} are
 * shipped by the carrier exactly once each; while the carrier is down they wait and are retried, then
 * shipped once it is back; an order the shop refuses leaves neither a row nor a message. Run on the
 * embedded SQLite default and on PostgreSQL by the subclasses, on Spring Boot 3.5 and (module
 * {@code boot4}) 4.0: the HTTP client is Spring's own RestClient, the same on both lines.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "agate.durability.recovery-interval=200ms", "agate.durability.scheduled-polling-interval=200ms"})
abstract class OrdersEndToEndTest {
    @Value("${local.server.port}")
    int port;
    RestClient http;
    @Autowired
    OrderRepository orders;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    AgateHost host;
    @Autowired
    FakeCarrierController carrier;

    @BeforeEach
    void client() {
        // Answers of every status come back as they are: a test checks a 400 like a 201.
        http = RestClient.builder().baseUrl("http://127.0.0.1:" + port)
                .defaultStatusHandler(status -> true, (request, response) -> { })
                .build();
    }

    private <T> ResponseEntity<T> post(String path, Object body, Class<T> type) {
        return http.post().uri(path).body(body).retrieve().toEntity(type);
    }

    private Order place(String customer, int quantity) {
        ResponseEntity<Order> response = post("/orders", new OrderController.PlaceOrder(customer, "teapot", quantity), Order.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        return response.getBody();
    }

    private long incomingRows() {
        return jdbc.queryForObject("SELECT COUNT(*) FROM agate_incoming_envelopes", Long.class);
    }

    @Test
    void everyPlacedOrderIsShippedOnceAndAnOutageOfTheCarrierOnlyDelaysIt() {
        int before = carrier.stats().shipments();
        for (int i = 0; i < 10; i++) {
            place("customer-" + i, 1 + i);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> orders.countByStatus(Order.Status.PLACED) == 0);
        assertThat(carrier.stats().shipments() - before).as("one shipment per order").isEqualTo(10);

        carrier.startOutage();
        int callsBefore = carrier.stats().calls();
        Order waiting = place("patient", 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> carrier.stats().calls() - callsBefore >= 3);
        assertThat(orders.findById(waiting.getId()).orElseThrow().getStatus()).isEqualTo(Order.Status.PLACED);
        assertThat(http.get().uri("/actuator/health").retrieve().body(Map.class).get("status")).isEqualTo("UP");
        carrier.endOutage();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                orders.findById(waiting.getId()).orElseThrow().getStatus() == Order.Status.SHIPPED);
        assertThat(carrier.stats().shipments() - before).isEqualTo(11);
        assertThat(orders.findById(waiting.getId()).orElseThrow().getShipment()).startsWith("SHP-" + waiting.getId() + "-");
    }

    @Test
    void anOrderTheShopRefusesLeavesNeitherARowNorAMessage() {
        long ordersBefore = orders.count();
        long incomingBefore = incomingRows();
        ResponseEntity<Map> refused = post("/orders", new OrderController.PlaceOrder("greedy", "teapot", 1000), Map.class);
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(refused.getBody().get("error").toString()).contains("quantity");
        assertThat(orders.count()).isEqualTo(ordersBefore);
        assertThat(incomingRows()).as("the message was rolled back with the order").isEqualTo(incomingBefore);
        assertThat(host.status().healthy()).isTrue();
    }
}
