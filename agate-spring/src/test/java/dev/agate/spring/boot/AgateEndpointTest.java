package dev.agate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The actuator endpoint {@code agate}: an operator sees a sender whose destination is down (declared before
 * any traffic, then latched), what waits in its outbox and since when, the nodes and the leader, and the dead
 * letters by type and exception; and it is there only when exposed.
 */
class AgateEndpointTest {
    public record Order(int id) {
    }

    public record Poison(int id) {
    }

    static final class Handlers {
        @Handler
        void on(Poison poison) {
            throw new IllegalArgumentException("poison " + poison.id());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void showsTheSendersTheOutboxTheNodesAndTheDeadLetters() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // nothing listens there
        }
        String destination = "tcp://127.0.0.1:" + port;
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
             AgateHost host = AgateHost.builder().serviceName("shop").store(JdbcMessageStore.builder(db.url).build())
                     .durability(Durability.defaults().heartbeat(Duration.ofMillis(200), Duration.ofSeconds(2)))
                     .sender(Sender.to(destination).durable().failuresBeforeLatching(1).build()).route(Order.class, destination)
                     .handler(new Handlers(), ErrorPolicy.on(IllegalArgumentException.class).deadLetter()).durableLocalQueues()
                     .start()) {
            AgateEndpoint endpoint = new AgateEndpoint(host);
            assertThat((List<Map<String, Object>>) endpoint.status().get("endpoints"))
                    .as("the declared sender, before any traffic").anySatisfy(e -> assertThat(e).containsEntry("uri", destination));

            for (int i = 0; i < 3; i++) {
                host.bus().send(new Order(i));
                host.bus().send(new Poison(i));
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Map<String, Object> status = endpoint.status();
                assertThat((List<Map<String, Object>>) status.get("endpoints")).anySatisfy(e ->
                        assertThat(e).containsEntry("uri", destination).containsEntry("mode", "durable").containsEntry("latched", true));
                Map<String, Object> stored = (Map<String, Object>) status.get("stored");
                assertThat((List<Map<String, Object>>) stored.get("pending")).anySatisfy(p -> assertThat(p)
                        .containsEntry("kind", "outgoing").containsEntry("endpoint", destination).containsEntry("count", 3L)
                        .containsKey("oldestAgeSeconds"));
                assertThat((List<Map<String, Object>>) stored.get("deadLetters")).singleElement().satisfies(d -> assertThat(d)
                        .containsEntry("messageType", "Poison").containsEntry("exceptionType", IllegalArgumentException.class.getName())
                        .containsEntry("count", 3L));
                assertThat(stored).containsEntry("deadLetterCount", 3L).containsEntry("leaderNodeId", host.nodeId());
                assertThat((List<Map<String, Object>>) stored.get("nodes")).singleElement()
                        .satisfies(n -> assertThat(n).containsEntry("id", host.nodeId()).containsEntry("leader", true));
            });
        }
    }

    @Test
    void theEndpointIsThereOnlyWhenExposed() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class, AgateAutoConfiguration.class,
                        AgateEndpointAutoConfiguration.class));
        runner.run(context -> assertThat(context).doesNotHaveBean(AgateEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=agate")
                .run(context -> assertThat(context).hasSingleBean(AgateEndpoint.class));
    }
}
