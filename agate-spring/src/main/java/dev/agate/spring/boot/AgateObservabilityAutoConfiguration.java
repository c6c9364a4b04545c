package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.micrometer.AgateTracing;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Agate's metrics and traces (dev.agate:agate-micrometer) from the application's Micrometer beans, when that
 * module is on the class path: traces when Micrometer Tracing's {@link Tracer} and {@link Propagator} beans
 * exist (Spring Boot makes them for an OpenTelemetry or Brave bridge), through the application's
 * {@link ObservationRegistry}. {@code agate.observability.tracing=false} turns traces off. The beans are
 * looked up when the host is built, so this needs no ordering against the observability auto-configurations.
 */
@AutoConfiguration
@ConditionalOnClass({AgateHost.class, AgateTracing.class, ObservationRegistry.class})
public class AgateObservabilityAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgateObservabilityAutoConfiguration.class);

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({Tracer.class, Propagator.class})
    static class Tracing {

        @Bean
        AgateHostCustomizer agateTracingCustomizer(AgateProperties properties, ObjectProvider<ObservationRegistry> observations,
                                                   ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
            return builder -> {
                if (!properties.getObservability().isTracing()) {
                    return;
                }
                ObservationRegistry registry = observations.getIfUnique();
                Tracer current = tracer.getIfUnique();
                Propagator propagation = propagator.getIfUnique();
                if (registry == null || current == null || propagation == null || current == Tracer.NOOP) {
                    log.debug("Agate traces nothing: no unique ObservationRegistry, Tracer and Propagator beans");
                    return;
                }
                builder.tracer(AgateTracing.of(registry, current, propagation));
            };
        }
    }
}
