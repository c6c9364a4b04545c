package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.ActionResult;
import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.Durability;
import dev.agate.EnvelopeEdit;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.PageRequest;
import dev.agate.ScheduledFilter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Operators' actions against a running host on each real database, with real handlers: a replay asked by the host
 * and by another process at once is handled once per message; an edited message is handled once, edited; a
 * scheduled message a node fires while another process cancels it is handled once or cancelled, never both.
 */
class OperatorActionsTest {
    record Charge(int n, int cents) {
    }

    record Reminder(int n) {
    }

    static final class Payments {
        volatile boolean failing = true;
        final Map<Integer, AtomicInteger> charged = new ConcurrentHashMap<>();
        final Map<Integer, Integer> cents = new ConcurrentHashMap<>();
        final Map<Integer, AtomicInteger> reminded = new ConcurrentHashMap<>();

        @Handler
        void on(Charge charge) {
            if (failing) {
                throw new IllegalStateException("card declined");
            }
            charged.computeIfAbsent(charge.n(), n -> new AtomicInteger()).incrementAndGet();
            cents.put(charge.n(), charge.cents());
        }

        @Handler
        void on(Reminder reminder) {
            reminded.computeIfAbsent(reminder.n(), n -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static AgateHost host(TestDatabase db, Payments payments) {
        return AgateHost.builder().serviceName("payments").handler(payments, ErrorPolicy.onAny().deadLetter()).durableLocalQueues()
                .route(Charge.class, "local://payments").route(Reminder.class, "local://payments")
                .store(JdbcMessageStore.builder(db.url).build())
                .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(200)).scheduledPollingInterval(Duration.ofMillis(50)))
                .start();
    }

    /** A second process on the same database: what the command line or a console opens. */
    private static JdbcMessageStore operator(TestDatabase db) {
        JdbcMessageStore store = JdbcMessageStore.builder(db.url).maximumPoolSize(2).build();
        store.start();
        return store;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aReplayAskedByTheHostAndByAnotherProcessAtOnceHandlesEachMessageOnce(TestDatabase.Kind kind) throws Exception {
        int count = 60;
        Payments payments = new Payments();
        try (TestDatabase db = TestDatabase.create(kind); AgateHost host = host(db, payments); JdbcMessageStore operator = operator(db)) {
            for (int n = 0; n < count; n++) {
                host.bus().send(new Charge(n, 100));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> host.deadLetters().count(DeadLetterFilter.all()) == count);
            payments.failing = false;

            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<ActionResult> byHost = pool.submit(() -> {
                    go.await();
                    return host.deadLetters().replay(DeadLetterFilter.all(), "host");
                });
                Future<ActionResult> byOperator = pool.submit(() -> {
                    go.await();
                    return operator.deadLetters().replay(DeadLetterFilter.all(), "cli", Instant.now());
                });
                go.countDown();
                ActionResult a = byHost.get(2, TimeUnit.MINUTES);
                ActionResult b = byOperator.get(2, TimeUnit.MINUTES);
                assertThat(a.touched() + b.touched()).as("%s, %s", a, b).isEqualTo(count);
            } finally {
                pool.shutdownNow();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> payments.charged.size() == count);
            Thread.sleep(500); // room for a second handling, were there one
            assertThat(payments.charged.values()).allSatisfy(times -> assertThat(times.get()).isEqualTo(1));
            assertThat(host.deadLetters().list()).isEmpty();
            assertThat(host.deadLetters().count(DeadLetterFilter.builder().replayed(true).build())).isEqualTo(count);
            assertThat(operator.admin().audit(PageRequest.first(10)).items()).hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void anEditedMessageIsHandledOnceAsEditedAndASecondClickDoesNothing(TestDatabase.Kind kind) throws Exception {
        Payments payments = new Payments();
        try (TestDatabase db = TestDatabase.create(kind); AgateHost host = host(db, payments); JdbcMessageStore operator = operator(db)) {
            host.bus().send(new Charge(7, 100));
            await().atMost(Duration.ofSeconds(30)).until(() -> host.deadLetters().count(DeadLetterFilter.all()) == 1);
            payments.failing = false;
            DeadLetter letter = host.deadLetters().list().get(0);
            EnvelopeEdit edit = EnvelopeEdit.builder().body("{\"n\":7,\"cents\":250}".getBytes(StandardCharsets.UTF_8)).build();

            ActionResult first = operator.deadLetters().replayEdited(letter.id(), edit, "ops", Instant.now());
            ActionResult second = host.deadLetters().replayEdited(letter.id(), edit, "ops");

            assertThat(first.touched()).isEqualTo(1);
            assertThat(second).isEqualTo(new ActionResult(0, 1, first.envelopeId()));
            await().atMost(Duration.ofSeconds(30)).until(() -> payments.charged.containsKey(7));
            Thread.sleep(500);
            assertThat(payments.charged.get(7).get()).isEqualTo(1);
            assertThat(payments.cents).containsExactly(Map.entry(7, 250));
            assertThat(host.deadLetters().find(letter.id()).orElseThrow().replay().envelopeId()).isEqualTo(first.envelopeId());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void scheduledMessagesFiredWhileAnotherProcessCancelsThemAreHandledOnceOrCancelledNeverBoth(TestDatabase.Kind kind) throws Exception {
        int count = 300;
        Payments payments = new Payments();
        try (TestDatabase db = TestDatabase.create(kind); AgateHost host = host(db, payments); JdbcMessageStore operator = operator(db)) {
            Instant due = Instant.now().plusMillis(1500);
            for (int n = 0; n < count; n++) {
                host.bus().schedule(new Reminder(n), due.plusMillis(n));
            }
            // Cancel as they come due: some fired before, some cancelled, some perhaps taken by a claim under way.
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), due).toMillis() + count / 2));
            ActionResult cancelled = operator.scheduled().cancel(ScheduledFilter.all(), "ops", Instant.now(), Instant.now().plus(Duration.ofDays(7)));

            await().atMost(Duration.ofSeconds(30)).until(() -> payments.reminded.size() + cancelled.touched() == count);
            Thread.sleep(500);
            System.out.printf("%s: %d reminders handled, %d cancelled as they came due%n", kind, payments.reminded.size(), cancelled.touched());
            assertThat(payments.reminded.size() + cancelled.touched()).isEqualTo(count);
            assertThat(payments.reminded.values()).allSatisfy(times -> assertThat(times.get()).isEqualTo(1));
            assertThat(operator.scheduled().count(ScheduledFilter.all())).isZero();
        }
    }
}
