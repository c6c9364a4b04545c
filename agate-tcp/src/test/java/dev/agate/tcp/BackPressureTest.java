package dev.agate.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.spi.ReceiveAnswer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BackPressureTest {
    private final TcpTransport transport = new TcpTransport();
    private final RecordingReceiver receiver = new RecordingReceiver();

    @AfterEach
    void close() {
        transport.close();
    }

    @Test
    void readsNoNextBatchWhileTheAnswerIsPending() throws Exception {
        Queue<CompletableFuture<ReceiveAnswer>> pending = new ConcurrentLinkedQueue<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        receiver.answer = batch -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<ReceiveAnswer> answer = new CompletableFuture<>();
            pending.add(answer);
            return answer.whenComplete((a, e) -> inFlight.decrementAndGet());
        };
        URI address = transport.listen(URI.create("tcp://127.0.0.1:0"), receiver).address();
        int batches = 20;
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int id = 1; id <= batches; id++) {
            all.write(RawPeer.batchOf(id, Envelopes.batch(20)));
        }

        try (RawPeer peer = new RawPeer(address).handshake()) {
            peer.write(all.toByteArray());
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> receiver.calls() == 1);

            for (int id = 1; id <= batches; id++) {
                int expectedCalls = id;
                await().pollInterval(Duration.ofMillis(5)).until(() -> receiver.calls() == expectedCalls && pending.size() == 1);
                pending.poll().complete(ReceiveAnswer.RECEIVED);
                assertThat(peer.readAnswer().id()).isEqualTo(id);
            }
        }
        assertThat(receiver.calls()).isEqualTo(batches);
        assertThat(maxInFlight.get()).isEqualTo(1);
    }
}
