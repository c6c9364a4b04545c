package dev.agate.tcp.hosts;

import static dev.agate.tcp.hosts.Hosts.address;
import static dev.agate.tcp.hosts.Hosts.host;
import static dev.agate.tcp.hosts.Hosts.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.EndpointMode;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.tcp.hosts.Hosts.Ping;
import dev.agate.tcp.hosts.Hosts.Ponger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A durable send scheduled for later waits in the sender's store, then goes out once; a message the
 * receiving service has no handler for is received (the sender forgets it) and dead-lettered there with
 * the reason, where a person can see it, not dropped.
 */
class ScheduledAndUnknownTest {
    record Unheard(int id) {
    }

    @TempDir
    Path dir;

    @Test
    void aScheduledDurableSendWaitsInTheSendersStoreThenGoesOutOnce() {
        Ponger ponger = new Ponger();
        try (AgateHost receiver = host("ponger").handler(ponger).store(Hosts.sqlite(dir, "ponger"))
                .listener(listener(0, EndpointMode.DURABLE)).start()) {
            String destination = address(receiver).toString();
            JdbcMessageStore store = Hosts.sqlite(dir, "pinger");
            try (AgateHost sending = host("pinger").store(store).sender(Sender.to(destination).durable().build())
                    .route(Ping.class, destination).start()) {
                long start = System.nanoTime();
                sending.bus().schedule(new Ping(1), Duration.ofSeconds(1));
                assertThat(store.admin().counts().scheduled()).as("waiting in the sender's store").isEqualTo(1);
                await().atMost(Duration.ofSeconds(15)).until(() -> ponger.counter.distinct() == 1);
                assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1_000);
                await().atMost(Duration.ofSeconds(5)).until(() -> store.admin().counts().outgoing() == 0);
                assertThat(ponger.counter.total()).isEqualTo(1);
            }
        }
    }

    @Test
    void aMessageTheReceiverHasNoHandlerForIsDeadLetteredThereNotLost() {
        try (AgateHost receiver = host("ponger").handler(new Ponger()).store(Hosts.sqlite(dir, "ponger"))
                .listener(listener(0, EndpointMode.DURABLE)).start()) {
            String destination = address(receiver).toString();
            JdbcMessageStore store = Hosts.sqlite(dir, "pinger");
            try (AgateHost sending = host("pinger").store(store).sender(Sender.to(destination).durable().build())
                    .route(Unheard.class, destination).start()) {
                sending.bus().send(new Unheard(7));
                await().atMost(Duration.ofSeconds(15)).until(() -> !receiver.deadLetters().list().isEmpty());
                List<DeadLetter> letters = receiver.deadLetters().list();
                assertThat(letters).hasSize(1);
                assertThat(letters.get(0).envelope().messageType()).isEqualTo("Unheard");
                assertThat(letters.get(0).reason()).containsIgnoringCase("Unheard");
                await().atMost(Duration.ofSeconds(5)).until(() -> store.admin().counts().outgoing() == 0);
            }
        }
    }
}
