package dev.agate.tcp.hosts;

import static dev.agate.tcp.hosts.Hosts.address;
import static dev.agate.tcp.hosts.Hosts.host;
import static dev.agate.tcp.hosts.Hosts.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.EndpointMode;
import dev.agate.Sender;
import dev.agate.tcp.hosts.Hosts.Ping;
import dev.agate.tcp.hosts.Hosts.Pinger;
import dev.agate.tcp.hosts.Hosts.Ponger;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Durable and buffered are each side's own choice: every combination of sender and listener delivers
 * every message and its answer, over real sockets between two hosts with stores of their own.
 */
class SendReceiveModesTest {
    private static final int MESSAGES = 300;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "sender {0}, listener {1}")
    @CsvSource({"DURABLE,DURABLE", "DURABLE,BUFFERED", "BUFFERED,DURABLE", "BUFFERED,BUFFERED"})
    void everyCombinationDeliversEveryMessageAndItsAnswer(EndpointMode senderMode, EndpointMode listenerMode) {
        Ponger ponger = new Ponger();
        Pinger pinger = new Pinger();
        AgateHost.Builder receiving = host("ponger").handler(ponger).listener(listener(0, listenerMode));
        if (listenerMode == EndpointMode.DURABLE) {
            receiving.store(Hosts.sqlite(dir, "ponger")).durableSenders();
        }
        try (AgateHost receiver = receiving.start()) {
            String destination = address(receiver).toString();
            Sender.Builder sender = Sender.to(destination).batchSize(50);
            AgateHost.Builder sending = host("pinger").handler(pinger).listener(listener(0, senderMode))
                    .sender((senderMode == EndpointMode.DURABLE ? sender.durable() : sender.buffered()).build())
                    .route(Ping.class, destination);
            if (senderMode == EndpointMode.DURABLE) {
                sending.store(Hosts.sqlite(dir, "pinger"));
            }
            try (AgateHost sendingHost = sending.start()) {
                for (int i = 0; i < MESSAGES; i++) {
                    sendingHost.bus().send(new Ping(i));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> pinger.counter.distinct() == MESSAGES);
                assertThat(ponger.counter.distinct()).isEqualTo(MESSAGES);
                assertThat(ponger.counter.total()).as("handled once each").isEqualTo(MESSAGES);
                assertThat(pinger.counter.total()).as("answered once each").isEqualTo(MESSAGES);
            }
        }
    }

    @Test
    void aBufferedListenerThatIsFullSlowsTheSenderDownAndLosesNothing() {
        Ponger ponger = new Ponger();
        ponger.counter.delayMillis = 2;
        Pinger pinger = new Pinger();
        try (AgateHost receiver = host("ponger").handler(ponger).listener(listener(0, EndpointMode.BUFFERED))
                .localQueue(dev.agate.LocalQueue.builder("inbox").capacity(5).maximumParallelism(1).build()).start()) {
            String destination = address(receiver).toString();
            try (AgateHost sending = host("pinger").handler(pinger).listener(listener(0, EndpointMode.BUFFERED))
                    .sender(Sender.to(destination).batchSize(20).buffered().build()).route(Ping.class, destination).start()) {
                for (int i = 0; i < 200; i++) {
                    sending.bus().send(new Ping(i));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> pinger.counter.distinct() == 200);
                assertThat(ponger.counter.total()).as("each batch refused as full was sent again whole, never half-queued")
                        .isEqualTo(200);
            }
        }
    }
}
