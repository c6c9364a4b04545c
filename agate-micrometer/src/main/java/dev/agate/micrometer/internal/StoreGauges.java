package dev.agate.micrometer.internal;

import static dev.agate.micrometer.internal.MeterNames.ENDPOINT;
import static dev.agate.micrometer.internal.MeterNames.EXCEPTION;
import static dev.agate.micrometer.internal.MeterNames.KIND;
import static dev.agate.micrometer.internal.MeterNames.TYPE;

import dev.agate.AgateHost;
import dev.agate.StoreStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gauges of one host: what waits in its store, its dead letters, nodes and leader, and its latched senders.
 *
 * <p>The store's part is read through {@link AgateHost#storeStatus()} once per refresh interval on a thread of
 * its own, never on a scrape's or a message's: a gauge returns the last status read, so a scrape never waits
 * for the store. (Read on a schedule rather than when scraped, because an endpoint's gauges exist only once a
 * read has seen it.) While the store cannot be read (it is down, or the host is not running) these gauges
 * are NaN; the first failure is logged, and the read that works again. An endpoint or a kind of dead letter
 * gets its gauges when first seen, and they stay (at 0 when nothing waits there). Once the host has run and
 * stopped, the reads stop. Thread-safe.
 */
public final class StoreGauges implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StoreGauges.class);

    private final MeterRegistry registry;
    private final AgateHost host;
    private final ScheduledExecutorService reader;
    private final Set<String> registeredKeys = ConcurrentHashMap.newKeySet();
    private final List<Meter> registered = new CopyOnWriteArrayList<>();
    /** The last status read, or null while the store cannot be read. */
    private volatile Snapshot snapshot;
    private volatile boolean failing;
    /** Whether the host was seen running: once it no longer is, it was closed, and is never started again. */
    private boolean seenRunning;

    /** A status with its groups keyed as the gauges look them up. */
    private record Snapshot(StoreStatus status, Map<String, StoreStatus.Pending> pending, Map<String, Long> deadLetters) {
    }

    public StoreGauges(MeterRegistry registry, AgateHost host, Duration refresh) {
        this.registry = registry;
        this.host = host;
        this.reader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "agate-metrics-store-" + host.serviceName());
            thread.setDaemon(true);
            return thread;
        });
        gauge(MeterNames.LATCHED_SENDERS, "Senders that stopped sending after repeated failures and ping their destination",
                Tags.empty(), null, g -> g.host.status().endpoints().stream().filter(e -> e.latched()).count());
        gauge(MeterNames.LIVE_NODES, "Nodes registered in the message store, of every service that shares it", Tags.empty(), null,
                g -> g.read(s -> s.status().nodes().size()));
        gauge(MeterNames.LEADER, "1 while this node holds the leader's lease, else 0", Tags.empty(), null,
                g -> g.read(s -> s.status().leaderId() != 0 && s.status().leaderId() == g.host.nodeId() ? 1 : 0));
        reader.scheduleWithFixedDelay(this::refresh, 0, refresh.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs on the reader's thread only. */
    private void refresh() {
        try {
            if (!host.isRunning()) {
                snapshot = null; // not started yet, or closed: the store is not open
                if (seenRunning) {
                    reader.shutdown(); // closed for good
                }
                return;
            }
            seenRunning = true;
            StoreStatus status = host.storeStatus();
            Map<String, StoreStatus.Pending> pending = new HashMap<>();
            for (StoreStatus.Pending group : status.pending()) {
                String kind = group.kind().name().toLowerCase(Locale.ROOT);
                String endpoint = TagValues.endpoint(group.endpoint());
                pending.put(kind + " " + endpoint, group);
                if (registeredKeys.add("pending " + kind + " " + endpoint)) {
                    Tags tags = Tags.of(KIND, kind, ENDPOINT, endpoint);
                    String key = kind + " " + endpoint;
                    gauge(MeterNames.PENDING, "Envelopes that wait in the message store, by kind and endpoint", tags, null,
                            g -> g.read(s -> s.pending().containsKey(key) ? s.pending().get(key).count() : 0));
                    gauge(MeterNames.OLDEST_AGE, "How long the longest-waiting envelope has waited; for scheduled ones, how late the"
                            + " next is", tags, "seconds", g -> g.read(s -> ageOf(s.pending().get(key))));
                }
            }
            Map<String, Long> deadLetters = new HashMap<>();
            for (StoreStatus.DeadLetterCount group : status.deadLetters()) {
                String exception = TagValues.exception(group.exceptionType());
                String key = group.messageType() + " " + exception;
                deadLetters.merge(key, group.count(), Long::sum);
                if (registeredKeys.add("dead " + key)) {
                    gauge(MeterNames.DEAD_LETTERS, "Dead letters in the message store, by message type and exception", Tags.of(TYPE,
                            group.messageType(), EXCEPTION, exception), null, g -> g.read(s -> s.deadLetters().getOrDefault(key, 0L)));
                }
            }
            snapshot = new Snapshot(status, pending, deadLetters);
            if (failing) {
                failing = false;
                log.info("metrics of host '{}' read its message store again", host.serviceName());
            }
        } catch (RuntimeException e) {
            snapshot = null;
            if (!failing) {
                failing = true;
                log.warn("metrics of host '{}' cannot read what waits in its message store; those gauges are NaN until they can: {}",
                        host.serviceName(), e.getMessage());
            }
        }
    }

    /** Seconds the oldest of a group has waited (0 when nothing waits there); NaN when none of them tells. */
    private static double ageOf(StoreStatus.Pending group) {
        if (group == null || group.count() == 0) {
            return 0;
        }
        if (group.oldest() == null) {
            return Double.NaN;
        }
        return Math.max(0, Duration.between(group.oldest(), Instant.now()).toMillis() / 1000.0);
    }

    private double read(ToDoubleFunction<Snapshot> value) {
        Snapshot current = snapshot;
        return current == null ? Double.NaN : value.applyAsDouble(current);
    }

    private void gauge(String name, String description, Tags tags, String baseUnit, ToDoubleFunction<StoreGauges> value) {
        registered.add(Gauge.builder(name, this, value).description(description).tags(tags).baseUnit(baseUnit).strongReference(true)
                .register(registry));
    }

    /** Stops reading the store and removes these gauges from the registry (they hold the host). */
    @Override
    public void close() {
        reader.shutdownNow();
        registered.forEach(registry::remove);
        registered.clear();
    }
}
