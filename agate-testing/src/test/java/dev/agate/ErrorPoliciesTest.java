package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageEvent.Kind;
import dev.agate.testing.TrackedSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each error policy, the default, and the guarantee that a failing message never blocks the ones behind it. */
class ErrorPoliciesTest {
    /** Fails its first {@code failures} attempts, then succeeds. */
    record Flaky(String key, int failures) {
    }

    record Ok(String key) {
    }

    static final class Handlers {
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        final List<String> handled = new CopyOnWriteArrayList<>();
        volatile boolean healed;
        /** Holds every Flaky until it opens, so a test can line up messages behind it first. */
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Handler
        void flaky(Flaky message) throws InterruptedException {
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
            int attempt = attempts.computeIfAbsent(message.key(), k -> new AtomicInteger()).incrementAndGet();
            if (!healed && attempt <= message.failures()) {
                throw new UncheckedIOException(new IOException("attempt " + attempt + " of " + message.key() + " fails"));
            }
            handled.add(message.key());
        }

        @Handler
        void ok(Ok message) {
            handled.add(message.key());
        }

        int attemptsOf(String key) {
            return attempts.getOrDefault(key, new AtomicInteger()).get();
        }
    }

    private final Handlers handlers = new Handlers();
    private AgateHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    private AgateHost start(ErrorPolicy policy) {
        host = AgateHost.builder()
                .handler(handlers, policy)
                .localQueue(LocalQueue.builder("work").sequential().build())
                .route(Flaky.class, "local://work")
                .route(Ok.class, "local://work")
                .start();
        return host;
    }

    private TrackedSession.Builder session() {
        return TrackedSession.of(host).allowExceptions();
    }

    @Test
    void retryRunsAgainAtOnceOnTheSameThread() {
        start(ErrorPolicy.on(UncheckedIOException.class).retry(3).deadLetter());

        TrackedSession session = session().send(new Flaky("a", 2));

        assertThat(handlers.attemptsOf("a")).isEqualTo(3);
        assertThat(session.handled(Flaky.class)).hasSize(1);
        assertThat(session.events(Kind.RETRYING)).hasSize(2);
        assertThat(session.events(Kind.STARTED)).extracting(e -> e.envelope().attempts()).containsExactly(1, 2, 3);
    }

    @Test
    void retryWithCooldownWaitsBetweenAttempts() {
        start(ErrorPolicy.onAny().retryWithCooldown(Duration.ofMillis(150), Duration.ofMillis(150)).deadLetter());

        TrackedSession session = session().send(new Flaky("b", 2));

        List<Instant> starts = session.events(Kind.STARTED).stream().map(MessageEvent::at).toList();
        assertThat(starts).hasSize(3);
        assertThat(Duration.between(starts.get(0), starts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(Duration.between(starts.get(1), starts.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(session.handled(Flaky.class)).hasSize(1);
    }

    @Test
    void scheduleRetryFreesTheWorkerUntilTheRetryIsDue() {
        start(ErrorPolicy.onAny().scheduleRetry(Duration.ofMillis(300)).deadLetter());

        TrackedSession session = session().execute(bus -> {
            bus.send(new Flaky("late", 1));
            bus.send(new Ok("behind"));
        });

        // The sequential queue handled the message behind while the failed one waited for its retry.
        assertThat(handlers.handled).containsExactly("behind", "late");
        assertThat(session.events(Kind.RETRY_SCHEDULED)).hasSize(1);
        List<Instant> starts = session.events(Kind.STARTED).stream()
                .filter(e -> e.envelope().message() instanceof Flaky).map(MessageEvent::at).toList();
        assertThat(Duration.between(starts.get(0), starts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void requeuePutsTheEnvelopeBehindTheOthers() {
        start(ErrorPolicy.onAny().requeue(1).deadLetter());
        handlers.gate = new CountDownLatch(1);

        TrackedSession session = session().execute(bus -> {
            bus.send(new Flaky("requeued", 1));
            bus.send(new Ok("second"));
            bus.send(new Ok("third"));
            handlers.gate.countDown();
        });

        assertThat(handlers.handled).containsExactly("second", "third", "requeued");
        assertThat(session.events(Kind.REQUEUED)).hasSize(1);
    }

    @Test
    void deadLetterKeepsTheExceptionAndTheAttempts() {
        start(ErrorPolicy.on(UncheckedIOException.class).retry(1).deadLetter());

        TrackedSession session = session().send(new Flaky("dead", 100));

        assertThat(handlers.attemptsOf("dead")).isEqualTo(2);
        assertThat(session.deadLettered()).hasSize(1);
        DeadLetter letter = host.deadLetters().list().get(0);
        assertThat(letter.exceptionType()).isEqualTo(UncheckedIOException.class.getName());
        assertThat(letter.exceptionMessage()).contains("attempt 2 of dead fails");
        assertThat(letter.stackTrace()).contains("ErrorPoliciesTest$Handlers.flaky");
        assertThat(letter.attempts()).isEqualTo(2);
        assertThat(letter.endpoint()).hasToString("local://work");
        assertThat(letter.envelope().message()).isEqualTo(new Flaky("dead", 100));
    }

    @Test
    void discardDropsTheEnvelope() {
        start(ErrorPolicy.onAny().discard());

        TrackedSession session = session().send(new Flaky("dropped", 1));

        assertThat(handlers.attemptsOf("dropped")).isEqualTo(1);
        assertThat(session.discarded()).hasSize(1);
        assertThat(host.deadLetters().list()).isEmpty();
    }

    @Test
    void theDefaultIsThreeAttemptsThenDeadLetters() {
        host = AgateHost.builder().handlers(handlers).start();

        TrackedSession session = session().send(new Flaky("default", 100));

        assertThat(handlers.attemptsOf("default")).isEqualTo(3);
        assertThat(session.deadLettered()).hasSize(1);
    }

    @Test
    void handlerPoliciesComeFirstAndUnmatchedExceptionsFallThroughToGlobalOnes() {
        host = AgateHost.builder()
                .handler(handlers, ErrorPolicy.on(IllegalStateException.class).discard())
                .onError(ErrorPolicy.on(UncheckedIOException.class).retry(5).deadLetter())
                .start();

        session().send(new Flaky("global", 4));

        assertThat(handlers.attemptsOf("global")).isEqualTo(5);
        assertThat(handlers.handled).containsExactly("global");
    }

    @Test
    void aMessageThatAlwaysFailsNeverBlocksTheMessagesBehindIt() {
        start(ErrorPolicy.defaults());

        TrackedSession session = session().execute(bus -> {
            bus.send(new Flaky("poison", Integer.MAX_VALUE));
            for (int i = 0; i < 20; i++) {
                bus.send(new Ok("ok-" + i));
            }
        });

        assertThat(handlers.handled).hasSize(20).allMatch(k -> k.startsWith("ok-"));
        assertThat(session.deadLettered()).singleElement().satisfies(e -> assertThat(e.message()).isEqualTo(new Flaky("poison", Integer.MAX_VALUE)));
    }

    @Test
    void aReplayedDeadLetterIsHandledOnceItsCauseIsFixed() {
        start(ErrorPolicy.onAny().deadLetter());
        session().send(new Flaky("replay", 100));
        assertThat(host.deadLetters().list()).hasSize(1);

        handlers.healed = true;
        TrackedSession session = session().execute(bus -> assertThat(host.deadLetters().replayAll()).isEqualTo(1));

        assertThat(session.handled(Flaky.class)).containsExactly(new Flaky("replay", 100));
        assertThat(session.events(Kind.STARTED)).singleElement().satisfies(e -> assertThat(e.envelope().attempts()).isEqualTo(1));
        assertThat(host.deadLetters().list()).isEmpty();
    }

    @Test
    void deadLettersCanBeReplayedByTypeAndPurged() {
        start(ErrorPolicy.onAny().deadLetter());
        session().execute(bus -> {
            bus.send(new Flaky("x", 100));
            bus.send(new Flaky("y", 100));
        });
        assertThat(host.deadLetters().replayMessageType("NoSuchType")).isZero();
        assertThat(host.deadLetters().find(host.deadLetters().list().get(0).id())).isPresent();
        assertThat(host.deadLetters().purge()).isEqualTo(2);
        assertThat(host.deadLetters().list()).isEmpty();
    }

    @Test
    void anExpiredEnvelopeIsDiscardedNotHandled() {
        start(ErrorPolicy.defaults());

        TrackedSession session = session().execute(bus -> bus.send(new Ok("stale"),
                DeliveryOptions.builder().deliverBy(Instant.now().minusSeconds(1)).build()));

        assertThat(handlers.handled).isEmpty();
        assertThat(session.discarded()).hasSize(1);
    }

    @Test
    void invokeAppliesImmediateRetriesThenThrowsToTheCallerWithoutDeadLettering() {
        start(ErrorPolicy.onAny().retry(1).deadLetter());

        assertThatThrownBy(() -> host.bus().invoke(new Flaky("inv", 100)))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("attempt 2 of inv fails");
        assertThat(handlers.attemptsOf("inv")).isEqualTo(2);
        assertThat(host.deadLetters().list()).isEmpty();

        host.bus().invoke(new Flaky("inv2", 1));
        assertThat(handlers.handled).containsExactly("inv2");
    }

    @Test
    void theSessionFailsOnHandlerExceptionsUnlessAllowed() {
        start(ErrorPolicy.onAny().discard());

        assertThatThrownBy(() -> TrackedSession.of(host).send(new Flaky("loud", 1)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("handlers threw 1 exception(s), 0 envelope(s) were dead-lettered");
        await().untilAsserted(() -> assertThat(handlers.attemptsOf("loud")).isEqualTo(1));
    }
}
