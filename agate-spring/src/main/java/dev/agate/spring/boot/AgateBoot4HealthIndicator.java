package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.HostStatus;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The host's health on Spring Boot 4, whose health API moved to {@code spring-boot-health}: the same
 * status and details as {@link AgateHealthIndicator} on Spring Boot 3 (UP while the host runs and its
 * store answered its last call; DOWN otherwise). Cheap: it never calls the store itself.
 */
public final class AgateBoot4HealthIndicator implements HealthIndicator {
    private final AgateHost host;

    public AgateBoot4HealthIndicator(AgateHost host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    @Override
    public Health health() {
        HostStatus status = host.status();
        return (status.healthy() ? Health.up() : Health.down()).withDetails(AgateHealthDetails.of(host, status)).build();
    }
}
