package dev.agate.samples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * What an operator of the application gets, on Spring Boot 3.5 and 4.0: the console mounted under
 * /agate-console over the application's store (read only here: an action is refused), the actuator endpoint
 * agate, and Agate's meters in the application's MeterRegistry.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "agate.console.enabled=true", "agate.console.authentication=none",
        "management.endpoints.web.exposure.include=health,agate,metrics",
        "agate.durability.recovery-interval=200ms", "agate.durability.scheduled-polling-interval=200ms"})
class ConsoleMountTest {
    @Value("${local.server.port}")
    int port;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) throws IOException {
        Path dir = Files.createTempDirectory("spring-orders-console");
        properties.add("orders.data-dir", dir::toString);
    }

    @Test
    void theConsoleIsServedUnderItsPathReadOnly() {
        RestClient http = RestClient.builder().baseUrl("http://127.0.0.1:" + port)
                .defaultStatusHandler(status -> true, (request, response) -> { }).build();
        ResponseEntity<String> overview = http.get().uri("/agate-console/").retrieve().toEntity(String.class);
        assertThat(overview.getStatusCode().value()).isEqualTo(200);
        assertThat(overview.getBody()).contains("Agate console", "orders", "read only", "href=\"/agate-console/dead-letters\"");
        assertThat(http.get().uri("/agate-console/dead-letters").retrieve().toEntity(String.class).getBody()).contains("id=\"total\">0<");
        assertThat(http.post().uri("/agate-console/dead-letters/act").retrieve().toEntity(String.class).getStatusCode().value())
                .isEqualTo(403);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theActuatorEndpointAndTheMetersAreThere() {
        RestClient http = RestClient.builder().baseUrl("http://127.0.0.1:" + port)
                .defaultStatusHandler(status -> true, (request, response) -> { }).build();
        assertThat(http.post().uri("/orders").body(new OrderController.PlaceOrder("ada", "teapot", 1)).retrieve()
                .toEntity(String.class).getStatusCode().value()).isEqualTo(201);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(http.get().uri("/actuator/metrics/agate.messages.handled").retrieve().toEntity(String.class)
                        .getStatusCode().value()).isEqualTo(200));
        java.util.Map<String, Object> agate = http.get().uri("/actuator/agate").retrieve().body(java.util.Map.class);
        assertThat(agate).containsEntry("service", "orders").containsEntry("running", true).containsKey("stored");
        assertThat((java.util.List<?>) agate.get("endpoints")).asString().contains("local://OrderPlaced", "durable");
    }
}
