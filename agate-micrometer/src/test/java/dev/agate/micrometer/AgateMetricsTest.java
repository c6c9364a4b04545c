package dev.agate.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.EndpointMode;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.StoreStatus;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.ForwardingMessageStore;
import dev.agate.spi.StoreAdmin;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The counters and timers a host's events make, their tags, and gauges while the store cannot be read. */
class AgateMetricsTest {
    record Order(int id) {
    }

    record Refund(int id) {
    }

    record Audit(int id) {
    }

    record Quote(String symbol) {
    }

    record Price(long cents) {
    }

    record Tick(int n) {
    }

    static final class Declined extends RuntimeException {
        Declined(String message) {
            super(message);
        }
    }

    static final class Shop {
        final AtomicInteger orderAttempts = new AtomicInteger();

        @Handler
        void order(Order order) {
            if (orderAttempts.incrementAndGet() == 1) {
                throw new IllegalStateException("the first attempt fails");
            }
        }

        @Handler
        void refund(Refund refund) {
            throw new Declined("never refunded");
        }

        @Handler
        void audit(Audit audit) {
            throw new UnsupportedOperationException("audits are dropped");
        }

        @Handler
        void tick(Tick tick) {
        }

        @Handler
        Price quote(Quote quote) {
            return new Price(42);
        }
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Set<UUID> ids = ConcurrentHashMap.newKeySet();

    @Test
    void aFailureThenASuccessCountsOneFailedOneRetriedOneHandledAndTimesBothAttempts() {
        Shop shop = new Shop();
        AgateMetrics metrics = AgateMetrics.of(registry);
        try (AgateHost host = host(shop, metrics)) {
            host.bus().send(new Order(1));
            host.bus().send(new Refund(2));
            host.bus().send(new Audit(3));
            assertThat(host.bus().invoke(new Quote("ACME"), Price.class)).isEqualTo(new Price(42));

            await().atMost(Duration.ofSeconds(10)).until(() -> count("agate.messages.handled", "Order") == 1
                    && count("agate.messages.dead.lettered", "Refund") == 1 && count("agate.messages.discarded", "Audit") == 1);
        }

        List<Tag> orders = List.of(Tag.of("message.type", "Order"), Tag.of("endpoint", "local://shop"), Tag.of("mode", "buffered"));
        assertThat(registry.get("agate.messages.sent").tags(orders).counter().count()).isEqualTo(1);
        assertThat(registry.get("agate.messages.failed").tags(orders).tag("exception", "IllegalStateException").counter().count()).isEqualTo(1);
        assertThat(registry.get("agate.messages.retried").tags(orders).counter().count()).isEqualTo(1);
        assertThat(registry.get("agate.messages.handled").tags(orders).counter().count()).isEqualTo(1);
        assertThat(registry.get("agate.handler.execution").tags(orders).tag("outcome", "failure").timer().count()).isEqualTo(1);
        assertThat(registry.get("agate.handler.execution").tags(orders).tag("outcome", "success").timer().count()).isEqualTo(1);
        Timer latency = registry.get("agate.messages.latency").tags(orders).timer();
        assertThat(latency.count()).isEqualTo(1);
        assertThat(latency.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS))
                .as("end to end spans both attempts").isGreaterThanOrEqualTo(registry.get("agate.handler.execution").tags(orders)
                        .tag("outcome", "success").timer().totalTime(java.util.concurrent.TimeUnit.NANOSECONDS));

        assertThat(registry.get("agate.messages.dead.lettered").tag("message.type", "Refund").tag("exception", "Declined").counter().count())
                .as("a nested exception class by its simple name").isEqualTo(1);
        assertThat(registry.get("agate.messages.failed").tag("message.type", "Refund").tag("exception", "Declined").counter().count()).isEqualTo(1);
        assertThat(registry.get("agate.messages.discarded").tag("message.type", "Audit").counter().count()).isEqualTo(1);
        assertThat(registry.find("agate.messages.handled").tag("message.type", "Audit").counter()).isNull();
        assertThat(registry.get("agate.messages.handled").tag("message.type", "Quote").tag("endpoint", "none").tag("mode", "none")
                .counter().count()).as("invoke: no endpoint").isEqualTo(1);

        assertThat(registry.find("agate.messages.sent").tag("mode", "unknown").counters()).as("bound before start: every mode known").isEmpty();
        assertThat(ids).hasSizeGreaterThanOrEqualTo(4);
        for (Meter meter : registry.getMeters()) {
            for (Tag tag : meter.getId().getTags()) {
                assertThat(ids).as("no id in the tags of %s", meter.getId()).noneMatch(id -> tag.getValue().contains(id.toString()));
            }
        }
    }

    @Test
    void anInlineQueueIsTaggedInlineAndEventsBeforeTheBindHaveAnUnknownModeUntilItIsKnown() {
        AgateMetrics metrics = AgateMetrics.of(registry);
        try (AgateHost host = AgateHost.builder().serviceName("shop").handlers(new Shop())
                .localQueue(LocalQueue.builder("shop").mode(EndpointMode.INLINE).build()).route(Tick.class, "local://shop")
                .observer(metrics).start()) {
            host.bus().send(new Tick(1));
            metrics.bindTo(host);
            host.bus().send(new Tick(2));
        }
        assertThat(registry.get("agate.messages.handled").tag("mode", "unknown").counter().count()).isEqualTo(1);
        assertThat(registry.get("agate.messages.handled").tag("mode", "inline").tag("endpoint", "local://shop").counter().count()).isEqualTo(1);
    }

    @Test
    void storeGaugesAreNaNWhileTheStoreCannotBeReadAndComeBackAfter() throws Exception {
        AtomicBoolean down = new AtomicBoolean();
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE);
             AgateMetrics metrics = AgateMetrics.of(registry, Duration.ofMillis(50))) {
            JdbcMessageStore jdbc = JdbcMessageStore.builder(db.url).build();
            ForwardingMessageStore store = new ForwardingMessageStore(jdbc) {
                @Override
                public StoreAdmin admin() {
                    StoreAdmin admin = super.admin();
                    return new StoreAdmin() {
                        @Override
                        public StoreStatus status() {
                            if (down.get()) {
                                throw new IllegalStateException("the database is down");
                            }
                            return admin.status();
                        }

                        @Override
                        public Counts counts() {
                            return admin.counts();
                        }

                        @Override
                        public dev.agate.Page<dev.agate.AuditEntry> audit(dev.agate.PageRequest page) {
                            return admin.audit(page);
                        }

                        @Override
                        public Set<Integer> owners() {
                            return admin.owners();
                        }

                        @Override
                        public int releaseAll() {
                            return admin.releaseAll();
                        }

                        @Override
                        public void clearAll() {
                            admin.clearAll();
                        }
                    };
                }
            };
            try (AgateHost host = AgateHost.builder().serviceName("shop").store(store).handlers(new Shop()).observer(metrics)
                    .durability(Durability.defaults().heartbeat(Duration.ofMillis(250), Duration.ofSeconds(2))).build()) {
                metrics.bindTo(host);
                assertThat(gauge("agate.nodes.live")).as("not started: the store is not open").isNaN();
                host.start();
                await().atMost(Duration.ofSeconds(5)).until(() -> gauge("agate.nodes.live") == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> gauge("agate.node.leader") == 1);
                assertThat(gauge("agate.senders.latched")).isZero();

                down.set(true);
                await().atMost(Duration.ofSeconds(5)).until(() -> Double.isNaN(gauge("agate.nodes.live")));
                assertThat(gauge("agate.node.leader")).isNaN();
                assertThat(gauge("agate.senders.latched")).as("read from the host, not the store").isZero();
                down.set(false);
                await().atMost(Duration.ofSeconds(5)).until(() -> gauge("agate.nodes.live") == 1);
                assertThatThrownBy(() -> metrics.bindTo(host)).isInstanceOf(IllegalStateException.class);
            }
        }
        assertThat(registry.find("agate.nodes.live").gauge()).as("closed: its gauges are gone").isNull();
    }

    private AgateHost host(Shop shop, AgateMetrics metrics) {
        AgateHost host = AgateHost.builder().serviceName("shop").handlers(shop).clock(new MonotonicClock())
                .localQueue(LocalQueue.builder("shop").build())
                .route(Order.class, "local://shop").route(Refund.class, "local://shop").route(Audit.class, "local://shop")
                .onError(ErrorPolicy.on(IllegalStateException.class).retry(1).deadLetter())
                .onError(ErrorPolicy.on(Declined.class).deadLetter())
                .onError(ErrorPolicy.on(UnsupportedOperationException.class).discard())
                .observer(metrics).observer(event -> ids.add(event.envelope().id()))
                .build();
        metrics.bindTo(host);
        return host.start();
    }

    private double count(String name, String type) {
        Counter counter = registry.find(name).tag("message.type", type).counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Wall time that moves with {@link System#nanoTime}: the end-to-end latency (from the host's clock) and the
     * handler timer (from {@code nanoTime}) then run on one time base. On the system clock a step of the machine's
     * clock between the send and the success (a VM's clock being corrected) made the latency shorter than the
     * attempt it spans.
     */
    private static final class MonotonicClock extends java.time.Clock {
        private final java.time.Instant base = java.time.Instant.now();
        private final long baseNanos = System.nanoTime();

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return base.plusNanos(System.nanoTime() - baseNanos);
        }
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
