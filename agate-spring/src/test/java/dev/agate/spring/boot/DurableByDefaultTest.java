package dev.agate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.AgateHost;
import dev.agate.EndpointMode;
import dev.agate.HostStatus;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spring.SpringTestSupport;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * With a store, local queues are durable unless the application says otherwise, queue by queue or for all,
 * and such a choice is said at start: what a {@code @Transactional} method sends must not be lost on a crash
 * because of a default. Without a store, queues stay in memory (there is nowhere else to keep them).
 */
@ExtendWith(OutputCaptureExtension.class)
class DurableByDefaultTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TransactionAutoConfiguration.class, AgateAutoConfiguration.class))
            .withPropertyValues(SpringTestSupport.FAST.toArray(String[]::new));

    private ApplicationContextRunner on(TestDatabase db) {
        return runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class))
                .withPropertyValues(SpringTestSupport.dataSource(db).toArray(String[]::new));
    }

    private static EndpointMode modeOf(AgateHost host, String queue) {
        return host.status().endpoints().stream().filter(e -> e.uri().equals(URI.create("local://" + queue)))
                .map(HostStatus.EndpointStatus::mode).findFirst().orElseThrow();
    }

    @Test
    void withTheApplicationsDataSourceQueuesAreDurableAndOneKeptInMemoryIsSaidAtStart(CapturedOutput output) throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            on(db).withPropertyValues("agate.local-queues.billing.parallelism=2", "agate.local-queues.audit.durable=false").run(context -> {
                assertThat(context).hasNotFailed();
                AgateHost host = context.getBean(AgateHost.class);
                assertThat(modeOf(host, "billing")).isEqualTo(EndpointMode.DURABLE);
                assertThat(modeOf(host, "audit")).isEqualTo(EndpointMode.BUFFERED);
                assertThat(output).contains("local://audit keeps its messages in memory (agate.local-queues.audit.durable=false)")
                        .doesNotContain("local://billing keeps its messages in memory");
            });
        }
    }

    @Test
    void turningItOffForAllIsSaidAtStart(CapturedOutput output) throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            on(db).withPropertyValues("agate.durable-local-queues=false", "agate.local-queues.billing.parallelism=2").run(context -> {
                assertThat(modeOf(context.getBean(AgateHost.class), "billing")).isEqualTo(EndpointMode.BUFFERED);
                assertThat(output).contains("agate.durable-local-queues=false: local queues not declared durable keep their messages in memory");
            });
        }
    }

    @Test
    void withoutAStoreQueuesStayInMemoryAndNothingIsSaid(CapturedOutput output) {
        runner.withPropertyValues("agate.local-queues.billing.parallelism=2").run(context -> {
            AgateHost host = context.getBean(AgateHost.class);
            assertThat(modeOf(host, "billing")).isEqualTo(EndpointMode.BUFFERED);
            assertThat(host.status().store()).isNull();
            assertThat(output).doesNotContain("keep their messages in memory").doesNotContain("keeps its messages in memory");
        });
    }
}
