package dev.agate.micrometer;

import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
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
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.Objects;

/**
 * Micrometer Tracing on the OpenTelemetry SDK, wired as Spring Boot wires it (the propagating sender and
 * receiver handlers, then the default one), exporting every span to memory.
 */
public final class InMemoryTracing implements AutoCloseable {
    public final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    public final SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    public final Tracer tracer;
    public final OtelPropagator propagator;
    public final ObservationRegistry observations = ObservationRegistry.create();

    public InMemoryTracing() {
        io.opentelemetry.api.trace.Tracer otel = provider.get("agate-test");
        OtelCurrentTraceContext current = new OtelCurrentTraceContext();
        tracer = new OtelTracer(otel, current, event -> { }, new OtelBaggageManager(current, List.of(), List.of()));
        propagator = new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
        observations.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                new DefaultTracingObservationHandler(tracer)));
    }

    public AgateTracing agate() {
        return AgateTracing.of(observations, tracer, propagator);
    }

    /** Runs {@code work} in a new root span named {@code name}; returns that span's trace id and span id. */
    public String[] inRootSpan(String name, Runnable work) {
        Span root = tracer.nextSpan().name(name).start();
        try (Tracer.SpanInScope scope = tracer.withSpan(root)) {
            work.run();
        } finally {
            root.end();
        }
        return new String[] {root.context().traceId(), root.context().spanId()};
    }

    public List<SpanData> spans() {
        return exporter.getFinishedSpanItems();
    }

    public SpanData named(String name) {
        return spans().stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span named '" + name + "' in " + names()));
    }

    public List<String> names() {
        return spans().stream().map(s -> s.getName() + "(" + s.getKind() + ")").toList();
    }

    public static SpanData with(List<SpanData> spans, String name) {
        return spans.stream().filter(s -> Objects.equals(s.getName(), name)).findFirst().orElseThrow(
                () -> new AssertionError("no span named '" + name + "' in " + spans.stream().map(SpanData::getName).toList()));
    }

    @Override
    public void close() {
        provider.close();
    }
}
