package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.HostStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The actuator endpoint {@code agate} ({@code /actuator/agate} once exposed with
 * {@code management.endpoints.web.exposure.include=agate}): read only, what an operator looks at first. The
 * host (service, node, running, why it stopped), each endpoint with its mode and whether its sender is
 * latched, each listener and whether it receives, and, read from the store, what waits per endpoint with the
 * age of the oldest, the nodes and the leader, and the dead letters by message type and exception.
 * Reading the store costs a few indexed queries: this is for people and dashboards, not for a probe that runs
 * every second (the health endpoint is).
 */
@Endpoint(id = "agate")
public class AgateEndpoint {
    private final AgateHost host;

    public AgateEndpoint(AgateHost host) {
        this.host = host;
    }

    @ReadOperation
    public Map<String, Object> status() {
        HostStatus status = host.status();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("service", host.serviceName());
        view.put("running", status.running());
        view.put("healthy", status.healthy());
        view.put("nodeId", status.nodeId());
        view.put("store", status.store());
        view.put("storeError", status.storeError());
        view.put("failure", status.failure());
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (HostStatus.EndpointStatus endpoint : status.endpoints()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("uri", endpoint.uri().toString());
            e.put("mode", endpoint.mode().name().toLowerCase(Locale.ROOT));
            e.put("latched", endpoint.latched());
            e.put("waitingInStore", endpoint.waitingInStore());
            e.put("overflowed", endpoint.overflowed());
            endpoints.add(e);
        }
        view.put("endpoints", endpoints);
        List<Map<String, Object>> listeners = new ArrayList<>();
        for (HostStatus.ListenerStatus listener : status.listeners()) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("uri", listener.uri().toString());
            l.put("queue", listener.queue());
            l.put("receiving", listener.receiving());
            l.put("problem", listener.problem());
            listeners.add(l);
        }
        view.put("listeners", listeners);
        return view;
    }
}
