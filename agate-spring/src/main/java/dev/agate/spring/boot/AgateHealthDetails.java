package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.HostStatus;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the "agate" health indicator shows, on either Spring Boot line: the same details from {@link AgateHost#status()}. */
final class AgateHealthDetails {
    private AgateHealthDetails() {
    }

    /**
     * Service, running, node id, store, the store's last error, each endpoint with its mode, each listener
     * with "receiving" or why it does not, and the durable
     * queues that are full with how many envelopes wait in the store for them (only when some do).
     */
    static Map<String, Object> of(AgateHost host, HostStatus status) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("service", host.serviceName());
        details.put("running", status.running());
        details.put("nodeId", status.nodeId());
        if (status.store() != null) {
            details.put("store", status.store());
        }
        if (status.failure() != null) {
            details.put("failure", status.failure());
        }
        if (status.storeError() != null) {
            details.put("storeError", status.storeError());
        }
        Map<String, String> endpoints = new LinkedHashMap<>();
        status.endpoints().forEach(endpoint -> endpoints.put(endpoint.uri().toString(), endpoint.mode().name().toLowerCase(Locale.ROOT)));
        details.put("endpoints", endpoints);
        Map<String, String> listeners = new LinkedHashMap<>();
        status.listeners().forEach(listener -> listeners.put(listener.uri().toString(),
                listener.receiving() ? "receiving" : listener.problem()));
        if (!listeners.isEmpty()) {
            details.put("listeners", listeners); // a broker away is reported here; the listener reconnects by itself
        }
        Map<String, Integer> waiting = new LinkedHashMap<>();
        status.endpoints().stream().filter(endpoint -> endpoint.waitingInStore() > 0)
                .forEach(endpoint -> waiting.put(endpoint.uri().toString(), endpoint.waitingInStore()));
        if (!waiting.isEmpty()) {
            details.put("waitingInStore", waiting); // full durable queues: their back-pressure, not a fault
        }
        return details;
    }
}
