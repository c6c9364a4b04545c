package dev.agate.spring;

import dev.agate.AgateHost;
import dev.agate.DeliveryOptions;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.MessageContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.testing.InMemoryMessageStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.MDC;

/**
 * While a handler runs, the SLF4J MDC says which message it handles (agate.messageId, agate.messageType,
 * agate.correlationId), on buffered and durable (batched) queues alike; an inline invoke from a handler
 * shows the inner message and then the outer one again; nothing is left behind for the next message.
 * A test of agate-core's runtime that lives here because this module's tests log through Logback, whose
 * MDC is real (slf4j-simple's, which the core tests use, keeps nothing).
 */
class LogContextTest {
    record Outer(int n) {
    }

    record Inner(int n) {
    }

    /** What the MDC held at each step, as "step id type correlation". */
    static final class Recorder {
        final List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
        volatile MessageBus bus;

        @Handler
        void on(Outer outer, MessageContext context) {
            seen.add(snapshot("outer-before", context.envelope().id()));
            if (outer.n() == 1) {
                bus.invoke(new Inner(outer.n()));
            }
            seen.add(snapshot("outer-after", context.envelope().id()));
        }

        @Handler
        void on(Inner inner, MessageContext context) {
            seen.add(snapshot("inner", context.envelope().id()));
        }

        private static Map<String, String> snapshot(String step, UUID id) {
            Map<String, String> copy = new java.util.TreeMap<>();
            Map<String, String> mdc = MDC.getCopyOfContextMap();
            if (mdc != null) {
                copy.putAll(mdc);
            }
            copy.put("step", step);
            copy.put("envelope", id.toString());
            return copy;
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theMdcNamesTheMessageWhileItsHandlerRunsAndIsClearedAfter(boolean durable) {
        Recorder recorder = new Recorder();
        AgateHost.Builder builder = AgateHost.builder().handlers(recorder);
        if (durable) {
            builder.store(new InMemoryMessageStore()).durableLocalQueues();
        }
        try (AgateHost host = builder.start()) {
            recorder.bus = host.bus();
            host.bus().send(new Outer(1), DeliveryOptions.builder().correlationId("order-42").build());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.seen).hasSize(3));
            host.bus().send(new Outer(2));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.seen).hasSize(5));
        }
        List<Map<String, String>> seen = recorder.seen;
        Map<String, String> before = seen.get(0);
        assertThat(before).containsEntry("step", "outer-before").containsEntry("agate.messageType", "Outer")
                .containsEntry("agate.correlationId", "order-42").containsEntry("agate.messageId", before.get("envelope"));
        Map<String, String> inner = seen.get(1);
        assertThat(inner).containsEntry("step", "inner").containsEntry("agate.messageType", "Inner")
                .containsEntry("agate.messageId", inner.get("envelope"));
        assertThat(seen.get(2)).as("the outer message's keys again after the inline invoke").containsEntry("step", "outer-after")
                .containsEntry("agate.messageId", before.get("envelope")).containsEntry("agate.messageType", "Outer")
                .containsEntry("agate.correlationId", "order-42");
        assertThat(seen.get(3)).as("the next message: its own keys, nothing left from the first (its correlation id is its own id)")
                .containsEntry("agate.messageType", "Outer").containsEntry("agate.messageId", seen.get(3).get("envelope"))
                .containsEntry("agate.correlationId", seen.get(3).get("envelope"));
    }

    @Test
    void theTraceIdOfTheEnvelopesTraceparentIsInTheMdcWithOrWithoutATracer() {
        Recorder recorder = new Recorder();
        try (AgateHost host = AgateHost.builder().handlers(recorder).start()) {
            recorder.bus = host.bus();
            host.bus().send(new Outer(2), DeliveryOptions.builder()
                    .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build());
            host.bus().send(new Outer(3));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.seen).hasSize(4));
        }
        assertThat(recorder.seen.stream().filter(m -> m.get("agate.traceId") != null).map(m -> m.get("agate.traceId")))
                .containsExactly("0af7651916cd43dd8448eb211c80319c", "0af7651916cd43dd8448eb211c80319c");
        assertThat(MDC.get("agate.traceId")).isNull();
    }

    @Test
    void aThreadThatHandledNothingHasNoAgateKeys() {
        assertThat(MDC.get("agate.messageId")).isNull();
    }
}
