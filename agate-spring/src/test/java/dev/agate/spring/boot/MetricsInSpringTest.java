package dev.agate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spring.SpringTestSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Agate's meters in the application's MeterRegistry: counted, tagged with the endpoint's mode from the first
 * message, the store gauges bound to the host; {@code agate.observability.metrics=false} registers none.
 */
class MetricsInSpringTest {
    public record Invoice(int id) {
    }

    public static final class Billing {
        final Set<Integer> invoices = ConcurrentHashMap.newKeySet();

        @Handler
        public void on(Invoice invoice) {
            invoices.add(invoice.id());
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TransactionAutoConfiguration.class, AgateAutoConfiguration.class,
                    AgateObservabilityAutoConfiguration.class))
            .withBean(Billing.class).withBean(MeterRegistry.class, SimpleMeterRegistry::new);

    @Test
    void theHostsMessagesAndStoreAreMeasured() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class))
                    .withPropertyValues(SpringTestSupport.properties(db, "agate.durable-local-queues=true")).run(context -> {
                MessageBus bus = context.getBean(MessageBus.class);
                for (int i = 0; i < 5; i++) {
                    bus.send(new Invoice(i));
                }
                MeterRegistry meters = context.getBean(MeterRegistry.class);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(meters.find("agate.messages.handled")
                        .tag("message.type", "Invoice").tag("mode", "durable").counter()).isNotNull()
                        .satisfies(c -> assertThat(c.count()).isEqualTo(5.0)));
                assertThat(meters.find("agate.handler.execution").tag("outcome", "success").timer().count()).isEqualTo(5);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                        assertThat(meters.find("agate.nodes.live").gauge().value()).isEqualTo(1.0));
                assertThat(meters.find("agate.node.leader").gauge()).isNotNull();
            });
        }
    }

    @Test
    void metricsCanBeTurnedOff() {
        runner.withPropertyValues("agate.observability.metrics=false").run(context -> {
            context.getBean(MessageBus.class).send(new Invoice(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(Billing.class).invoices.contains(1));
            assertThat(context.getBean(MeterRegistry.class).getMeters()).noneMatch(m -> m.getId().getName().startsWith("agate."));
        });
    }
}
