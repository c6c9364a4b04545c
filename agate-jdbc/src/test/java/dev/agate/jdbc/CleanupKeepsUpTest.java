package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Envelope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cleanup keeps up with any rate: one run deletes expired handled rows batch after batch until none is
 * left (or half its interval is spent). It used to stop after 20 batches of 500, 10,000 rows a run, so
 * above about 167 messages a second the table grew without bound. Here 60,000 expired rows must be gone
 * within about two runs of a 3-second interval; 20 batches a run would have needed six.
 */
class CleanupKeepsUpTest {
    private static final int ROWS = 60_000;
    private static final URI QUEUE = URI.create("local://payments");

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void oneRunDeletesEveryExpiredHandledRow(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Instant past = Instant.now().minus(Duration.ofHours(1));
            try (JdbcMessageStore store = JdbcMessageStore.builder(db.url).build()) {
                store.start();
                for (int done = 0; done < ROWS; done += 5_000) {
                    List<Envelope> batch = new ArrayList<>();
                    for (int i = 0; i < 5_000; i++) {
                        batch.add(Envelope.builder().messageType("Payment").body("{}".getBytes(StandardCharsets.UTF_8)).build());
                    }
                    store.inbox().store(null, QUEUE, batch, 1, past);
                    store.inbox().markHandled(null, batch.stream().map(Envelope::id).toList(), 1, past);
                }
                assertThat(store.admin().counts().handled()).isEqualTo(ROWS);
            }
            Duration interval = Duration.ofSeconds(3);
            long started = System.nanoTime();
            try (AgateHost host = AgateHost.builder().serviceName("payments").store(JdbcMessageStore.builder(db.url).build())
                    .durability(Durability.defaults().cleanupInterval(interval)).start();
                 JdbcMessageStore reader = JdbcMessageStore.builder(db.url).build()) {
                reader.start();
                await().atMost(interval.multipliedBy(2).plusSeconds(2)).pollInterval(Duration.ofMillis(200))
                        .until(() -> reader.admin().counts().handled() == 0);
                System.out.printf("%s: %,d expired handled rows deleted %d ms after the start (cleanup every %s)%n", kind, ROWS,
                        (System.nanoTime() - started) / 1_000_000, interval);
            }
        }
    }
}
