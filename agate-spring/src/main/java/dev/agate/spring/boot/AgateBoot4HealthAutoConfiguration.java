package dev.agate.spring.boot;

import dev.agate.AgateHost;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The "agate" health indicator on Spring Boot 4 ({@link AgateBoot4HealthIndicator}), when its health
 * support is on the class path and there is a host; {@code management.health.agate.enabled=false} turns it
 * off. {@link AgateHealthAutoConfiguration} is the same for Spring Boot 3: on each line, the other's
 * classes are absent and its auto-configuration is skipped before it is read.
 */
@AutoConfiguration(after = AgateAutoConfiguration.class)
@ConditionalOnClass(name = {"org.springframework.boot.health.contributor.HealthIndicator",
        "org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator"})
@ConditionalOnBean(AgateHost.class)
@ConditionalOnEnabledHealthIndicator("agate")
public class AgateBoot4HealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "agateHealthIndicator")
    public AgateBoot4HealthIndicator agateHealthIndicator(AgateHost host) {
        return new AgateBoot4HealthIndicator(host);
    }
}
