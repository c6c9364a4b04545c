package snippets.metrics;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.StoreStatus;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.micrometer.AgateMetrics;
import io.micrometer.core.instrument.MeterRegistry;

// The host of docs/metrics.md. It names a database that exists only in the docs, so it is compiled, not run.

record PlaceOrder(long id) {}

class OrderHandler {
    @Handler
    void on(PlaceOrder order) {
    }
}

final class Metrics {
    /** docs/metrics.md, "In plain Java". */
    AgateHost orders(MeterRegistry meterRegistry) {
        AgateMetrics metrics = AgateMetrics.of(meterRegistry);     // your registry: Prometheus, OTLP, JMX...

        AgateHost host = AgateHost.builder()
                .serviceName("orders")
                .store(JdbcMessageStore.builder("jdbc:postgresql://db/orders").build())
                .handlers(new OrderHandler())
                .observer(metrics)                                  // counters and timers, from the first event
                .build();
        metrics.bindTo(host);                                       // gauges, and each endpoint's mode
        host.start();
        return host;
    }

    /** docs/metrics.md, "What waits in the store". */
    void waiting(AgateHost host) {
        StoreStatus status = host.storeStatus();                   // reads the store: not in a hot loop
        for (StoreStatus.Pending pending : status.pending()) {
            System.out.println(pending.kind() + " " + pending.endpoint() + ": " + pending.count() + " since " + pending.oldest());
        }
    }
}
