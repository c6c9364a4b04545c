package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.HostStatus;
import java.util.Objects;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The host's health for the actuator, from {@link AgateHost#status()}: UP while the host runs and its
 * store answered its last call; DOWN when it is not running, or while its store fails (then durable work
 * waits and is retried). Details: service, running, node id, store, the store's last error, and each
 * endpoint with its mode. Cheap: it never calls the store itself. Spring Boot 3; on Spring Boot 4 it is
 * {@link AgateBoot4HealthIndicator}.
 */
public final class AgateHealthIndicator implements HealthIndicator {
    private final AgateHost host;

    public AgateHealthIndicator(AgateHost host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    @Override
    public Health health() {
        HostStatus status = host.status();
        return (status.healthy() ? Health.up() : Health.down()).withDetails(AgateHealthDetails.of(host, status)).build();
    }
}
