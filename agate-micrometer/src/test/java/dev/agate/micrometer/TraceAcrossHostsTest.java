package dev.agate.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.MessageContext;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One trace from the sender's span through the outbox, TCP, the receiver's inbox and handler, to a cascaded
 * message's handler; and the same when the sending process was killed between its commit and the relay and
 * another node relayed the stored envelope. Real PostgreSQL databases, real sockets, a real SIGKILL.
 */
class TraceAcrossHostsTest {
    static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(200))
            .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(2));

    record Order(int id) {
    }

    record Shipment(int order) {
    }

    /** Handles orders on the receiving host, cascading a shipment to a local durable queue. */
    static final class Warehouse {
        final List<Integer> shipped = new CopyOnWriteArrayList<>();
        volatile boolean failFirst;

        @Handler
        Shipment on(Order order, MessageContext context) {
            if (failFirst && context.envelope().attempts() == 1) {
                throw new IllegalStateException("the first attempt fails");
            }
            return new Shipment(order.id());
        }

        @Handler
        void on(Shipment shipment) {
            shipped.add(shipment.order());
        }
    }

    @Test
    void oneTraceFromTheSendersSpanToTheCascadedHandler() throws Exception {
        try (InMemoryTracing tracing = new InMemoryTracing();
             TestDatabase senderDb = TestDatabase.create(TestDatabase.Kind.POSTGRES);
             TestDatabase receiverDb = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            Warehouse warehouse = new Warehouse();
            warehouse.failFirst = true;
            try (AgateHost receiver = receiver(tracing, receiverDb, 0, warehouse)) {
                String destination = receiver.listenerAddresses().get(0).toString();
                try (AgateHost sender = AgateHost.builder().serviceName("shop").durability(FAST).tracer(tracing.agate())
                        .store(JdbcMessageStore.builder(senderDb.url).build())
                        .sender(Sender.to(destination).durable().build()).route(Order.class, destination).start()) {
                    String[] root = tracing.inRootSpan("POST /orders",
                            () -> sender.inTransaction(senderDb.dataSource, (connection, outbox) -> {
                                outbox.send(new Order(7));
                                return null;
                            }));
                    await().atMost(Duration.ofSeconds(20)).until(() -> warehouse.shipped.contains(7));
                    await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().stream()
                            .filter(s -> s.getName().equals("process shipments")).count() == 1);

                    List<SpanData> spans = tracing.spans();
                    System.out.println("spans: " + tracing.names());
                    assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).as(s.getName()).isEqualTo(root[0]));
                    SpanData send = InMemoryTracing.with(spans, "send " + destination.substring("tcp://".length()));
                    assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
                    assertThat(send.getParentSpanId()).isEqualTo(root[1]);
                    assertThat(send.getAttributes().asMap().toString()).contains("messaging.system=agate", "messaging.operation.type=send");

                    List<SpanData> processOrders = spans.stream().filter(s -> s.getName().equals("process orders")).toList();
                    assertThat(processOrders).hasSize(2); // the failed attempt, then the one that worked
                    assertThat(processOrders).allSatisfy(s -> {
                        assertThat(s.getKind()).isEqualTo(SpanKind.CONSUMER);
                        assertThat(s.getParentSpanId()).isEqualTo(root[1]);
                    });
                    assertThat(processOrders.stream().filter(s -> s.getStatus().getStatusCode() == StatusCode.ERROR)).hasSize(1);
                    SpanData succeeded = processOrders.stream().filter(s -> s.getStatus().getStatusCode() != StatusCode.ERROR)
                            .findFirst().orElseThrow();
                    assertThat(succeeded.getAttributes().asMap().toString())
                            .contains("messaging.destination.name=orders", "agate.message.type=", "messaging.message.id=");

                    SpanData processShipments = InMemoryTracing.with(spans, "process shipments");
                    assertThat(processShipments.getKind()).isEqualTo(SpanKind.CONSUMER);
                    assertThat(processShipments.getParentSpanId()).isEqualTo(succeeded.getSpanId());
                }
            }
        }
    }

    @Test
    void aTraceContinuesAfterTheSendingProcessWasKilledAndAnotherNodeRelayed() throws Exception {
        try (InMemoryTracing tracing = new InMemoryTracing();
             TestDatabase senderDb = TestDatabase.create(TestDatabase.Kind.POSTGRES);
             TestDatabase receiverDb = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            String destination = "tcp://127.0.0.1:" + port;
            // The child commits an order to its outbox inside a traced "request" while nothing listens at the
            // destination, prints the trace, and is killed: the envelope and its trace context are in the store.
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), TracedSenderProcess.class.getName(), senderDb.url, destination)
                    .redirectErrorStream(true).start();
            String[] trace;
            List<String> output = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null && !line.startsWith("COMMITTED ")) {
                    output.add(line);
                }
                assertThat(line).as("the child's output: %s", output).isNotNull();
                trace = line.substring("COMMITTED ".length()).split(" ");
                child.destroyForcibly(); // SIGKILL
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            System.out.println("killed the sender after it committed trace " + trace[0] + " span " + trace[1]);
            assertThat(senderDb.queryLong("SELECT count(*) FROM agate_outgoing_envelopes")).isEqualTo(1);

            Warehouse warehouse = new Warehouse();
            try (AgateHost receiver = receiver(tracing, receiverDb, port, warehouse);
                 AgateHost takeover = AgateHost.builder().serviceName("shop").durability(FAST).tracer(tracing.agate())
                         .store(JdbcMessageStore.builder(senderDb.url).build())
                         .sender(Sender.to(destination).durable().build()).route(Order.class, destination).start()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> warehouse.shipped.contains(42));
                await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().stream()
                        .anyMatch(s -> s.getName().equals("process shipments")));
                List<SpanData> spans = tracing.spans();
                System.out.println("spans after the takeover: " + tracing.names());
                assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).as(s.getName()).isEqualTo(trace[0]));
                SpanData send = InMemoryTracing.with(spans, "send 127.0.0.1:" + port);
                assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
                assertThat(send.getParentSpanId()).isEqualTo(trace[1]);
                SpanData process = InMemoryTracing.with(spans, "process orders");
                assertThat(process.getParentSpanId()).isEqualTo(trace[1]);
                assertThat(InMemoryTracing.with(spans, "process shipments").getParentSpanId()).isEqualTo(process.getSpanId());
                assertThat(takeover.nodeId()).isPositive();
            }
        }
    }

    private static AgateHost receiver(InMemoryTracing tracing, TestDatabase db, int port, Warehouse warehouse) {
        return AgateHost.builder().serviceName("warehouse").durability(FAST).tracer(tracing.agate())
                .store(JdbcMessageStore.builder(db.url).build())
                .listener(Listener.at("tcp://127.0.0.1:" + port).queue("orders").durable().build())
                .durableLocalQueues().route(Shipment.class, "local://shipments")
                .handler(warehouse).messageTypes(Order.class, Shipment.class).start();
    }
}
