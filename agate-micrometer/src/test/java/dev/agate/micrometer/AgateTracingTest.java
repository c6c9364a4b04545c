package dev.agate.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.spi.MessageTracer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** AgateTracing's pieces, and a host whose tracer fails, which must handle its messages all the same. */
class AgateTracingTest {
    static final String WOLVERINE_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    record Ping(int n) {
    }

    static final class Pings {
        final List<Integer> seen = new CopyOnWriteArrayList<>();

        @Handler
        void on(Ping ping) {
            if (ping.n() < 0) {
                throw new IllegalArgumentException("negative");
            }
            seen.add(ping.n());
        }
    }

    @Test
    void theCurrentSpanIsWrittenIntoANewEnvelopeAndNothingWithoutOne() {
        try (InMemoryTracing tracing = new InMemoryTracing()) {
            Map<String, String> outside = new HashMap<>();
            tracing.agate().inject(outside::put);
            assertThat(outside).isEmpty();

            Map<String, String> inside = new HashMap<>();
            String[] root = tracing.inRootSpan("request", () -> tracing.agate().inject(inside::put));
            assertThat(inside).containsEntry("traceparent", "00-" + root[0] + "-" + root[1] + "-01");
        }
    }

    @Test
    void aWolverineParentIdContinuesItsTraceWhenThereIsNoTraceparent() {
        try (InMemoryTracing tracing = new InMemoryTracing()) {
            Envelope fromWolverine = Envelope.builder().id(UUID.randomUUID()).messageType("OrderPlaced").body(new byte[] {0x7b, 0x7d})
                    .header(MessageTracer.WOLVERINE_PARENT_ID, WOLVERINE_PARENT).build();
            MessageTracer.Span span = tracing.agate().process(fromWolverine, URI.create("rabbitmq://queue/orders"));
            span.end();
            SpanData process = tracing.named("process orders");
            assertThat(process.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
            assertThat(process.getParentSpanId()).isEqualTo("b7ad6b7169203331");
            assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        }
    }

    @Test
    void destinationsAreNamedAsTheirSpansShowThem() {
        assertThat(AgateTracing.destinationName(URI.create("local://orders"))).isEqualTo("orders");
        assertThat(AgateTracing.destinationName(URI.create("rabbitmq://queue/orders"))).isEqualTo("orders");
        assertThat(AgateTracing.destinationName(URI.create("rabbitmq://exchange/events"))).isEqualTo("events");
        assertThat(AgateTracing.destinationName(URI.create("tcp://10.0.0.5:2201"))).isEqualTo("10.0.0.5:2201");
        assertThat(AgateTracing.destinationName(null)).isEqualTo("invoke");
    }

    @Test
    void aFailedAttemptIsAnErrorSpanAndAnInvokeIsTracedToo() {
        try (InMemoryTracing tracing = new InMemoryTracing()) {
            Pings pings = new Pings();
            try (AgateHost host = AgateHost.builder().handlers(pings).tracer(tracing.agate()).start()) {
                String[] root = tracing.inRootSpan("job", () -> host.bus().invoke(new Ping(1)));
                assertThat(tracing.named("process invoke").getParentSpanId()).isEqualTo(root[1]);
                host.bus().send(new Ping(-1));
                await().atMost(Duration.ofSeconds(10)).until(() -> tracing.spans().stream()
                        .anyMatch(s -> s.getName().startsWith("process ") && s.getStatus().getStatusCode() == StatusCode.ERROR));
            }
        }
    }

    @Test
    void aTracerThatThrowsChangesNothingForTheMessages() {
        MessageTracer broken = new MessageTracer() {
            @Override
            public void inject(BiConsumer<String, String> headers) {
                throw new IllegalStateException("broken inject");
            }

            @Override
            public Span process(Envelope envelope, URI endpoint) {
                return new Span() {
                    @Override
                    public void failed(Throwable failure) {
                        throw new IllegalStateException("broken failed");
                    }

                    @Override
                    public void end() {
                        throw new IllegalStateException("broken end");
                    }
                };
            }

            @Override
            public Span send(Envelope envelope, URI destination) {
                throw new IllegalStateException("broken send");
            }
        };
        Pings pings = new Pings();
        try (AgateHost host = AgateHost.builder().handlers(pings).tracer(broken).start()) {
            for (int i = 0; i < 20; i++) {
                host.bus().send(new Ping(i));
            }
            host.bus().invoke(new Ping(100));
            await().atMost(Duration.ofSeconds(10)).until(() -> pings.seen.size() == 21);
            assertThat(pings.seen).doesNotHaveDuplicates();
        }
    }
}
