package dev.agate.spring.boot;

import dev.agate.AgateHost;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The "agate" health indicator ({@link AgateHealthIndicator}), when the actuator is on the class path and
 * there is a host; {@code management.health.agate.enabled=false} turns it off. A configuration of its own,
 * after {@link AgateAutoConfiguration}, so that it sees the host that one made.
 */
@AutoConfiguration(after = AgateAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(AgateHost.class)
@ConditionalOnEnabledHealthIndicator("agate")
public class AgateHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "agateHealthIndicator")
    public AgateHealthIndicator agateHealthIndicator(AgateHost host) {
        return new AgateHealthIndicator(host);
    }
}
