package dev.agate.regression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.MessageType;
import dev.agate.testing.InMemoryMessageStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Found by the review of the runtime's split into packages: a stored dead letter replayed on a host that
 * was built but not started must wait in the inbox for a started node, not be claimed and handled by a
 * host that has no node id and is not running.
 */
class RuntimeSplitRegressionTest {
    @MessageType("SplitPing")
    public record Ping(int n) {
    }

    public static final class Handlers {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Handler
        void ping(Ping ping) {
            seen.add(ping.n() + " on " + Thread.currentThread().getName());
        }
    }

    @Test
    void aStoredDeadLetterReplayedBeforeStartIsHandledOnceTheHostStartsAndNotBefore() throws Exception {
        InMemoryMessageStore store = new InMemoryMessageStore();
        store.start();
        Handlers handlers = new Handlers();
        AgateHost host = AgateHost.builder().serviceName("split").handlers(handlers).store(store).durableLocalQueues().build();
        URI queue = URI.create("local://SplitPing");
        Envelope envelope = Envelope.builder().id(UUID.randomUUID()).messageType("SplitPing").contentType("application/json")
                .destination(queue).source("split").sentAt(Instant.now()).body("{\"n\":7}".getBytes(StandardCharsets.UTF_8)).build();
        store.deadLetters().moveFromInbox(new DeadLetter(envelope, queue, "failed", null, null, null, 1, Instant.now()), null, Instant.now().plusSeconds(60));

        assertThat(host.deadLetters().replayAll()).isEqualTo(1);

        // Nothing may handle it while the host is not running: it waits, unowned, in the inbox.
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).until(() -> handlers.seen.isEmpty());
        assertThat(store.admin().counts().incoming()).isEqualTo(1);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("agate-local-SplitPing"));

        host.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> handlers.seen.size() == 1);
            System.out.println("replayed before start, handled after it: " + handlers.seen + "; node " + host.nodeId());
            assertThat(host.nodeId()).isPositive();
        } finally {
            host.close();
        }
        assertThat(handlers.seen).hasSize(1);
    }
}
