package dev.agate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.MessageBus;
import dev.agate.MessageContext;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.micrometer.InMemoryTracing;
import dev.agate.spring.SpringTestSupport;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.JdbcTemplateAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/**
 * One trace from a traced request through a Spring {@code @Transactional} method that writes a row and sends
 * an order (the outbox, in the same transaction), TCP to a second host, its inbox, its handler and the
 * shipment that handler cascades; the trace id is in the handler's MDC. A request that rolls back sends
 * nothing and traces no send. Real PostgreSQL databases and sockets; spans exported to memory through
 * Micrometer Tracing's OpenTelemetry bridge, whose beans the auto-configuration picks up.
 */
class TraceThroughSpringTest {
    public record Order(int id) {
    }

    public record Shipment(int order) {
    }

    /** The receiving service: handles orders, cascading a shipment to a local durable queue. */
    static final class Warehouse {
        final Map<Integer, String> traceIds = new ConcurrentHashMap<>();
        final Map<Integer, Integer> shipped = new ConcurrentHashMap<>();

        @Handler
        Shipment on(Order order, MessageContext context) {
            traceIds.put(order.id(), String.valueOf(MDC.get("agate.traceId")));
            return new Shipment(order.id());
        }

        @Handler
        void on(Shipment shipment) {
            shipped.merge(shipment.order(), 1, Integer::sum);
        }
    }

    /** The web application's service: a business row and the order message, in one transaction. */
    public static class Orders {
        private final JdbcTemplate jdbc;
        private final MessageBus bus;

        public Orders(JdbcTemplate jdbc, MessageBus bus) {
            this.jdbc = jdbc;
            this.bus = bus;
        }

        @Transactional
        public void place(int id, boolean fail) {
            jdbc.update("INSERT INTO orders (id) VALUES (?)", id);
            bus.send(new Order(id));
            if (fail) {
                throw new IllegalStateException("the request fails after sending");
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Shop {
        static InMemoryTracing tracing;
        static String destination;

        @Bean
        Orders orders(JdbcTemplate jdbc, MessageBus bus) {
            return new Orders(jdbc, bus);
        }

        @Bean
        ObservationRegistry observationRegistry() {
            return tracing.observations;
        }

        @Bean
        Tracer tracer() {
            return tracing.tracer;
        }

        @Bean
        Propagator propagator() {
            return tracing.propagator;
        }

        @Bean
        AgateHostCustomizer durableSender() {
            return builder -> builder.sender(Sender.to(destination).durable().build()).route(Order.class, destination);
        }
    }

    /** The shop as a Spring Boot application: the auto-configurations, the shop's beans, its PostgreSQL database. */
    static ApplicationContextRunner shop(String url) {
        List<String> properties = new java.util.ArrayList<>(List.of("spring.datasource.url=" + url, "spring.application.name=shop"));
        properties.addAll(SpringTestSupport.FAST);
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class, JdbcTemplateAutoConfiguration.class,
                        TransactionAutoConfiguration.class, AgateAutoConfiguration.class, AgateObservabilityAutoConfiguration.class))
                .withUserConfiguration(Shop.class)
                .withPropertyValues(properties.toArray(String[]::new));
    }

    @Test
    void oneTraceFromTheTransactionalRequestToTheCascadedHandler() throws Exception {
        try (InMemoryTracing tracing = new InMemoryTracing();
             TestDatabase shopDb = TestDatabase.create(TestDatabase.Kind.POSTGRES);
             TestDatabase warehouseDb = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            shopDb.execute("CREATE TABLE orders (id INT PRIMARY KEY)");
            Warehouse warehouse = new Warehouse();
            try (AgateHost receiver = AgateHost.builder().serviceName("warehouse").tracer(tracing.agate())
                    .store(JdbcMessageStore.builder(warehouseDb.url).build())
                    .listener(Listener.at("tcp://127.0.0.1:0").queue("orders").durable().build())
                    .durableLocalQueues().route(Shipment.class, "local://shipments").handler(warehouse)
                    .messageTypes(Order.class, Shipment.class).start()) {
                Shop.tracing = tracing;
                Shop.destination = receiver.listenerAddresses().get(0).toString();
                shop(shopDb.url).run(context -> {
                            assertThat(context).hasNotFailed();
                            Orders orders = context.getBean(Orders.class);
                            String[] root = tracing.inRootSpan("POST /orders", () -> orders.place(7, false));
                            assertThatThrownBy(() -> tracing.inRootSpan("POST /orders", () -> orders.place(8, true)))
                                    .hasMessageContaining("fails after sending");
                            await().atMost(Duration.ofSeconds(20)).until(() -> warehouse.shipped.containsKey(7));
                            await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().stream()
                                    .anyMatch(s -> s.getName().equals("process shipments")));
                            Thread.sleep(500); // what the rolled-back request would have sent, had it been sent

                            List<SpanData> spans = tracing.spans().stream().filter(s -> s.getTraceId().equals(root[0])).toList();
                            System.out.println("spans of trace " + root[0] + ": " + spans.stream()
                                    .map(s -> s.getName() + "(" + s.getKind() + ")").toList());
                            SpanData send = InMemoryTracing.with(spans, "send " + Shop.destination.substring("tcp://".length()));
                            assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
                            assertThat(send.getParentSpanId()).isEqualTo(root[1]);
                            SpanData process = InMemoryTracing.with(spans, "process orders");
                            assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
                            assertThat(process.getParentSpanId()).isEqualTo(root[1]);
                            SpanData shipment = InMemoryTracing.with(spans, "process shipments");
                            assertThat(shipment.getParentSpanId()).isEqualTo(process.getSpanId());
                            assertThat(spans).hasSize(4); // the request, send, process orders, process shipments
                            assertThat(warehouse.traceIds).containsOnlyKeys(7).containsEntry(7, root[0]);
                            assertThat(warehouse.shipped).containsOnlyKeys(7).containsEntry(7, 1);
                            assertThat(tracing.spans()).noneMatch(s -> s.getName().startsWith("send") && !s.getTraceId().equals(root[0]));
                        });
            }
        }
    }

    /**
     * The shop's process commits a traced request (a row and an order, in one {@code @Transactional} method)
     * while the warehouse is down, and is killed (SIGKILL) before it relays; the shop started again, as a new
     * node on the same database, takes the dead node's envelope over and relays it: its spans continue the
     * killed request's trace.
     */
    @Test
    void theTraceContinuesWhenTheShopWasKilledBetweenCommitAndRelayAndAnotherNodeRelayed() throws Exception {
        try (InMemoryTracing tracing = new InMemoryTracing();
             TestDatabase shopDb = TestDatabase.create(TestDatabase.Kind.POSTGRES);
             TestDatabase warehouseDb = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            shopDb.execute("CREATE TABLE orders (id INT PRIMARY KEY)");
            int port;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                port = free.getLocalPort();
            }
            String destination = "tcp://127.0.0.1:" + port;
            Process child = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), KilledShop.class.getName(), shopDb.url, destination)
                    .redirectErrorStream(true).start();
            String[] trace = null;
            List<String> output = new java.util.ArrayList<>();
            try (java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("COMMITTED ")) {
                        trace = line.substring("COMMITTED ".length()).split(" ");
                        break;
                    }
                    output.add(line);
                }
                assertThat(trace).as("the shop's output: %s", output).isNotNull();
                child.destroyForcibly(); // SIGKILL, before the relay could reach the warehouse (nothing listens yet)
                assertThat(child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
            System.out.println("killed the shop after it committed trace " + trace[0] + " span " + trace[1]);
            assertThat(shopDb.queryLong("SELECT count(*) FROM agate_outgoing_envelopes")).isEqualTo(1);
            assertThat(shopDb.queryLong("SELECT count(*) FROM orders")).isEqualTo(1);

            Warehouse warehouse = new Warehouse();
            String[] killed = trace;
            try (AgateHost receiver = AgateHost.builder().serviceName("warehouse").tracer(tracing.agate())
                    .store(JdbcMessageStore.builder(warehouseDb.url).build())
                    .listener(Listener.at(destination).queue("orders").durable().build())
                    .durableLocalQueues().route(Shipment.class, "local://shipments").handler(warehouse)
                    .messageTypes(Order.class, Shipment.class).start()) {
                Shop.tracing = tracing;
                Shop.destination = destination;
                shop(shopDb.url).run(context -> {
                    assertThat(context).hasNotFailed();
                    await().atMost(Duration.ofSeconds(30)).until(() -> warehouse.shipped.containsKey(1));
                    await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().stream()
                            .anyMatch(s -> s.getName().equals("process shipments")));
                    List<SpanData> spans = tracing.spans();
                    System.out.println("spans after the takeover: " + tracing.names());
                    assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).as(s.getName()).isEqualTo(killed[0]));
                    SpanData send = InMemoryTracing.with(spans, "send 127.0.0.1:" + port);
                    assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
                    assertThat(send.getParentSpanId()).isEqualTo(killed[1]);
                    SpanData process = InMemoryTracing.with(spans, "process orders");
                    assertThat(process.getParentSpanId()).isEqualTo(killed[1]);
                    assertThat(InMemoryTracing.with(spans, "process shipments").getParentSpanId()).isEqualTo(process.getSpanId());
                    assertThat(warehouse.traceIds).containsEntry(1, killed[0]);
                    assertThat(warehouse.shipped).containsEntry(1, 1);
                });
            }
        }
    }

    /** The shop's process of the test above: one traced request, then it waits to be killed. */
    public static final class KilledShop {
        public static void main(String[] args) throws Exception {
            Shop.tracing = new InMemoryTracing();
            Shop.destination = args[1];
            shop(args[0]).run(context -> {
                Orders orders = context.getBean(Orders.class);
                String[] root = Shop.tracing.inRootSpan("POST /orders", () -> orders.place(1, false));
                System.out.println("COMMITTED " + root[0] + " " + root[1]);
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            });
        }
    }
}
