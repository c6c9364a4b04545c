package dev.agate.tcp.hosts;

import static dev.agate.tcp.hosts.Hosts.address;
import static dev.agate.tcp.hosts.Hosts.host;
import static dev.agate.tcp.hosts.Hosts.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.HostStatus;
import dev.agate.Listener;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.StoreAdmin;
import dev.agate.tcp.TcpTransport;
import dev.agate.tcp.hosts.Hosts.Pinger;
import dev.agate.tcp.hosts.Hosts.Ponger;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reply address that went away: the ponger opened a sender on demand to answer it, the sender latched,
 * and after the unreachable sender timeout it closes, with its thread; the durable pong stays in the outbox,
 * unowned, and goes out once something listens there again.
 */
class VanishedReplyAddressTest {
    @TempDir
    Path dir;

    @Test
    void aSenderToAReplyAddressThatStaysUnreachableIsClosedAndItsPongGoesOutWhenTheAddressIsBack() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // nothing listens there once closed
        }
        URI vanished = URI.create("tcp://127.0.0.1:" + port);
        Ponger ponger = new Ponger();
        JdbcMessageStore store = Hosts.sqlite(dir, "ponger");
        TcpTransport transport = TcpTransport.builder().build();
        try (AgateHost receiver = host("ponger").handler(ponger).store(store).durableSenders()
                .unreachableSenderTimeout(Duration.ofSeconds(2)).listener(listener(0, EndpointMode.DURABLE)).start()) {
            Envelope ping = Envelope.builder().messageType("Ping").contentType("application/json").source("pinger").sentAt(Instant.now())
                    .replyTo(vanished).body("{\"id\":7}".getBytes(StandardCharsets.UTF_8)).build();
            ReceiveAnswer answer = transport.sender(address(receiver)).send(List.of(ping)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(answer.status()).isEqualTo(ReceiveAnswer.Status.RECEIVED);
            await().atMost(Duration.ofSeconds(10)).until(() -> ponger.counter.total() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> senderTo(receiver, vanished) != null && senderTo(receiver, vanished).latched());

            await().atMost(Duration.ofSeconds(15)).until(() -> senderTo(receiver, vanished) == null);
            await().atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("agate-send-127.0.0.1:" + port) == 0);
            StoreAdmin.Counts counts = store.admin().counts();
            assertThat(counts.outgoing()).as("the pong waits in the outbox").isEqualTo(1);
            assertThat(counts.outgoingByOwner()).isEqualTo(Map.of(0, 1L));

            Pinger pinger = new Pinger();
            try (AgateHost back = host("pinger").handler(pinger).listener(Listener.at("tcp://127.0.0.1:" + port).build()).start()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> pinger.counter.total() == 1);
                await().atMost(Duration.ofSeconds(5)).until(() -> store.admin().counts().outgoing() == 0);
                System.out.printf("pong to %s: sender closed after the timeout, pong delivered once the address listened again%n", vanished);
            }
        } finally {
            transport.close();
        }
    }

    private static HostStatus.EndpointStatus senderTo(AgateHost host, URI destination) {
        return host.status().endpoints().stream().filter(e -> e.uri().equals(destination)).findFirst().orElse(null);
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix) && t.isAlive()).count();
    }
}
