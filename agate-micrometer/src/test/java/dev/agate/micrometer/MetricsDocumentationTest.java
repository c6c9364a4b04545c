package dev.agate.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeliveryOptions;
import dev.agate.Durability;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.LocalQueue;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md lists every meter with its type and tag keys; this test runs traffic that makes every meter
 * (a host with a store, a TCP listener it sends to, failures of each kind, a duplicate, a scheduled message,
 * a failed invoke) and holds what the registry holds to that table, both ways.
 */
class MetricsDocumentationTest {
    private static final Path PAGE = Path.of("..", "docs", "metrics.md");
    /** A row of the table: | `name` | type | `tag`, `tag` | meaning |. */
    private static final Pattern ROW = Pattern.compile("^\\| `(agate\\.[a-z.]+)` \\| ([a-z ]+) \\|([^|]*)\\|", Pattern.MULTILINE);

    record Order(int id) {
    }

    record Refund(int id) {
    }

    record Audit(int id) {
    }

    record Shipment(int id) {
    }

    static final class Shop {
        final AtomicInteger orderAttempts = new AtomicInteger();
        final AtomicInteger shipped = new AtomicInteger();

        @Handler
        void order(Order order) {
            if (order.id() == 1 && orderAttempts.incrementAndGet() == 1) {
                throw new IllegalStateException("the first attempt fails");
            }
        }

        @Handler
        void refund(Refund refund) {
            throw new IllegalArgumentException("never refunded");
        }

        @Handler
        void audit(Audit audit) {
            throw new UnsupportedOperationException("audits are dropped");
        }

        @Handler
        void ship(Shipment shipment) {
            shipped.incrementAndGet();
        }
    }

    @Test
    void theRegisteredMetersAreExactlyTheDocumentedOnes() throws Exception {
        Map<String, String> documented = documented();
        assertThat(documented).as("meters in %s", PAGE).hasSizeGreaterThan(15);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Shop shop = new Shop();
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE);
             AgateMetrics metrics = AgateMetrics.of(registry, Duration.ofMillis(100))) {
            AgateHost host = AgateHost.builder().serviceName("shop")
                    .durability(Durability.defaults().heartbeat(Duration.ofMillis(250), Duration.ofSeconds(2)))
                    .store(JdbcMessageStore.builder(db.url).build()).durableSenders()
                    .listener(Listener.at("tcp://127.0.0.1:0").durable().build())
                    .localQueue(LocalQueue.builder("orders").durable().build())
                    .route(Order.class, "local://orders").route(Refund.class, "local://orders").route(Audit.class, "local://orders")
                    .onError(ErrorPolicy.on(IllegalStateException.class).retry(1).deadLetter())
                    .onError(ErrorPolicy.on(IllegalArgumentException.class).deadLetter())
                    .onError(ErrorPolicy.on(UnsupportedOperationException.class).discard())
                    .handlers(shop).observer(metrics).build();
            metrics.bindTo(host);
            try (host) {
                host.start();
                host.bus().send(new Order(1));                                          // failed, retried, handled
                host.bus().send(new Refund(2));                                         // dead-lettered
                host.bus().send(new Audit(3));                                          // discarded
                DeliveryOptions sameId = DeliveryOptions.builder().id(UUID.randomUUID()).build();
                host.bus().send(new Order(4), sameId);
                host.bus().send(new Order(4), sameId);                                  // a duplicate
                host.bus().schedule(new Order(5), Duration.ofHours(1));                 // scheduled, and pending
                host.bus().sendTo(host.listenerAddresses().get(0), new Shipment(6), DeliveryOptions.none()); // forwarded, received
                assertThatThrownBy(() -> host.bus().invoke(new Refund(7))).isInstanceOf(IllegalArgumentException.class); // abandoned

                await().atMost(Duration.ofSeconds(20)).until(() -> shop.shipped.get() == 1
                        && registry.find("agate.envelopes.pending").gauge() != null && registry.find("agate.dead.letters").gauge() != null
                        && registry.find("agate.messages.handled").tag("message.type", "Order").counters().stream()
                        .mapToDouble(c -> c.count()).sum() == 2);
                Map<String, String> registered = registered(registry);
                assertThat(registered).as("meters registered (name: type and tag keys) against %s", PAGE).isEqualTo(documented);
            }
        }
    }

    /** Each meter of the page's table: its type and sorted tag keys. */
    private static Map<String, String> documented() throws Exception {
        Map<String, String> meters = new TreeMap<>();
        Matcher row = ROW.matcher(Files.readString(PAGE));
        while (row.find()) {
            Set<String> tags = new TreeSet<>();
            Matcher tag = Pattern.compile("`([a-z.]+)`").matcher(row.group(3));
            while (tag.find()) {
                tags.add(tag.group(1));
            }
            assertThat(meters.put(row.group(1), row.group(2).strip() + " " + tags)).as("%s listed twice", row.group(1)).isNull();
        }
        return meters;
    }

    /** Each meter in the registry: its type and sorted tag keys, the same for every meter of a name. */
    private static Map<String, String> registered(SimpleMeterRegistry registry) {
        Map<String, String> meters = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            String type = meter.getId().getType().name().toLowerCase(Locale.ROOT).replace('_', ' ');
            Set<String> tags = meter.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toCollection(TreeSet::new));
            String described = type + " " + tags;
            String before = meters.putIfAbsent(meter.getId().getName(), described);
            assertThat(before == null || before.equals(described)).as("%s has one type and one set of tag keys: %s and %s",
                    meter.getId().getName(), before, described).isTrue();
        }
        return meters;
    }

    @Test
    void theTableIsReadAsTheTestExpects() throws Exception {
        assertThat(documented()).containsEntry("agate.messages.failed", "counter " + new TreeSet<>(Arrays.asList(
                "message.type", "endpoint", "mode", "exception"))).containsEntry("agate.senders.latched", "gauge []")
                .containsEntry("agate.store.batch.size", "distribution summary [operation]");
    }
}
