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
 * The operator's console mounted in the application (agate.console.enabled), on Spring Boot 3.5 and 4.0: its
 * pages are served under /agate-console over the application's store, read only here (an action is refused).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "agate.console.enabled=true", "agate.console.authentication=none"})
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
}
