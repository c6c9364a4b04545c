package dev.agate.tcp;

import static dev.agate.tcp.Envelopes.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateException;
import dev.agate.Envelope;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.Transport;
import dev.agate.spi.TransportListener;
import dev.agate.spi.TransportSender;
import dev.agate.tcp.internal.TcpListener;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TcpTransportTest {
    private static final URI ANY_PORT = URI.create("tcp://127.0.0.1:0");

    private TcpTransport transport = TcpTransport.builder().idleTimeout(Duration.ofSeconds(30)).build();
    private final RecordingReceiver receiver = new RecordingReceiver();

    @AfterEach
    void close() {
        transport.close();
    }

    @Test
    void deliversBatchFieldByField() throws Exception {
        TransportListener listener = transport.listen(ANY_PORT, receiver);
        List<Envelope> sent = batch(25);

        ReceiveAnswer answer = get(transport.sender(listener.address()).send(sent));

        assertThat(answer).isEqualTo(ReceiveAnswer.RECEIVED);
        assertThat(receiver.calls()).isEqualTo(1);
        Envelopes.assertSame(receiver.batches.get(0), sent);
    }

    @Test
    void carriesEveryAnswerBack() throws Exception {
        TransportSender sender = transport.sender(transport.listen(ANY_PORT, receiver).address());

        receiver.answer = b -> CompletableFuture.completedFuture(ReceiveAnswer.of(ReceiveAnswer.Status.QUEUE_FULL, "queue orders is full"));
        assertThat(get(sender.send(batch(2)))).isEqualTo(ReceiveAnswer.of(ReceiveAnswer.Status.QUEUE_FULL, "queue orders is full"));

        receiver.answer = b -> CompletableFuture.failedFuture(new IllegalStateException("database is down"));
        assertThat(get(sender.send(batch(2)))).isEqualTo(ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_PROCESS, "database is down"));

        receiver.answer = b -> {
            throw new IllegalStateException("receiver threw");
        };
        assertThat(get(sender.send(batch(2)))).isEqualTo(ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_PROCESS, "receiver threw"));

        receiver.answer = b -> CompletableFuture.supplyAsync(() -> ReceiveAnswer.RECEIVED);
        assertThat(get(sender.send(batch(2)))).isEqualTo(ReceiveAnswer.RECEIVED);
    }

    @Test
    void reusesOneConnectionForManyBatches() throws Exception {
        TcpListener listener = (TcpListener) transport.listen(ANY_PORT, receiver);
        TransportSender sender = transport.sender(listener.address());

        for (int i = 0; i < 10; i++) {
            assertThat(get(sender.send(batch(3)))).isEqualTo(ReceiveAnswer.RECEIVED);
        }
        get(sender.ping());

        assertThat(receiver.envelopes()).isEqualTo(30);
        assertThat(listener.acceptedCount()).isEqualTo(1);
    }

    @Test
    void reconnectsAfterTheListenerClosedAnIdleConnection() throws Exception {
        transport = TcpTransport.builder().idleTimeout(Duration.ofMillis(300)).build();
        TcpListener listener = (TcpListener) transport.listen(ANY_PORT, receiver);
        TransportSender sender = transport.sender(listener.address());
        get(sender.send(batch(1)));

        await().atMost(Duration.ofSeconds(5)).until(() -> listener.connectionCount() == 0);

        assertThat(get(sender.send(batch(1)))).isEqualTo(ReceiveAnswer.RECEIVED);
        assertThat(listener.acceptedCount()).isEqualTo(2);
    }

    @Test
    void replacesAConnectionBeforeTheListenerWouldCloseItAsIdle() throws Exception {
        transport = TcpTransport.builder().idleTimeout(Duration.ofMillis(600)).build();
        TcpListener listener = (TcpListener) transport.listen(ANY_PORT, receiver);
        TransportSender sender = transport.sender(listener.address());
        get(sender.send(batch(1)));

        await().pollDelay(Duration.ofMillis(350)).until(() -> true);

        assertThat(get(sender.send(batch(1)))).isEqualTo(ReceiveAnswer.RECEIVED);
        assertThat(listener.acceptedCount()).isEqualTo(2);
    }

    @Test
    void failsWhenNobodyListens() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        TransportSender sender = transport.sender(URI.create("tcp://127.0.0.1:" + port));

        assertThatThrownBy(() -> get(sender.send(batch(1))))
                .hasCauseInstanceOf(AgateException.class).hasMessageContaining("cannot connect to tcp://127.0.0.1:" + port);
        assertThatThrownBy(() -> get(sender.ping())).hasCauseInstanceOf(AgateException.class);
    }

    @Test
    void failsABatchNotAnsweredInTime() throws Exception {
        transport = TcpTransport.builder().answerTimeout(Duration.ofMillis(300)).build();
        TcpListener listener = (TcpListener) transport.listen(ANY_PORT, receiver);
        TransportSender sender = transport.sender(listener.address());
        CompletableFuture<ReceiveAnswer> never = new CompletableFuture<>();
        receiver.answer = b -> never;

        assertThatThrownBy(() -> get(sender.send(batch(1))))
                .hasCauseInstanceOf(AgateException.class).hasMessageContaining("no answer from " + listener.address());

        never.complete(ReceiveAnswer.RECEIVED);
        receiver.answer = b -> CompletableFuture.completedFuture(ReceiveAnswer.of(ReceiveAnswer.Status.QUEUE_FULL, "later"));
        assertThat(get(sender.send(batch(1))).status()).isEqualTo(ReceiveAnswer.Status.QUEUE_FULL);
        assertThat(listener.acceptedCount()).isEqualTo(2);
    }

    @Test
    void closingTheSenderFailsTheBatchInFlight() throws Exception {
        TransportSender sender = transport.sender(transport.listen(ANY_PORT, receiver).address());
        receiver.answer = b -> new CompletableFuture<>();
        CompletionStage<ReceiveAnswer> inFlight = sender.send(batch(1));
        await().until(() -> receiver.calls() == 1);

        sender.close();

        assertThatThrownBy(() -> get(inFlight)).hasCauseInstanceOf(AgateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> get(sender.send(batch(1)))).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesABatchOverTheMaxFrameSize() throws Exception {
        transport = TcpTransport.builder().maxFrameSize(4096).build();
        TransportSender sender = transport.sender(transport.listen(ANY_PORT, receiver).address());
        Envelope big = Envelopes.envelope(1).withBody("application/octet-stream", new byte[5000]);

        assertThatThrownBy(() -> get(sender.send(List.of(big))))
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("over the max frame size 4096");
        assertThat(get(sender.send(batch(3)))).isEqualTo(ReceiveAnswer.RECEIVED);
    }

    @Test
    void respectsTheListenersSmallerLimit() throws Exception {
        try (TcpTransport small = TcpTransport.builder().maxFrameSize(4096).build()) {
            TransportSender sender = transport.sender(small.listen(ANY_PORT, receiver).address());
            Envelope big = Envelopes.envelope(1).withBody("application/octet-stream", new byte[5000]);

            assertThatThrownBy(() -> get(sender.send(List.of(big))))
                    .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("listener's max frame size 4096");
            assertThat(get(sender.send(batch(3)))).isEqualTo(ReceiveAnswer.RECEIVED);
        }
    }

    @Test
    void closingTheListenerClosesItsConnections() throws Exception {
        TcpListener listener = (TcpListener) transport.listen(ANY_PORT, receiver);
        TransportSender sender = transport.sender(listener.address());
        get(sender.send(batch(1)));

        listener.close();

        assertThat(listener.connectionCount()).isZero();
        assertThatThrownBy(() -> get(sender.send(batch(1)))).hasCauseInstanceOf(AgateException.class);
    }

    @Test
    void isFoundByServiceLoaderAndChecksUris() {
        Transport found = ServiceLoader.load(Transport.class).stream().map(ServiceLoader.Provider::get)
                .filter(t -> t.scheme().equals("tcp")).findFirst().orElseThrow();
        try (found) {
            found.checkUri(URI.create("tcp://localhost:2201"));
            assertThatThrownBy(() -> found.checkUri(URI.create("tcp://localhost"))).hasMessageContaining("needs a host and a port");
            assertThatThrownBy(() -> found.checkUri(URI.create("tcp://localhost:2201/orders"))).hasMessageContaining("only tcp://HOST:PORT");
            assertThatThrownBy(() -> found.checkUri(URI.create("rabbitmq://queue"))).hasMessageContaining("not a tcp URI");
        }
    }

    @Test
    void reportsAPortInUse() {
        TransportListener listener = transport.listen(ANY_PORT, receiver);
        assertThatThrownBy(() -> transport.listen(listener.address(), receiver))
                .isInstanceOf(AgateException.class).hasMessageContaining("cannot listen at " + listener.address());
    }

    static <T> T get(CompletionStage<T> stage) throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
