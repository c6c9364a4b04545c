package dev.agate.spring;

import static org.awaitility.Awaitility.await;

import dev.agate.MessageBus;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.MessageStore;
import dev.agate.spi.StoreAdmin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.springframework.context.ApplicationContext;

/** What the Spring tests share: a database's Boot properties, Agate's fast settings, the store's counts. */
public final class SpringTestSupport {
    /** Short intervals, so recovery and takeover happen within a test's patience. */
    public static final List<String> FAST = List.of(
            "agate.durability.recovery-interval=100ms",
            "agate.durability.scheduled-polling-interval=100ms",
            "agate.durability.heartbeat-interval=200ms",
            "agate.durability.node-timeout=2s",
            "agate.shutdown-timeout=3s");

    private SpringTestSupport() {
    }

    /**
     * Spring Boot's DataSource properties for {@code db}. SQLite gets what Agate's own pool does: a busy
     * timeout, and transactions that take the write lock when they begin (so two connections that read then
     * write never deadlock), through sqlite-jdbc's URL parameters.
     */
    public static List<String> dataSource(TestDatabase db) {
        String url = db.kind == TestDatabase.Kind.SQLITE
                ? db.url + "?busy_timeout=10000&transaction_mode=IMMEDIATE&journal_mode=WAL" : db.url;
        return List.of("spring.datasource.url=" + url, "spring.datasource.hikari.maximum-pool-size=8");
    }

    /** {@link #dataSource}, {@link #FAST} and {@code more}, for {@code withPropertyValues}. */
    public static String[] properties(TestDatabase db, String... more) {
        List<String> all = new ArrayList<>(dataSource(db));
        all.addAll(FAST);
        all.addAll(Arrays.asList(more));
        return all.toArray(String[]::new);
    }

    /**
     * The store's counts once no envelope is incoming any more, or after 10 s: a probe is seen by its handler
     * a moment before its handling commits, so its row may still be incoming when the probe returns. Callers
     * assert on the result; a row that stays incoming shows there.
     */
    public static StoreAdmin.Counts counts(ApplicationContext context) {
        MessageStore store = context.getBean(MessageStore.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        StoreAdmin.Counts counts = store.admin().counts();
        while (counts.incoming() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            counts = store.admin().counts();
        }
        return counts;
    }

    /** Sends a probe outside any transaction and waits until it was handled: what was sent before it has been worked through. */
    public static void probe(MessageBus bus, Set<Integer> probes, Object probe, int id) {
        bus.send(probe);
        await().atMost(Duration.ofSeconds(20)).until(() -> probes.contains(id));
    }
}
