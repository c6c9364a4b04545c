package dev.agate.micrometer;

import dev.agate.AgateHost;
import dev.agate.micrometer.internal.EndpointModes;
import dev.agate.micrometer.internal.EventMeters;
import dev.agate.micrometer.internal.StoreGauges;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageObserver;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;

/**
 * The meters of one Agate host in a Micrometer {@link MeterRegistry}: counters of what happens to messages,
 * timers of handlers, of messages end to end and of store calls, and gauges of what waits in the message
 * store. docs/metrics.md lists every meter with its tags.
 *
 * <pre>{@code
 * AgateMetrics metrics = AgateMetrics.of(meterRegistry);
 * AgateHost host = AgateHost.builder()
 *         .serviceName("orders")
 *         .observer(metrics)                     // counters and timers, from the first event
 *         .build();
 * metrics.bindTo(host);                          // gauges, and the mode tag of every event
 * host.start();
 * }</pre>
 *
 * <p>Binding after {@code start()} works too: then the events of the start (envelopes recovered from the
 * store) carry the mode {@code unknown}. One {@code AgateMetrics} serves one host.
 *
 * <p><b>Cost and threads.</b> Events are counted on the host's threads, as they happen: a look-up among
 * meters made once per message type, endpoint and outcome. Tags take few values (message type, endpoint,
 * mode, outcome, exception's simple class name, store operation), never an id. The gauges of the store are
 * read on a thread of their own, once per refresh interval (5 s by default) while the host runs: a scrape
 * never waits for the store, and while the store cannot be read those gauges are NaN (logged once).
 * Thread-safe.
 */
public final class AgateMetrics implements MessageObserver, AutoCloseable {
    private final MeterRegistry registry;
    private final Duration storeRefresh;
    private final EndpointModes modes = new EndpointModes();
    private final EventMeters events;
    private StoreGauges gauges;
    private AgateHost host;
    private boolean closed;

    private AgateMetrics(MeterRegistry registry, Duration storeRefresh) {
        this.registry = Objects.requireNonNull(registry, "registry");
        if (storeRefresh.isNegative() || storeRefresh.isZero()) {
            throw new IllegalArgumentException("storeRefresh must be positive but was " + storeRefresh);
        }
        this.storeRefresh = storeRefresh;
        this.events = new EventMeters(registry, modes);
    }

    /** Meters in {@code registry}, the store read every 5 seconds. Register it as an observer of the host, then {@link #bindTo}. */
    public static AgateMetrics of(MeterRegistry registry) {
        return of(registry, Duration.ofSeconds(5));
    }

    /**
     * Meters in {@code registry}, the store read every {@code storeRefresh} for the gauges of what
     * waits in it (each read is a few grouped queries over the waiting rows only; see
     * {@link AgateHost#storeStatus()}).
     */
    public static AgateMetrics of(MeterRegistry registry, Duration storeRefresh) {
        return new AgateMetrics(registry, Objects.requireNonNull(storeRefresh, "storeRefresh"));
    }

    /**
     * Registers the gauges of {@code host} (its store's backlog, dead letters, nodes and leader, its latched
     * senders) and reads the modes of its endpoints for the counters' {@code mode} tag. The host must have this
     * object as an observer ({@code AgateHost.Builder#observer}) for the counters and timers; it may be started
     * or not. Returns this.
     *
     * @throws IllegalStateException when bound to a host already, or closed
     */
    public synchronized AgateMetrics bindTo(AgateHost host) {
        Objects.requireNonNull(host, "host");
        if (closed) {
            throw new IllegalStateException("these metrics are closed");
        }
        if (this.host != null) {
            throw new IllegalStateException("these metrics are bound to host '" + this.host.serviceName() + "' already: one AgateMetrics per host");
        }
        this.host = host;
        modes.readFrom(host::status);
        gauges = new StoreGauges(registry, host, storeRefresh);
        return this;
    }

    /** Counts the event; called by the host, on the thread where it happened. */
    @Override
    public void onEvent(MessageEvent event) {
        events.onEvent(event);
    }

    /** Times the store call; called by the host, on the thread that made it. */
    @Override
    public void onStoreOperation(String operation, int envelopes, long nanos, boolean succeeded) {
        events.onStoreOperation(operation, envelopes, nanos, succeeded);
    }

    /**
     * Stops reading the store and removes the gauges from the registry (they hold the host); the counters and
     * timers stay, and go on counting while the host reports events. Idempotent.
     */
    @Override
    public synchronized void close() {
        closed = true;
        if (gauges != null) {
            gauges.close();
            gauges = null;
        }
    }
}
