package dev.agate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.EndpointMode;
import dev.agate.Handler;
import dev.agate.HostStatus;
import dev.agate.MessageBus;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageStore;
import dev.agate.spring.SpringMessageBus;
import dev.agate.spring.SpringMessageStore;
import dev.agate.spring.SpringTestSupport;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The Boot auto-configuration with {@link ApplicationContextRunner}: properties bind into the host,
 * customizers apply after them, the store goes where the application's DataSource (or
 * {@code agate.store.url}, or nothing) says, the host starts and stops with the context (before the
 * DataSource closes), and the health indicator follows the host and its store.
 */
class AgateAutoConfigurationTest {
    private static final String T = AgateAutoConfigurationTest.class.getName();

    record Invoice(int id) {
    }

    static class Billing {
        final Set<Integer> invoices = ConcurrentHashMap.newKeySet();

        @Handler
        void on(Invoice invoice) {
            invoices.add(invoice.id());
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TransactionAutoConfiguration.class, AgateAutoConfiguration.class,
                    AgateHealthAutoConfiguration.class))
            .withBean(Billing.class)
            .withPropertyValues(SpringTestSupport.FAST.toArray(String[]::new));

    /** With the application's DataSource and its transaction manager, as Spring Boot makes them. */
    private ApplicationContextRunner withDataSource() {
        return runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class));
    }

    private ApplicationContextRunner on(TestDatabase db) {
        return withDataSource().withPropertyValues(SpringTestSupport.dataSource(db).toArray(String[]::new));
    }

    @Test
    void propertiesBindIntoTheHostItsQueuesRoutesAndDurability() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            on(db).withPropertyValues("spring.application.name=shop", "agate.durable-local-queues=true",
                    "agate.local-queues.billing.parallelism=3", "agate.local-queues.billing.capacity=50",
                    "agate.local-queues.audit.durable=false", "agate.local-queues.audit.sequential=true",
                    "agate.routes[" + T + "$Invoice]=local://billing, local://audit",
                    "agate.durability.deduplication-horizon=1h", "agate.durability.batch-size=50",
                    "agate.durability.dead-letter-retention=7d").run(context -> {
                        assertThat(context).hasNotFailed();
                        AgateHost host = context.getBean(AgateHost.class);
                        assertThat(host.serviceName()).as("spring.application.name").isEqualTo("shop");
                        AgateProperties properties = context.getBean(AgateProperties.class);
                        assertThat(properties.getLocalQueues().get("billing").getParallelism()).isEqualTo(3);
                        assertThat(properties.getLocalQueues().get("billing").getCapacity()).isEqualTo(50);
                        assertThat(properties.getRoutes()).containsEntry(T + "$Invoice", List.of("local://billing", "local://audit"));
                        Durability durability = PropertiesHostCustomizer.durability(properties.getDurability());
                        assertThat(durability.deduplicationHorizon()).isEqualTo(Duration.ofHours(1));
                        assertThat(durability.batchSize()).isEqualTo(50);
                        assertThat(durability.deadLetterRetention()).isEqualTo(Duration.ofDays(7));
                        assertThat(durability.recoveryInterval()).isEqualTo(Duration.ofMillis(100));
                        assertThat(durability.nodeTimeout()).isEqualTo(Duration.ofSeconds(2));

                        // With an id of the sender's own, so that its handled record shows it went through the store.
                        context.getBean(MessageBus.class).send(new Invoice(1), dev.agate.DeliveryOptions.builder().idFrom("invoice-1").build());
                        await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(Billing.class).invoices.contains(1));
                        // billing follows durable-local-queues, audit is declared buffered.
                        assertThat(host.status().endpoints()).contains(
                                new HostStatus.EndpointStatus(URI.create("local://billing"), EndpointMode.DURABLE),
                                new HostStatus.EndpointStatus(URI.create("local://audit"), EndpointMode.BUFFERED));
                        await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(MessageStore.class).admin().counts().handled() == 1);
                    });
        }
    }

    @Test
    void settingsThatCannotWorkTogetherFailTheStartNamingTheProblem() {
        runner.withPropertyValues("agate.local-queues.billing.sequential=true", "agate.local-queues.billing.parallelism=4")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("sequential conflicts with maximumParallelism 4"));
        runner.withPropertyValues("agate.durability.heartbeat-interval=5s", "agate.durability.node-timeout=6s")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("at least twice the heartbeatInterval"));
        runner.withPropertyValues("agate.routes[com.example.Nowhere]=local://x")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("com.example.Nowhere"));
    }

    @Test
    void rabbitmqPropertiesConfigureTheTransportThatAListenerUses() throws Exception {
        String queue = "agate-test-spring-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
        factory.setUri(System.getenv().getOrDefault("AGATE_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672"));
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE);
             com.rabbitmq.client.Connection connection = factory.newConnection("agate-test-spring");
             com.rabbitmq.client.Channel channel = connection.createChannel()) {
            try {
                on(db).withPropertyValues("agate.rabbitmq.auto-provision=true", "agate.rabbitmq.batch-size=20",
                                "agate.rabbitmq.default-message-types." + queue + "=Invoice",
                                "agate.listeners[0].uri=rabbitmq://queue/" + queue)
                        .run(context -> {
                            assertThat(context).hasNotFailed();
                            AgateHost host = context.getBean(AgateHost.class);
                            assertThat(host.status().listeners()).singleElement().satisfies(listener -> {
                                assertThat(listener.receiving()).isTrue();
                                assertThat(listener.queue()).isEqualTo("inbox");
                            });
                            assertThat(host.status().endpoints()).as("durable by default with a store")
                                    .contains(new HostStatus.EndpointStatus(URI.create("local://inbox"), EndpointMode.DURABLE));
                            // A bare JSON body, as another producer publishes it: typed by the queue's default.
                            channel.basicPublish("", queue, new com.rabbitmq.client.AMQP.BasicProperties.Builder()
                                    .contentType("application/json").build(), "{\"id\":5}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                            await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(Billing.class).invoices.contains(5));
                        });
            } finally {
                channel.queueDelete(queue);
            }
        }
        runner.withPropertyValues("agate.listeners[0].queue=orders")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining("agate.listeners[0] has no uri"));
        runner.withPropertyValues("agate.rabbitmq.url=http://nowhere")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining("not a RabbitMQ broker URI")
                        .hasStackTraceContaining("Wrong scheme in AMQP URI: http"));
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {
        static final Set<MessageEvent.Kind> seen = ConcurrentHashMap.newKeySet();

        @Bean
        @Order(1)
        AgateHostCustomizer renames() {
            return builder -> builder.serviceName("from-customizer");
        }

        @Bean
        @Order(2)
        AgateHostCustomizer observesAndRoutes() {
            return builder -> builder.observer(event -> seen.add(event.kind())).routePackage(Invoice.class.getPackageName(), "local://invoices");
        }
    }

    @Test
    void customizersApplyAfterThePropertiesInTheirOrder() {
        runner.withUserConfiguration(Customizers.class).withPropertyValues("agate.service-name=from-properties").run(context -> {
            AgateHost host = context.getBean(AgateHost.class);
            assertThat(host.serviceName()).isEqualTo("from-customizer");
            host.bus().send(new Invoice(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(Billing.class).invoices.contains(2));
            assertThat(Customizers.seen).contains(MessageEvent.Kind.SUCCEEDED);
            assertThat(host.status().endpoints()).extracting(HostStatus.EndpointStatus::uri).contains(URI.create("local://invoices"));
        });
    }

    /** A pool that notes whether the host still ran when it was closed. */
    static final class WatchedDataSource extends HikariDataSource {
        static final AtomicReference<AgateHost> host = new AtomicReference<>();
        static final AtomicBoolean hostRanWhenClosed = new AtomicBoolean(true);

        @Override
        public void close() {
            hostRanWhenClosed.set(host.get() == null || host.get().isRunning());
            super.close();
        }
    }

    @Test
    void theHostStartsWithTheContextAndIsClosedBeforeTheDataSource() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            AtomicReference<AgateHost> started = new AtomicReference<>();
            on(db).withPropertyValues("spring.datasource.type=" + WatchedDataSource.class.getName()).run(context -> {
                AgateHost host = context.getBean(AgateHost.class);
                assertThat(context.getBean(DataSource.class)).isInstanceOf(WatchedDataSource.class);
                assertThat(host.isRunning()).isTrue();
                WatchedDataSource.host.set(host);
                started.set(host);
            });
            assertThat(started.get().isRunning()).isFalse();
            assertThat(WatchedDataSource.hostRanWhenClosed).as("the host still ran when the DataSource closed").isFalse();
        }
    }

    @Test
    void theStoreIsOnTheApplicationsDataSourceWithItsTransactionManagerAndTablePrefix() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            db.execute("CREATE SCHEMA ops");
            on(db).withPropertyValues("agate.store.schema=ops", "agate.store.table-prefix=shop_").run(context -> {
                SpringMessageStore store = context.getBean(SpringMessageStore.class);
                assertThat(store.dataSource()).isSameAs(context.getBean(DataSource.class));
                assertThat(store.transactionManager()).isSameAs(context.getBean(PlatformTransactionManager.class));
                assertThat(db.queryLong("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'ops'"
                        + " AND table_name = 'shop_incoming_envelopes'")).isEqualTo(1);
            });
        }
    }

    @Test
    void schemaModeValidateRefusesADatabaseWithoutAgatesTables() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            on(db).withPropertyValues("agate.durable-local-queues=true", "agate.store.schema-mode=validate",
                    "agate.durability.store-start-timeout=1s").run(context ->
                    assertThat(context).getFailure().hasStackTraceContaining("missing"));
            assertThat(db.queryLong("SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE 'agate_%'")).isZero();
        }
    }

    @Test
    void aStoreOfItsOwnAtAgateStoreUrlDoesNotJoinTheApplicationsTransactions() throws Exception {
        try (TestDatabase app = TestDatabase.create(TestDatabase.Kind.SQLITE); TestDatabase own = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            on(app).withPropertyValues("agate.store.url=" + own.url, "agate.durable-local-queues=true").run(context -> {
                assertThat(context.getBean(MessageStore.class)).isInstanceOf(JdbcMessageStore.class);
                assertThat(context.getBean(MessageStore.class).description()).contains(own.name);
                SpringMessageBus bus = context.getBean(SpringMessageBus.class);
                AgateHost host = context.getBean(AgateHost.class);
                new TransactionTemplate(context.getBean(PlatformTransactionManager.class))
                        .executeWithoutResult(status -> assertThat(bus.current()).isSameAs(host.bus()));
                bus.send(new Invoice(3));
                await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(Billing.class).invoices.contains(3));
            });
        }
    }

    @Test
    void withoutADataSourceDurableQueuesUseTheEmbeddedDefaultStore() throws Exception {
        Path dir = Files.createTempDirectory("agate-default");
        Path file = dir.resolve("default.db");
        try {
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(AgateAutoConfiguration.class, AgateHealthAutoConfiguration.class))
                    .withBean(Billing.class).withSystemProperties("agate.sqlite.file=" + file)
                    .withPropertyValues("agate.durable-local-queues=true").run(context -> {
                        assertThat(context).doesNotHaveBean(MessageStore.class);
                        AgateHost host = context.getBean(AgateHost.class);
                        assertThat(host.status().store()).isEqualTo("SQLite file " + file);
                        context.getBean(MessageBus.class).send(new Invoice(4));
                        await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(Billing.class).invoices.contains(4));
                        assertThat(health(context).getStatus()).isEqualTo(Status.UP);
                    });
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void anInMemorySqliteDataSourceIsRefusedWithAClearMessage() {
        withDataSource().withPropertyValues("spring.datasource.url=jdbc:sqlite::memory:").run(context ->
                assertThat(context).getFailure().hasStackTraceContaining("in-memory SQLite database").hasStackTraceContaining("agate.store.url"));
    }

    @Transactional
    static class PrivateHandler {
        @Handler
        private void on(Invoice invoice) {
        }
    }

    @Test
    void aPrivateHandlerBehindASpringProxyIsRefused() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            on(db).withBean(PrivateHandler.class).run(context ->
                    assertThat(context).getFailure().rootCause().hasMessageContaining("PrivateHandler.on").hasMessageContaining("is private"));
        }
    }

    private static Health health(org.springframework.context.ApplicationContext context) {
        return context.getBean("agateHealthIndicator", HealthIndicator.class).health();
    }

    @Test
    void healthIsUpWhileTheHostRunsAndDownOnceItIsClosed() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            on(db).withPropertyValues("agate.service-name=shop", "agate.durable-local-queues=true").run(context -> {
                context.getBean(MessageBus.class).send(new Invoice(5));
                await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(Billing.class).invoices.contains(5));
                Health up = health(context);
                assertThat(up.getStatus()).isEqualTo(Status.UP);
                assertThat(up.getDetails()).containsEntry("service", "shop").containsEntry("running", true)
                        .containsEntry("endpoints", Map.of("local://Invoice", "durable")).doesNotContainKey("storeError");
                assertThat((String) up.getDetails().get("store")).contains(db.name);

                context.getBean(AgateHost.class).close();
                Health down = health(context);
                assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                assertThat(down.getDetails()).containsEntry("running", false);
            });
        }
    }

    @Test
    void healthIsDownWhileTheStoreFailsAndUpWhenItWorksAgain() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            on(db).withPropertyValues("agate.durable-local-queues=true").run(context -> {
                assertThat(health(context).getStatus()).isEqualTo(Status.UP);
                db.execute("ALTER TABLE agate_nodes RENAME TO agate_nodes_gone");
                // One reading that is DOWN and names the cause: with one table gone, calls that do not touch it still
                // succeed in between (and clear the store error), so two readings may disagree, and a DOWN reading
                // lasts from a failed heartbeat to the next call that works: read often.
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() -> {
                    Health down = health(context);
                    return down.getStatus().equals(Status.DOWN) && String.valueOf(down.getDetails().get("storeError")).contains("agate_nodes");
                });
                db.execute("ALTER TABLE agate_nodes_gone RENAME TO agate_nodes");
                await().atMost(Duration.ofSeconds(10)).until(() -> health(context).getStatus().equals(Status.UP));
            });
        }
    }

    @Test
    void theHealthIndicatorCanBeTurnedOff() {
        runner.withPropertyValues("management.health.agate.enabled=false").run(context -> {
            assertThat(context).hasSingleBean(AgateHost.class);
            assertThat(context).doesNotHaveBean("agateHealthIndicator");
        });
    }
}
