package dev.agate.tcp.hosts;

import static dev.agate.tcp.hosts.Hosts.address;
import static dev.agate.tcp.hosts.Hosts.host;
import static dev.agate.tcp.hosts.Hosts.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.TransportSender;
import dev.agate.tcp.TcpTransport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A sender that comes back late resends what it never saw acknowledged: the durable listener must never
 * handle it twice, however late. Within the deduplication horizon (7 days by default) the handled (or
 * dead-lettered) id is remembered; an envelope first sent before the horizon, whose id may have been
 * forgotten, goes to the dead letters with the reason, and a person's replay handles it. The receiver's
 * clock is moved instead of waiting; its cleanup runs all along.
 */
class LateResendTest {
    record Payment(int id) {
    }

    record Refused(int id) {
    }

    static final class Payments {
        final Map<Integer, AtomicInteger> handled = new ConcurrentHashMap<>();
        final AtomicInteger refusals = new AtomicInteger();

        @Handler
        void on(Payment payment) {
            handled.computeIfAbsent(payment.id(), any -> new AtomicInteger()).incrementAndGet();
        }

        @Handler
        void on(Refused refused) {
            refusals.incrementAndGet();
            throw new IllegalStateException("card refused");
        }

        int times(int id) {
            AtomicInteger count = handled.get(id);
            return count == null ? 0 : count.get();
        }
    }

    /** A clock the test moves forward. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now.plusNanos(System.nanoTime() % 1_000); // distinct readings, never behind the last move
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private static Envelope envelope(Class<?> type, int id, Instant sentAt) {
        return Envelope.builder().messageType(type.getSimpleName()).contentType("application/json").source("payer")
                .sentAt(sentAt).body(("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8)).build();
    }

    private static void send(TransportSender sender, Envelope envelope) throws Exception {
        ReceiveAnswer answer = sender.send(List.of(envelope)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(answer.status()).as("the listener's answer").isEqualTo(ReceiveAnswer.Status.RECEIVED);
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aResendIsNeverHandledTwiceHoweverLateAndOneOlderThanTheHorizonIsDeadLettered(TestDatabase.Kind kind) throws Exception {
        MovableClock clock = new MovableClock();
        Payments payments = new Payments();
        TcpTransport transport = TcpTransport.builder().build();
        try (TestDatabase db = TestDatabase.create(kind);
             AgateHost receiver = host("payments").clock(clock).handler(payments)
                     .onError(ErrorPolicy.on(IllegalStateException.class).deadLetter())
                     .durability(Hosts.FAST.cleanupInterval(Duration.ofMillis(200)))
                     .store(JdbcMessageStore.builder(db.url).build()).listener(listener(0, EndpointMode.DURABLE)).start()) {
            TransportSender sender = transport.sender(address(receiver));

            // Handled, then sent again 6.5 minutes later (past the old 5-minute window) and a day later.
            Envelope payment = envelope(Payment.class, 1, clock.instant());
            send(sender, payment);
            await().atMost(Duration.ofSeconds(10)).until(() -> payments.times(1) == 1);
            clock.advance(Duration.ofSeconds(390));
            Thread.sleep(600); // cleanups run at the new time
            send(sender, payment);
            clock.advance(Duration.ofDays(1));
            Thread.sleep(600);
            send(sender, payment);

            // Dead-lettered, then sent again: still one dead letter, not handled again.
            Envelope refused = envelope(Refused.class, 2, clock.instant());
            send(sender, refused);
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.deadLetters().find(refused.id()).isPresent());
            send(sender, refused);

            // First sent 8 days ago: it may be a duplicate whose id was forgotten, so not handled but dead-lettered.
            Envelope ancient = envelope(Payment.class, 3, clock.instant().minus(Duration.ofDays(8)));
            send(sender, ancient);
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.deadLetters().find(ancient.id()).isPresent());

            // A wrong second handling would show within a second: the counts must hold throughout.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> payments.times(1) == 1 && payments.refusals.get() == 1 && payments.times(3) == 0);
            assertThat(payments.times(1)).as("the payment, sent three times").isEqualTo(1);
            assertThat(payments.refusals.get()).as("the refused payment, sent twice").isEqualTo(1);
            assertThat(payments.times(3)).as("the payment older than the horizon").isZero();
            DeadLetter old = receiver.deadLetters().find(ancient.id()).orElseThrow();
            assertThat(old.reason()).startsWith("older than the deduplication horizon (PT168H)");
            assertThat(receiver.deadLetters().list()).extracting(DeadLetter::id).containsExactlyInAnyOrder(refused.id(), ancient.id());

            // A person decides it was not handled: the replay handles it, once.
            assertThat(receiver.deadLetters().replay(ancient.id())).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> payments.times(3) == 1);
            send(sender, ancient);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> payments.times(3) == 1);
            System.out.printf("%s: payment handled %d time(s) for 3 sends; refused handled %d time(s) for 2 sends; dead letters %d%n",
                    kind, payments.times(1), payments.refusals.get(), receiver.deadLetters().list().size());
        } finally {
            transport.close();
        }
    }
}
