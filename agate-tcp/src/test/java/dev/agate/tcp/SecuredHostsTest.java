package dev.agate.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.HostStatus;
import dev.agate.Listener;
import dev.agate.MessageContext;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security one setting away, at the level of hosts: two services whose transports require mutual TLS
 * and a shared-secret token exchange messages and answers; a service with the wrong secret is refused
 * before any envelope is read, its sender latches, and nothing it sent is handled.
 */
class SecuredHostsTest {
    record Ping(int id) {
    }

    record Pong(int id) {
    }

    @TempDir
    static Path certificatesDir;
    static TestCertificates certificates;
    static Path[] ponger;
    static Path[] pinger;

    @TempDir
    Path dir;

    @BeforeAll
    static void createCertificates() throws Exception {
        certificates = new TestCertificates(certificatesDir);
        ponger = certificates.leaf("ponger", "127.0.0.1", "localhost");
        pinger = certificates.leaf("pinger", "127.0.0.1", "localhost");
    }

    static final class Pongs {
        final Set<Integer> pings = ConcurrentHashMap.newKeySet();

        @Handler
        void on(Ping ping, MessageContext context) {
            pings.add(ping.id());
            context.respond(new Pong(ping.id()));
        }
    }

    static final class Pings {
        final Set<Integer> pongs = ConcurrentHashMap.newKeySet();

        @Handler
        void on(Pong pong) {
            pongs.add(pong.id());
        }
    }

    private static TcpTransport secured(Path[] identity, String secret, String issuer) {
        return TcpTransport.builder()
                .tls(TcpTls.builder().certificate(identity[0], identity[1]).trustedCertificates(certificates.ca)
                        .requireClientCertificate(true).build())
                .token(TcpToken.builder().secret(secret).issuer(issuer).build())
                .build();
    }

    private AgateHost.Builder host(String name, TcpTransport transport) {
        return AgateHost.builder().serviceName(name).transport(transport)
                .store(JdbcMessageStore.builder("jdbc:sqlite:" + dir.resolve(name + ".db")).build())
                .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(200)))
                .listener(Listener.at("tcp://127.0.0.1:0").durable().build()).durableSenders()
                .shutdownTimeout(Duration.ofSeconds(3));
    }

    @Test
    void servicesWithMutualTlsAndTheSameSecretExchangeMessagesAndOneWithAnotherSecretIsRefused() {
        String secret = "a shared secret of at least sixteen bytes";
        Pongs pongs = new Pongs();
        try (AgateHost receiver = host("ponger", secured(ponger, secret, "ponger")).handler(pongs).start()) {
            String destination = receiver.listenerAddresses().get(0).toString();
            Pings pings = new Pings();
            try (AgateHost sender = host("pinger", secured(pinger, secret, "pinger")).handler(pings)
                    .route(Ping.class, destination).start()) {
                for (int i = 0; i < 50; i++) {
                    sender.bus().send(new Ping(i));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> pings.pongs.size() == 50);
                assertThat(pongs.pings).hasSize(50);
            }
            try (AgateHost intruder = host("intruder", secured(pinger, "not the secret, but just as long", "intruder"))
                    .sender(Sender.to(destination).durable().failuresBeforeLatching(2).build())
                    .route(Ping.class, destination).start()) {
                for (int i = 100; i < 105; i++) {
                    intruder.bus().send(new Ping(i));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> intruder.status().endpoints().stream()
                        .anyMatch(HostStatus.EndpointStatus::latched));
                assertThat(pongs.pings).as("nothing from a sender with the wrong secret is handled").hasSize(50);
            }
        }
    }
}
