package dev.agate.spring.boot;

import dev.agate.AgateHost;
import dev.agate.micrometer.AgateMetrics;
import dev.agate.micrometer.AgateTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Agate's metrics and traces (dev.agate:agate-micrometer) from the application's Micrometer beans, when that
 * module is on the class path: traces when Micrometer Tracing's {@link Tracer} and {@link Propagator} beans
 * exist (Spring Boot makes them for an OpenTelemetry or Brave bridge), through the application's
 * {@link ObservationRegistry}; meters ({@link AgateMetrics}, listed in docs/metrics.md) in the application's
 * {@link MeterRegistry}. {@code agate.observability.tracing=false} and {@code agate.observability.metrics=false}
 * turn either off. The beans are looked up when the host is built, so this needs no ordering against the
 * observability auto-configurations.
 */
@AutoConfiguration
@ConditionalOnClass({AgateHost.class, AgateTracing.class, ObservationRegistry.class})
public class AgateObservabilityAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgateObservabilityAutoConfiguration.class);

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {

        @Bean
        AgateMetricsBinding agateMetricsBinding(AgateProperties properties, ObjectProvider<MeterRegistry> registry,
                                                ObjectProvider<AgateHost> host) {
            return new AgateMetricsBinding(properties, registry, host);
        }
    }

    /**
     * Registers the meters' observer when the host is built, binds the gauges to the host once every bean exists
     * (before the host starts, so the first events are tagged with their endpoints' modes), and stops the gauges'
     * store reads after the host closed (the host depends on this customizer, so it is destroyed first).
     */
    static final class AgateMetricsBinding implements AgateHostCustomizer, SmartInitializingSingleton, DisposableBean {
        private final AgateProperties properties;
        private final ObjectProvider<MeterRegistry> registry;
        private final ObjectProvider<AgateHost> host;
        private volatile AgateMetrics metrics;

        AgateMetricsBinding(AgateProperties properties, ObjectProvider<MeterRegistry> registry, ObjectProvider<AgateHost> host) {
            this.properties = properties;
            this.registry = registry;
            this.host = host;
        }

        @Override
        public void customize(AgateHost.Builder builder) {
            MeterRegistry meters = properties.getObservability().isMetrics() ? registry.getIfUnique() : null;
            if (meters == null) {
                log.debug("Agate registers no meters: metrics are off, or there is no unique MeterRegistry");
                return;
            }
            metrics = AgateMetrics.of(meters);
            builder.observer(metrics);
        }

        @Override
        public void afterSingletonsInstantiated() {
            AgateHost built = host.getIfUnique();
            if (metrics != null && built != null) {
                metrics.bindTo(built);
            }
        }

        @Override
        public void destroy() {
            if (metrics != null) {
                metrics.close();
            }
        }
    }

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
