package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.HostStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The host's health for the actuator, from {@link AgateHost#status()}: UP while the host runs and its
 * store answered its last call; DOWN when it is not running, or while its store fails (then durable work
 * waits and is retried). Details: service, running, node id, store, the store's last error, and each
 * endpoint with its mode. Cheap: it never calls the store itself.
 */
public final class AgateHealthIndicator implements HealthIndicator {
    private final AgateHost host;

    public AgateHealthIndicator(AgateHost host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    @Override
    public Health health() {
        HostStatus status = host.status();
        Health.Builder health = status.healthy() ? Health.up() : Health.down();
        health.withDetail("service", host.serviceName()).withDetail("running", status.running()).withDetail("nodeId", status.nodeId());
        if (status.store() != null) {
            health.withDetail("store", status.store());
        }
        if (status.storeError() != null) {
            health.withDetail("storeError", status.storeError());
        }
        Map<String, String> endpoints = new LinkedHashMap<>();
        status.endpoints().forEach(endpoint -> endpoints.put(endpoint.uri().toString(), endpoint.mode().name().toLowerCase(java.util.Locale.ROOT)));
        return health.withDetail("endpoints", endpoints).build();
    }
}
