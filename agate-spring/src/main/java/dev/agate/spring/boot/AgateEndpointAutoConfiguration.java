package dev.agate.spring.boot;

import dev.agate.AgateHost;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The actuator endpoint {@code agate} ({@link AgateEndpoint}), when the actuator is on the class path, there
 * is a host, and the endpoint is available (exposed over some technology and not disabled with
 * {@code management.endpoint.agate.enabled=false} / {@code access=none}).
 */
@AutoConfiguration(after = AgateAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(AgateHost.class)
@ConditionalOnAvailableEndpoint(endpoint = AgateEndpoint.class)
public class AgateEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public AgateEndpoint agateEndpoint(AgateHost host) {
        return new AgateEndpoint(host);
    }
}
