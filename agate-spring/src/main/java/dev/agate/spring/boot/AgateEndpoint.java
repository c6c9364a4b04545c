package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.HostStatus;
import dev.agate.StoreStatus;
import dev.agate.spi.NodeRegistry;
import java.time.Duration;
import java.time.Instant;
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
        if (status.store() != null && status.running()) {
            try {
                view.put("stored", stored(host.storeStatus(), Instant.now()));
            } catch (RuntimeException e) { // the store is down, or cannot tell: the rest still helps
                view.put("storedError", e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        return view;
    }

    private static Map<String, Object> stored(StoreStatus stored, Instant now) {
        Map<String, Object> view = new LinkedHashMap<>();
        List<Map<String, Object>> pending = new ArrayList<>();
        for (StoreStatus.Pending p : stored.pending()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", p.kind().name().toLowerCase(Locale.ROOT));
            row.put("endpoint", p.endpoint() == null ? null : p.endpoint().toString());
            row.put("count", p.count());
            row.put("oldest", p.oldest() == null ? null : p.oldest().toString());
            // How long the oldest has waited; for scheduled envelopes, how long until the next is due (negative).
            row.put("oldestAgeSeconds", p.oldest() == null ? null : Duration.between(p.oldest(), now).toSeconds());
            pending.add(row);
        }
        view.put("pending", pending);
        view.put("leaderNodeId", stored.leaderId());
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (NodeRegistry.Node node : stored.nodes()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", node.id());
            row.put("service", node.serviceName());
            row.put("description", node.description());
            row.put("startedAt", node.startedAt() == null ? null : node.startedAt().toString());
            row.put("heartbeatAt", node.heartbeatAt() == null ? null : node.heartbeatAt().toString());
            row.put("leader", node.id() == stored.leaderId());
            nodes.add(row);
        }
        view.put("nodes", nodes);
        view.put("deadLetterCount", stored.deadLetterCount());
        List<Map<String, Object>> deadLetters = new ArrayList<>();
        for (StoreStatus.DeadLetterCount count : stored.deadLetters()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("messageType", count.messageType());
            row.put("exceptionType", count.exceptionType());
            row.put("endpoint", count.endpoint() == null ? null : count.endpoint().toString());
            row.put("count", count.count());
            deadLetters.add(row);
        }
        view.put("deadLetters", deadLetters);
        return view;
    }
}
