package dev.agate.benchmarks;

import dev.agate.AgateHost;
import dev.agate.micrometer.AgateMetrics;
import dev.agate.micrometer.AgateTracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code benchmarks/run --observe} ({@code -Dagate.bench.observe=true}, passed down to each scenario's JVM):
 * the Agate hosts of {@code buffered-local}, {@code invoke} and {@code outbox-local} run with metrics and traces
 * on, as an application with Micrometer and Micrometer Tracing on OpenTelemetry has them: every meter of
 * {@link AgateMetrics} in a {@link SimpleMeterRegistry} (its store gauges bound to the host), and every envelope
 * handled or relayed an observation and a span, every span sampled and ended into the SDK (exported to nothing,
 * so the figure is Agate's cost, not an exporter's). The producers send outside any span, so no trace context
 * is stored.
 */
final class Observed {
    /** true (both), metrics or tracing: which of the two, to tell their costs apart. */
    private static final String WHAT = System.getProperty("agate.bench.observe", "false");
    static final boolean ON = !WHAT.equals("false");
    private static final boolean METRICS_ON = WHAT.equals("true") || WHAT.equals("metrics");
    private static final boolean TRACING_ON = WHAT.equals("true") || WHAT.equals("tracing");
    /** The share of traces sampled: 1 by default (the worst case); Spring Boot's default is 0.1. */
    private static final double SAMPLED = Double.parseDouble(System.getProperty("agate.bench.observe.sampled", "1"));

    private static AgateTracing tracing;
    private static final Map<AgateHost.Builder, AgateMetrics> METRICS = new IdentityHashMap<>();

    private Observed() {
    }

    /** {@code builder}, with metrics and tracing when {@link #ON}; {@link #start} starts it. */
    static synchronized AgateHost.Builder apply(AgateHost.Builder builder) {
        if (METRICS_ON) {
            AgateMetrics metrics = AgateMetrics.of(new SimpleMeterRegistry());
            METRICS.put(builder, metrics);
            builder.observer(metrics);
        }
        if (TRACING_ON) {
            builder.tracer(tracing());
        }
        return builder;
    }

    /** Starts a host from {@code builder}, its gauges bound to it when {@link #ON}. */
    static synchronized AgateHost start(AgateHost.Builder builder) {
        AgateMetrics metrics = METRICS.remove(builder);
        if (metrics == null) {
            return builder.start();
        }
        AgateHost host = builder.build();
        metrics.bindTo(host);
        return host.start();
    }

    private static synchronized AgateTracing tracing() {
        if (tracing == null) {
            SdkTracerProvider provider = SdkTracerProvider.builder()
                    .setSampler(SAMPLED >= 1 ? Sampler.alwaysOn() : Sampler.traceIdRatioBased(SAMPLED))
                    .addSpanProcessor(SimpleSpanProcessor.create(new Nowhere())).build();
            io.opentelemetry.api.trace.Tracer otel = provider.get("agate-benchmarks");
            OtelCurrentTraceContext current = new OtelCurrentTraceContext();
            Tracer tracer = new OtelTracer(otel, current, event -> { }, new OtelBaggageManager(current, List.of(), List.of()));
            OtelPropagator propagator = new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
            ObservationRegistry observations = ObservationRegistry.create();
            observations.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                    new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                    new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                    new DefaultTracingObservationHandler(tracer)));
            tracing = AgateTracing.of(observations, tracer, propagator);
        }
        return tracing;
    }

    /** An exporter that drops every span. */
    private static final class Nowhere implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
