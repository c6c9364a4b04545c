package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.Envelope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The inbox's guarantees on each real database: duplicates recognized, claims exclusive, schedules and cleanup bounded. */
class JdbcInboxTest {
    private static final URI QUEUE = URI.create("local://orders");
    // Millisecond precision: what every dialect stores.
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static JdbcInbox inboxOn(TestDatabase db) {
        AgateSchema.forUrl(db.url, SchemaNames.defaults()).apply(db.dataSource);
        Dialect dialect = Dialect.forUrl(db.url);
        return new JdbcInbox(new Jdbc(db.dataSource, dialect, SchemaNames.defaults(), db.toString()));
    }

    private static Envelope envelope(int n) {
        return Envelope.builder().messageType("OrderPlaced").destination(QUEUE)
                .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).build();
    }

    private static List<Envelope> envelopes(int count) {
        List<Envelope> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(envelope(i));
        }
        return list;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aStoredIdIsADuplicateWhateverItsStateAndIsNeverStoredTwice(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcInbox inbox = inboxOn(db);
            List<Envelope> first = envelopes(3);
            assertThat(inbox.store(null, QUEUE, first, 1, NOW)).isEmpty();
            inbox.markHandled(null, List.of(first.get(0).id()), NOW.plusSeconds(60));

            Envelope fresh = envelope(99);
            Set<UUID> duplicates = inbox.store(null, QUEUE, List.of(first.get(0), first.get(1), fresh), 1, NOW);

            assertThat(duplicates).containsExactlyInAnyOrder(first.get(0).id(), first.get(1).id());
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes")).isEqualTo(4);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void racingNodesNeverClaimTheSameEnvelope(TestDatabase.Kind kind) throws Exception {
        int total = 600;
        int nodes = 4;
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcInbox inbox = inboxOn(db);
            inbox.store(null, QUEUE, envelopes(total), 0, NOW);
            Set<UUID> claimed = ConcurrentHashMap.newKeySet();
            AtomicInteger overlaps = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            int[] perNode = new int[nodes];
            for (int n = 0; n < nodes; n++) {
                int node = n + 1;
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    List<Envelope> batch;
                    do {
                        batch = inbox.claimIncoming(QUEUE, node, 25);
                        for (Envelope e : batch) {
                            if (!claimed.add(e.id())) {
                                overlaps.incrementAndGet();
                            }
                        }
                        perNode[node - 1] += batch.size();
                    } while (!batch.isEmpty());
                });
                threads.add(thread);
                thread.start();
            }
            go.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            System.out.printf("%s claim race: %d envelopes, %d nodes, per node %s, overlaps %d%n",
                    kind, total, nodes, java.util.Arrays.toString(perNode), overlaps.get());
            assertThat(overlaps.get()).isZero();
            assertThat(claimed).hasSize(total);
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE owner_id = 0")).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void claimedEnvelopesComeBackWhole(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcInbox inbox = inboxOn(db);
            Envelope original = envelope(7).toBuilder().attempts(2).header("tenant", "acme").correlationId("c-7").build();
            inbox.store(null, QUEUE, List.of(original), 0, NOW);
            inbox.recordAttempts(original.id(), 3);

            Envelope claimed = inbox.claimIncoming(QUEUE, 5, 10).get(0);

            assertThat(claimed.id()).isEqualTo(original.id());
            assertThat(claimed.attempts()).isEqualTo(3);
            assertThat(claimed.headers()).containsEntry("tenant", "acme");
            assertThat(claimed.correlationId()).isEqualTo("c-7");
            assertThat(claimed.destination()).isEqualTo(QUEUE);
            assertThat(new String(claimed.body(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":7}");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void scheduledEnvelopesAreClaimedOnlyWhenDue(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcInbox inbox = inboxOn(db);
            Envelope later = envelope(1).withScheduledTime(NOW.plusSeconds(30));
            Envelope retry = envelope(2);
            inbox.store(null, QUEUE, List.of(later, retry), 1, NOW);
            inbox.scheduleRetry(retry.id(), 2, NOW.plusSeconds(5));

            assertThat(inbox.claimIncoming(QUEUE, 1, 10)).isEmpty();
            assertThat(inbox.claimDueScheduled(NOW.plusSeconds(1), 1, 10)).isEmpty();
            List<Envelope> due = inbox.claimDueScheduled(NOW.plusSeconds(10), 3, 10);
            assertThat(due).extracting(Envelope::id).containsExactly(retry.id());
            assertThat(due.get(0).attempts()).isEqualTo(2);
            assertThat(inbox.claimDueScheduled(NOW.plusSeconds(60), 3, 10)).extracting(Envelope::id).containsExactly(later.id());
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status = 'Incoming' AND owner_id = 3")).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void handledEnvelopesAreDeletedAfterTheirKeepTimeInBoundedBatches(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcInbox inbox = inboxOn(db);
            List<Envelope> all = envelopes(25);
            inbox.store(null, QUEUE, all, 1, NOW);
            inbox.markHandled(null, all.subList(0, 20).stream().map(Envelope::id).toList(), NOW.plus(Duration.ofMinutes(5)));

            assertThat(inbox.deleteExpiredHandled(NOW.plus(Duration.ofMinutes(1)), 100)).isZero();
            assertThat(inbox.deleteExpiredHandled(NOW.plus(Duration.ofMinutes(10)), 8)).isEqualTo(8);
            assertThat(inbox.deleteExpiredHandled(NOW.plus(Duration.ofMinutes(10)), 100)).isEqualTo(12);
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes")).isEqualTo(5);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aDeadNodesEnvelopesAreReleasedToAnyNode(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcInbox inbox = inboxOn(db);
            inbox.store(null, QUEUE, envelopes(4), 7, NOW);
            inbox.store(null, QUEUE, envelopes(2), 8, NOW);
            assertThat(inbox.endpointsWithUnowned()).isEmpty();

            assertThat(inbox.releaseOwnedBy(7)).isEqualTo(4);

            assertThat(inbox.endpointsWithUnowned()).containsExactly(QUEUE);
            assertThat(inbox.claimIncoming(QUEUE, 9, 10)).hasSize(4);
        }
    }
}
