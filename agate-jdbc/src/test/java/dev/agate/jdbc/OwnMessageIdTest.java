package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeliveryOptions;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.Sender;
import dev.agate.spi.BatchReceiver;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.Transport;
import dev.agate.spi.TransportListener;
import dev.agate.spi.TransportSender;
import java.net.URI;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A send that carries the sender's own message id ({@link DeliveryOptions.Builder#idFrom}) and is repeated (a
 * business operation retried in a later transaction, or from another host on the same database) makes no
 * second envelope: in a durable local queue's inbox, in the outbox of a durable sender, and at each endpoint
 * of a message routed to several. On every store.
 */
class OwnMessageIdTest {
    private static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(100))
            .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(2));

    record OrderPlaced(int id) {
    }

    static final class Shipping {
        final List<OrderPlaced> shipped = new CopyOnWriteArrayList<>();

        @Handler
        void on(OrderPlaced placed) {
            shipped.add(placed);
        }
    }

    private static AgateHost.Builder host(TestDatabase db, Object handler) {
        return AgateHost.builder().serviceName("shop").handler(handler).durableLocalQueues()
                .store(JdbcMessageStore.builder(db.url).build()).durability(FAST).shutdownTimeout(Duration.ofSeconds(5));
    }

    private static DeliveryOptions orderId(int id) {
        return DeliveryOptions.builder().idFrom("order-" + id + "-placed").build();
    }

    private static void placeOrder(AgateHost host, TestDatabase db, int id) {
        host.inTransaction(db.dataSource, (connection, outbox) -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO orders (id) VALUES (?)")) {
                insert.setInt(1, id);
                insert.executeUpdate();
            }
            outbox.send(new OrderPlaced(id), orderId(id));
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aRetriedTransactionOrAnotherHostMakesNoSecondEnvelopeInADurableQueue(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE orders (id INTEGER NOT NULL)");
            Shipping shipping = new Shipping();
            Shipping elsewhere = new Shipping();
            List<MessageEvent> events = new CopyOnWriteArrayList<>();
            try (AgateHost host = host(db, shipping).start(); AgateHost other = host(db, elsewhere).start()) {
                host.observe(events::add);
                placeOrder(host, db, 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> shipping.shipped.size() == 1);

                placeOrder(host, db, 1);                                  // the operation retried: a second order row,
                placeOrder(other, db, 1);                                 // and once more from another host,
                host.bus().send(new OrderPlaced(1), orderId(1));          // and outside any transaction
                placeOrder(host, db, 2);

                await().atMost(Duration.ofSeconds(10)).until(() -> shipping.shipped.size() + elsewhere.shipped.size() == 2);
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                        .until(() -> shipping.shipped.size() + elsewhere.shipped.size() == 2);
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM orders")).as("the application's rows are its own").isEqualTo(4);
            assertThat(shipping.shipped).containsExactlyInAnyOrder(new OrderPlaced(1), new OrderPlaced(2));
            assertThat(elsewhere.shipped).isEmpty();
            assertThat(events).filteredOn(e -> e.kind() == MessageEvent.Kind.DUPLICATE)
                    .singleElement().satisfies(e -> assertThat(e.detail()).contains("stored already"));
            assertThat(events).noneMatch(e -> e.kind() == MessageEvent.Kind.DISCARDED);
            System.out.printf("own message id %s: 3 repeats of order 1 made no envelope; shipped %s%n", kind, shipping.shipped);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aMessageRoutedToTwoQueuesIsOnceAtEachAndARepeatAddsNothing(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE orders (id INTEGER NOT NULL)");
            List<String> seen = new CopyOnWriteArrayList<>();
            Object handler = new Object() {
                @Handler
                void on(OrderPlaced placed, dev.agate.MessageContext context) {
                    seen.add(context.envelope().destination() + " " + context.envelope().id());
                }
            };
            try (AgateHost host = host(db, handler).route(OrderPlaced.class, "local://billing", "local://shipping").start()) {
                placeOrder(host, db, 7);
                placeOrder(host, db, 7);
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> seen.size() == 2);
            }
            assertThat(seen).hasSize(2).anyMatch(s -> s.startsWith("local://billing ")).anyMatch(s -> s.startsWith("local://shipping "));
            assertThat(seen.stream().map(s -> s.split(" ")[1]).distinct()).as("an id per endpoint").hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aRepeatedSendToADurableSenderMakesNoSecondOutgoingRow(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.execute("CREATE TABLE orders (id INTEGER NOT NULL)");
            URI partner = URI.create("never://partner");
            try (AgateHost host = AgateHost.builder().serviceName("shop").transport(new NeverAnswers())
                    .store(JdbcMessageStore.builder(db.url).build()).durability(FAST).shutdownTimeout(Duration.ofSeconds(2))
                    .sender(Sender.to(partner.toString()).durable().build()).route(OrderPlaced.class, partner.toString()).start()) {
                placeOrder(host, db, 3);
                placeOrder(host, db, 3);
                placeOrder(host, db, 4);

                try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
                    store.start();
                    assertThat(store.admin().counts().outgoing()).as("one row per order, not per send").isEqualTo(2);
                }
            }
        }
    }

    /** A transport whose destination never answers: what is sent to it stays in the outbox. */
    static final class NeverAnswers implements Transport {
        private final List<CompletableFuture<?>> pending = new CopyOnWriteArrayList<>();

        @Override
        public String scheme() {
            return "never";
        }

        @Override
        public TransportListener listen(URI uri, BatchReceiver receiver) {
            throw new UnsupportedOperationException("no listener");
        }

        @Override
        public TransportSender sender(URI destination) {
            return new TransportSender() {
                @Override
                public URI destination() {
                    return destination;
                }

                @Override
                public CompletionStage<ReceiveAnswer> send(List<dev.agate.Envelope> batch) {
                    CompletableFuture<ReceiveAnswer> answer = new CompletableFuture<>();
                    pending.add(answer);
                    return answer;
                }

                @Override
                public CompletionStage<Void> ping() {
                    return CompletableFuture.failedFuture(new java.io.IOException("no answer"));
                }

                @Override
                public void close() {
                    pending.forEach(f -> f.completeExceptionally(new java.io.IOException("closed")));
                }
            };
        }

        @Override
        public void checkUri(URI uri) {
        }

        @Override
        public void close() {
            pending.forEach(f -> f.completeExceptionally(new java.io.IOException("closed")));
        }
    }
}
