package dev.agate.tcp.hosts;

import static dev.agate.tcp.hosts.Hosts.address;
import static dev.agate.tcp.hosts.Hosts.host;
import static dev.agate.tcp.hosts.Hosts.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.EndpointMode;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.tcp.hosts.Hosts.Ping;
import dev.agate.tcp.hosts.Hosts.Ponger;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two services that keep their tables in one database (one schema, as small deployments do): a send
 * scheduled for later goes out over TCP when due and the listener, storing in that same database, takes
 * it as a new envelope and handles it once. The scheduled row leaves the inbox as the envelope goes out;
 * kept as "handled", its id made the listener drop the envelope as a duplicate.
 */
class SameDatabaseTest {

    @ParameterizedTest(name = "{0}, {1} sender")
    @CsvSource({"SQLITE, DURABLE", "SQLITE, BUFFERED", "POSTGRES, DURABLE", "POSTGRES, BUFFERED"})
    void aScheduledSendToAListenerOnTheSameDatabaseIsHandledOnce(TestDatabase.Kind kind, EndpointMode senderMode) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Ponger ponger = new Ponger();
            try (AgateHost receiver = host("ponger").handler(ponger).store(JdbcMessageStore.builder(db.url).build())
                    .listener(listener(0, EndpointMode.DURABLE)).start()) {
                String destination = address(receiver).toString();
                Sender sender = senderMode == EndpointMode.DURABLE ? Sender.to(destination).durable().build()
                        : Sender.to(destination).buffered().build();
                JdbcMessageStore store = JdbcMessageStore.builder(db.url).build();
                try (AgateHost sending = host("pinger").store(store).sender(sender).route(Ping.class, destination).start()) {
                    sending.bus().schedule(new Ping(7), Duration.ofMillis(500));
                    await().atMost(Duration.ofSeconds(15)).until(() -> ponger.counter.distinct() == 1);
                    await().atMost(Duration.ofSeconds(5)).until(() -> store.admin().counts().outgoing() == 0
                            && store.admin().counts().scheduled() == 0);
                    // A second delivery, were there one, would show within half a second.
                    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> ponger.counter.total() == 1);
                    assertThat(store.deadLetters().list(null, 10)).isEmpty();
                }
            }
        }
    }
}
