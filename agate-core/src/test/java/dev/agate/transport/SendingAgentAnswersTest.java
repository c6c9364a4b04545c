package dev.agate.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.DeliveryOptions;
import dev.agate.Envelope;
import dev.agate.Sender;
import dev.agate.spi.BatchReceiver;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.Transport;
import dev.agate.spi.TransportListener;
import dev.agate.spi.TransportSender;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What a sending agent does with each answer a receiver can give, with a scripted transport standing in
 * for the network (the TCP module tests the real one): the agent's own decisions are under test here.
 */
class SendingAgentAnswersTest {
    record Ping(int n) {
    }

    /** Answers each batch with what the script says, and records what it acknowledged. */
    static final class ScriptedTransport implements Transport {
        final List<Integer> received = new CopyOnWriteArrayList<>();
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final Function<List<Envelope>, ReceiveAnswer> script;

        ScriptedTransport(Function<List<Envelope>, ReceiveAnswer> script) {
            this.script = script;
        }

        @Override
        public String scheme() {
            return "scripted";
        }

        @Override
        public void checkUri(URI uri) {
        }

        @Override
        public TransportListener listen(URI uri, BatchReceiver receiver) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TransportSender sender(URI destination) {
            return new TransportSender() {
                @Override
                public URI destination() {
                    return destination;
                }

                @Override
                public CompletionStage<ReceiveAnswer> send(List<Envelope> batch) {
                    batchSizes.add(batch.size());
                    ReceiveAnswer answer = script.apply(batch);
                    if (answer.status() == ReceiveAnswer.Status.RECEIVED) {
                        batch.forEach(e -> received.add(number(e)));
                    }
                    return CompletableFuture.completedFuture(answer);
                }

                @Override
                public CompletionStage<Void> ping() {
                    return CompletableFuture.completedFuture(null);
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void close() {
        }
    }

    static int number(Envelope envelope) {
        String json = new String(envelope.body(), java.nio.charset.StandardCharsets.UTF_8);
        return Integer.parseInt(json.replaceAll("\\D", ""));
    }

    private static AgateHost host(ScriptedTransport transport) {
        return AgateHost.builder().transport(transport).route(Ping.class, "scripted://peer")
                .sender(Sender.to("scripted://peer").batchSize(10).maximumBatchAge(Duration.ofMillis(50)).build()).start();
    }

    @Test
    void anEnvelopeTheReceiverCannotDeserializeIsFoundAloneAndDeadLetteredWhileTheRestOfItsBatchGoesThrough() {
        ScriptedTransport transport = new ScriptedTransport(batch -> batch.stream().anyMatch(e -> number(e) == 7)
                ? ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_DESERIALIZE, "no such type") : ReceiveAnswer.RECEIVED);
        try (AgateHost host = host(transport)) {
            for (int i = 0; i < 10; i++) {
                host.bus().send(new Ping(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> transport.received.size() == 9);
            List<DeadLetter> letters = host.deadLetters().list();
            assertThat(letters).hasSize(1);
            assertThat(number(letters.get(0).envelope())).isEqualTo(7);
            assertThat(letters.get(0).reason()).contains("cannot deserialize it").contains("no such type");
            assertThat(transport.received).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 8, 9);
        }
    }

    @Test
    void aFullReceiverIsAskedAgainUntilItHasRoomAndNothingIsDropped() {
        int[] calls = new int[1];
        ScriptedTransport transport = new ScriptedTransport(batch -> ++calls[0] % 3 != 0
                ? ReceiveAnswer.of(ReceiveAnswer.Status.QUEUE_FULL, "full") : ReceiveAnswer.RECEIVED);
        try (AgateHost host = host(transport)) {
            for (int i = 0; i < 30; i++) {
                host.bus().send(new Ping(i));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> transport.received.size() == 30);
            assertThat(transport.received).doesNotHaveDuplicates();
            assertThat(host.status().endpoints()).noneMatch(dev.agate.HostStatus.EndpointStatus::latched);
        }
    }

    @Test
    void anEnvelopeThatExpiredBeforeItCouldBeSentIsDiscardedNotSent() {
        ScriptedTransport transport = new ScriptedTransport(batch -> ReceiveAnswer.RECEIVED);
        try (AgateHost host = host(transport)) {
            host.bus().send(new Ping(1), DeliveryOptions.builder().deliverBy(java.time.Instant.now().minusSeconds(1)).build());
            host.bus().send(new Ping(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> transport.received.contains(2));
            assertThat(transport.received).containsExactly(2);
        }
    }

    @Test
    void aBatchTooLargeForTheTransportIsSentInParts() {
        ScriptedTransport transport = new ScriptedTransport(batch -> {
            if (batch.size() > 3) {
                throw new IllegalArgumentException("the batch is larger than the maximum frame");
            }
            return ReceiveAnswer.RECEIVED;
        });
        try (AgateHost host = host(transport)) {
            for (int i = 0; i < 10; i++) {
                host.bus().send(new Ping(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> transport.received.size() == 10);
            assertThat(transport.received).doesNotHaveDuplicates();
        }
    }

    /** How many batches the agent sends in two seconds to a receiver that keeps refusing (found by review: tens of thousands). */
    private static int attemptsInTwoSeconds(ScriptedTransport transport) throws InterruptedException {
        try (AgateHost host = AgateHost.builder().transport(transport).route(Ping.class, "scripted://peer")
                .shutdownTimeout(Duration.ofMillis(200))
                .sender(Sender.to("scripted://peer").batchSize(10).maximumBatchAge(Duration.ofMillis(50)).build()).start()) {
            for (int i = 0; i < 10; i++) {
                host.bus().send(new Ping(i));
            }
            Thread.sleep(2_000);
            return transport.batchSizes.size();
        }
    }

    @Test
    void splittingABatchAroundAnEnvelopeTheReceiverRefusesWhileItsStoreIsDownIsPacedNotABusyLoop() throws Exception {
        ScriptedTransport transport = new ScriptedTransport(batch -> batch.stream().anyMatch(e -> number(e) == 7)
                ? ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_DESERIALIZE, "no such type")
                : ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_PROCESS, "the message store is unavailable"));
        assertThat(attemptsInTwoSeconds(transport)).isLessThan(100);
    }

    @Test
    void splittingATooLargeBatchForAFullReceiverIsPacedNotABusyLoop() throws Exception {
        ScriptedTransport transport = new ScriptedTransport(batch -> {
            if (batch.size() > 3) {
                throw new IllegalArgumentException("the batch is larger than the maximum frame");
            }
            return ReceiveAnswer.of(ReceiveAnswer.Status.QUEUE_FULL, "full");
        });
        assertThat(attemptsInTwoSeconds(transport)).isLessThan(100);
    }

    @Test
    void aSenderOpenedOnDemandThatStayedIdleIsClosedWhenAnotherDestinationNeedsOneAndReopensWhenNeeded() throws Exception {
        ScriptedTransport transport = new ScriptedTransport(batch -> ReceiveAnswer.RECEIVED);
        try (AgateHost host = AgateHost.builder().transport(transport).idleSenderTimeout(Duration.ofMillis(200)).start()) {
            host.bus().sendTo("scripted://first", new Ping(1));
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.received.contains(1));
            Thread.sleep(400); // idle for longer than the timeout
            host.bus().sendTo("scripted://second", new Ping(2));
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.received.contains(2));
            assertThat(host.status().endpoints()).extracting(e -> e.uri().toString()).containsExactly("scripted://second");
            host.bus().sendTo("scripted://first", new Ping(3));
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.received.contains(3));
        }
    }
}
