package dev.agate.samples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * What an operator of the sample sees (Spring Boot 3.5; the boot4 module skips it): an order placed by a
 * request that carries a W3C traceparent is shipped by a handler whose log line carries that trace id (the
 * HTTP request, the outbox, the durable queue, the handler and its carrier call are one trace);
 * /actuator/prometheus shows Agate's meters; /actuator/agate shows the host.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "agate.durability.recovery-interval=200ms", "agate.durability.scheduled-polling-interval=200ms"})
@AutoConfigureObservability
@ExtendWith(OutputCaptureExtension.class)
class ObservabilityTest {
    @Value("${local.server.port}")
    int port;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) throws IOException {
        Path dir = Files.createTempDirectory("spring-orders-observed");
        properties.add("orders.data-dir", dir::toString);
    }

    @Test
    void anOrderIsOneTraceFromItsRequestToItsShipmentAndAgateIsMeasured(CapturedOutput output) {
        RestClient http = RestClient.builder().baseUrl("http://127.0.0.1:" + port).build();
        byte[] random = new byte[24];
        ThreadLocalRandom.current().nextBytes(random);
        String traceId = HexFormat.of().formatHex(random, 0, 16);
        String traceparent = "00-" + traceId + "-" + HexFormat.of().formatHex(random, 16, 24) + "-01";

        ResponseEntity<Order> placed = http.post().uri("/orders").header("traceparent", traceparent)
                .body(new OrderController.PlaceOrder("ada", "teapot", 2)).retrieve().toEntity(Order.class);
        assertThat(placed.getStatusCode().value()).isEqualTo(201);
        long id = placed.getBody().getId();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(output.getOut().lines()
                .filter(line -> line.contains("order " + id + " shipped as")).toList())
                .as("the handler's log line carries the request's trace id").singleElement().asString().contains(traceId));

        // The store's gauges are read every 5 s: the leader's lease may be taken after the first read.
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(http.get().uri("/actuator/prometheus").retrieve()
                .body(String.class)).contains("agate_process_seconds_count{", "messaging_destination_name=\"OrderPlaced\"",
                "agate_messages_handled_total{endpoint=\"local://OrderPlaced\",message_type=\"OrderPlaced\",mode=\"durable\"",
                "agate_messages_latency_seconds_count{", "agate_node_leader 1"));

        @SuppressWarnings("unchecked")
        Map<String, Object> agate = http.get().uri("/actuator/agate").retrieve().body(Map.class);
        assertThat(agate).containsEntry("service", "orders").containsEntry("running", true);
        assertThat((List<?>) agate.get("endpoints")).asString().contains("local://OrderPlaced", "durable");
    }
}
