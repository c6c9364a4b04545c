package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.testing.InMemoryMessageStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The host's operator surface with real handlers: dead letters kept in memory (a host without a store, buffered
 * queues) and in a store (durable queues), queried, replayed once even by two threads at once, edited and
 * replayed; the audit; scheduled messages of the store cancelled and rescheduled.
 */
class OperatorSurfaceTest {
    record Charge(int n, int cents) {
    }

    record Reminder(int n) {
    }

    /** Fails every charge while {@code failing}; counts what it handled, per n. */
    static final class Payments {
        volatile boolean failing = true;
        final Map<Integer, AtomicInteger> handled = new ConcurrentHashMap<>();
        final Map<Integer, Integer> cents = new ConcurrentHashMap<>();
        final Map<Integer, AtomicInteger> reminded = new ConcurrentHashMap<>();

        @Handler
        void on(Charge charge) {
            if (failing) {
                throw new IllegalStateException(charge.n() % 2 == 1 ? "gateway timeout" : "card declined");
            }
            handled.computeIfAbsent(charge.n(), n -> new AtomicInteger()).incrementAndGet();
            cents.put(charge.n(), charge.cents());
        }

        @Handler
        void on(Reminder reminder) {
            reminded.computeIfAbsent(reminder.n(), n -> new AtomicInteger()).incrementAndGet();
        }

        int total() {
            return handled.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    private final Payments payments = new Payments();
    private AgateHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    private AgateHost start(boolean stored) {
        AgateHost.Builder builder = AgateHost.builder().serviceName("payments").handler(payments, ErrorPolicy.onAny().deadLetter())
                .route(Charge.class, "local://payments").route(Reminder.class, "local://payments");
        if (stored) {
            builder.store(new InMemoryMessageStore()).durableLocalQueues()
                    .localQueue(LocalQueue.builder("side").mode(EndpointMode.BUFFERED).build())
                    .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(100)).scheduledPollingInterval(Duration.ofMillis(100)));
        } else {
            builder.localQueue(LocalQueue.builder("payments").build());
        }
        host = builder.start();
        return host;
    }

    private void deadLetter(int count) {
        for (int n = 0; n < count; n++) {
            host.bus().send(new Charge(n, 100 + n));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> host.deadLetters().count(DeadLetterFilter.all()) == count);
        payments.failing = false;
    }

    @ParameterizedTest(name = "stored: {0}")
    @ValueSource(booleans = {false, true})
    void twoThreadsReplayingAtOnceHaveEachMessageHandledOnce(boolean stored) throws Exception {
        start(stored);
        deadLetter(40);
        DeadLetterFilter declined = DeadLetterFilter.builder().exceptionMessage("DECLINED").build();
        assertThat(host.deadLetters().count(declined)).isEqualTo(20);

        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<ActionResult>> replays = new ArrayList<>();
        try {
            for (String actor : List.of("alice", "bob")) {
                replays.add(pool.submit(() -> {
                    go.await();
                    return host.deadLetters().replay(declined, actor);
                }));
            }
            go.countDown();
            int replayed = 0;
            for (Future<ActionResult> replay : replays) {
                replayed += replay.get(1, TimeUnit.MINUTES).touched();
            }
            assertThat(replayed).isEqualTo(20);
        } finally {
            pool.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> payments.total() == 20);
        Thread.sleep(300); // time for a second handling, were there one
        assertThat(payments.handled).hasSize(20).allSatisfy((n, count) -> {
            assertThat(n % 2).isZero();
            assertThat(count.get()).as("charge %d", n).isEqualTo(1);
        });
        assertThat(host.deadLetters().replay(declined, "alice")).isEqualTo(ActionResult.of(0, 20));
        assertThat(host.deadLetters().list()).as("not replayed").hasSize(20);
        assertThat(host.deadLetters().count(DeadLetterFilter.builder().replayed(true).build())).isEqualTo(20);
        Page<AuditEntry> audit = host.audit(PageRequest.newestFirst(10));
        assertThat(audit.items()).extracting(AuditEntry::action).containsOnly(AuditEntry.Action.DEAD_LETTERS_REPLAY);
        assertThat(audit.items()).extracting(AuditEntry::touched).containsExactlyInAnyOrder(0, 20, 0);
    }

    @ParameterizedTest(name = "stored: {0}")
    @ValueSource(booleans = {false, true})
    void anEditedMessageIsHandledOnceEditedAndTheOriginalIsKeptMarked(boolean stored) throws Exception {
        start(stored);
        deadLetter(3);
        DeadLetter original = host.deadLetters().query(DeadLetterFilter.all(), PageRequest.first(1)).items().get(0);
        int n = numberOf(original);
        EnvelopeEdit edit = EnvelopeEdit.builder().body(("{\"n\":" + n + ",\"cents\":9999}").getBytes(StandardCharsets.UTF_8))
                .header("fixed-by", "ops").build();

        ActionResult result = host.deadLetters().replayEdited(original.id(), edit, "ops");
        ActionResult again = host.deadLetters().replayEdited(original.id(), edit, "ops");

        assertThat(result.touched()).isEqualTo(1);
        assertThat(again).isEqualTo(new ActionResult(0, 1, result.envelopeId()));
        await().atMost(Duration.ofSeconds(20)).until(() -> payments.total() == 1);
        Thread.sleep(300);
        assertThat(payments.total()).isEqualTo(1);
        assertThat(payments.cents).as("the edited amount").containsExactly(Map.entry(n, 9999));
        DeadLetter kept = host.deadLetters().find(original.id()).orElseThrow();
        assertThat(kept.replay().envelopeId()).isEqualTo(result.envelopeId());
        assertThat(kept.replay().by()).isEqualTo("ops");
        assertThat(host.deadLetters().replay(original.id())).as("replayed already").isFalse();
        assertThat(host.audit(PageRequest.first(10)).items()).extracting(AuditEntry::action, AuditEntry::touched).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, 1),
                org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, 0),
                org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_REPLAY, 0));
    }

    @Test
    void queriesPageAndCountTheDeadLettersInMemoryAndInTheStoreTogether() {
        start(true);
        deadLetter(7);
        payments.failing = true;
        host.bus().sendTo("local://side", new Charge(99, 1)); // a buffered queue: dead-lettered in memory, not in the store
        await().atMost(Duration.ofSeconds(20)).until(() -> host.deadLetters().count(DeadLetterFilter.all()) == 8);

        List<DeadLetter> seen = new ArrayList<>();
        Page<DeadLetter> page = host.deadLetters().query(DeadLetterFilter.all(), PageRequest.newestFirst(3));
        seen.addAll(page.items());
        while (page.hasNext()) {
            assertThat(page.total()).isEqualTo(8);
            page = host.deadLetters().query(DeadLetterFilter.all(), PageRequest.after(page.nextCursor(), 3));
            seen.addAll(page.items());
        }
        assertThat(seen).hasSize(8).extracting(DeadLetter::id).doesNotHaveDuplicates();
        assertThat(seen).extracting(DeadLetter::position).isSortedAccordingTo(java.util.Comparator.<PageRequest.Position>naturalOrder().reversed());
        assertThat(seen.get(0).envelope().message()).as("the newest, failed in memory").isEqualTo(new Charge(99, 1));
        assertThat(host.deadLetters().delete(DeadLetterFilter.all(), "ops")).isEqualTo(ActionResult.of(8, 0));
        assertThatThrownBy(() -> host.deadLetters().delete(DeadLetterFilter.all(), " ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scheduledMessagesAreListedCancelledAndRunNow() {
        start(true);
        Instant later = Instant.now().plus(Duration.ofHours(1));
        for (int n = 0; n < 5; n++) {
            host.bus().schedule(new Reminder(n), later.plusSeconds(n));
        }
        ScheduledMessages scheduled = host.scheduledMessages();
        Page<ScheduledMessage> all = scheduled.query(ScheduledFilter.all(), PageRequest.first(10));
        assertThat(all.total()).isEqualTo(5);
        assertThat(all.items()).extracting(m -> m.envelope().messageType()).containsOnly("Reminder");

        assertThat(scheduled.cancel(ScheduledFilter.ids(all.items().get(0).id(), all.items().get(1).id()), "ops")).isEqualTo(ActionResult.of(2, 0));
        assertThat(scheduled.reschedule(ScheduledFilter.all(), Instant.now(), "ops")).isEqualTo(ActionResult.of(3, 0));

        await().atMost(Duration.ofSeconds(20)).until(() -> payments.reminded.size() == 3);
        assertThat(payments.reminded).containsOnlyKeys(2, 3, 4);
        assertThat(scheduled.count(ScheduledFilter.all())).isZero();
        assertThat(host.audit(PageRequest.first(10)).items()).extracting(AuditEntry::action)
                .containsExactly(AuditEntry.Action.SCHEDULED_CANCEL, AuditEntry.Action.SCHEDULED_RESCHEDULE);
    }

    @Test
    void aHostWithoutAStoreSaysItsScheduledMessagesCannotBeManaged() {
        start(false);
        assertThatThrownBy(() -> host.scheduledMessages()).isInstanceOf(IllegalStateException.class).hasMessageContaining("no message store");
    }

    /** The charge's n: its message in memory, or read from its body in a store. */
    private static int numberOf(DeadLetter letter) {
        if (letter.envelope().message() instanceof Charge charge) {
            return charge.n();
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"n\":(\\d+)").matcher(new String(letter.envelope().body(), StandardCharsets.UTF_8));
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
