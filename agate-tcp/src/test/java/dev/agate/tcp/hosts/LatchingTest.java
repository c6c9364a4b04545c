package dev.agate.tcp.hosts;

import static dev.agate.tcp.hosts.Hosts.host;
import static dev.agate.tcp.hosts.Hosts.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.EndpointMode;
import dev.agate.HostStatus;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.tcp.hosts.Hosts.Ping;
import dev.agate.tcp.hosts.Hosts.Ponger;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination that stops answering: the sender retries, latches (reported in the host's status), waits
 * without a busy loop (durable envelopes in the outbox, released to any node), pings, and once the
 * destination answers again resumes and delivers everything, each once.
 */
class LatchingTest {
    @TempDir
    Path dir;

    @Test
    void aDurableSenderLatchesWhileItsDestinationIsDownAndResumesWhenItIsBack() throws Exception {
        int port = freePort();
        String destination = "tcp://127.0.0.1:" + port;
        JdbcMessageStore senderStore = Hosts.sqlite(dir, "pinger");
        try (AgateHost sending = host("pinger").store(senderStore)
                .sender(Sender.to(destination).durable().failuresBeforeLatching(2).build())
                .route(Ping.class, destination).start()) {
            for (int i = 0; i < 50; i++) {
                sending.bus().send(new Ping(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> latched(sending));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                var counts = senderStore.admin().counts();
                assertThat(counts.outgoing()).as("nothing is lost while latched").isEqualTo(50);
                assertThat(counts.outgoingByOwner()).as("the latched sender gave them back to any node").containsOnlyKeys(0);
            });
            Thread.sleep(1_500); // latched for a while: nothing is sent, nothing is dropped

            Ponger ponger = new Ponger();
            try (AgateHost receiver = host("ponger").handler(ponger).store(Hosts.sqlite(dir, "ponger"))
                    .listener(listener(port, EndpointMode.DURABLE)).start()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> ponger.counter.distinct() == 50);
                assertThat(ponger.counter.total()).isEqualTo(50);
                await().atMost(Duration.ofSeconds(5)).until(() -> senderStore.admin().counts().outgoing() == 0);
                assertThat(latched(sending)).isFalse();
            }
        }
    }

    @Test
    void aBufferedSenderKeepsWhatItHoldsInMemoryWhileLatched() throws Exception {
        int port = freePort();
        String destination = "tcp://127.0.0.1:" + port;
        try (AgateHost sending = host("pinger").sender(Sender.to(destination).buffered().failuresBeforeLatching(2).build())
                .route(Ping.class, destination).start()) {
            for (int i = 0; i < 30; i++) {
                sending.bus().send(new Ping(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> latched(sending));
            Ponger ponger = new Ponger();
            try (AgateHost receiver = host("ponger").handler(ponger).listener(listener(port, EndpointMode.BUFFERED)).start()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> ponger.counter.distinct() == 30);
                assertThat(ponger.counter.total()).isEqualTo(30);
            }
        }
    }

    @Test
    void aDeclaredSenderIsInTheStatusBeforeAnyTrafficAndItsLatchShowsThere() throws Exception {
        String destination = "tcp://127.0.0.1:" + freePort();
        try (AgateHost sending = host("pinger").sender(Sender.to(destination).buffered().failuresBeforeLatching(2).build())
                .route(Ping.class, destination).start()) {
            assertThat(sending.status().endpoints()).as("opened at start, not at the first send")
                    .contains(new HostStatus.EndpointStatus(java.net.URI.create(destination), EndpointMode.BUFFERED, false));
            sending.bus().send(new Ping(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> latched(sending));
        }
    }

    private static boolean latched(AgateHost host) {
        return host.status().endpoints().stream().anyMatch(HostStatus.EndpointStatus::latched);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
