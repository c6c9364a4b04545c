package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.DeadLetter;
import dev.agate.Envelope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Dead letters on each real database: an envelope is always in exactly one of the inbox and the dead letters. */
class JdbcDeadLettersTest {
    private static final URI QUEUE = URI.create("local://payments");
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private record Store(JdbcInbox inbox, JdbcDeadLetters deadLetters) {
    }

    private static Store storeOn(TestDatabase db) {
        AgateSchema.forUrl(db.url, SchemaNames.defaults()).apply(db.dataSource);
        Jdbc jdbc = new Jdbc(db.dataSource, Dialect.forUrl(db.url), SchemaNames.defaults(), db.toString());
        return new Store(new JdbcInbox(jdbc), new JdbcDeadLetters(jdbc));
    }

    private static Envelope envelope(String type, int n) {
        return Envelope.builder().messageType(type).destination(QUEUE).deliverBy(NOW.minusSeconds(1))
                .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).build();
    }

    private static DeadLetter letter(Envelope envelope) {
        return new DeadLetter(envelope.withAttempts(3), QUEUE, "java.lang.IllegalStateException",
                "java.lang.IllegalStateException", "card declined", "java.lang.IllegalStateException: card declined\n\tat x", 3, NOW);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void movingToTheDeadLettersTakesTheEnvelopeOutOfTheInboxWithEverythingAPersonNeeds(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Store store = storeOn(db);
            Envelope envelope = envelope("Charge", 1);
            store.inbox().store(null, QUEUE, List.of(envelope), 1, NOW);

            store.deadLetters().moveFromInbox(letter(envelope), NOW.plus(Duration.ofDays(7)));

            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes")).isZero();
            DeadLetter found = store.deadLetters().find(envelope.id()).orElseThrow();
            assertThat(found.endpoint()).isEqualTo(QUEUE);
            assertThat(found.exceptionMessage()).isEqualTo("card declined");
            assertThat(found.stackTrace()).contains("\tat x");
            assertThat(found.attempts()).isEqualTo(3);
            assertThat(found.failedAt()).isEqualTo(NOW);
            assertThat(new String(found.envelope().body(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void replayByTypeMovesThoseBackIntoTheInboxFreshAndLeavesTheOthers(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Store store = storeOn(db);
            List<Envelope> charges = List.of(envelope("Charge", 1), envelope("Charge", 2));
            Envelope refund = envelope("Refund", 3);
            for (Envelope e : List.of(charges.get(0), charges.get(1), refund)) {
                store.deadLetters().moveFromInbox(letter(e), null);
            }

            List<DeadLetter> replayed = store.deadLetters().replay(null, "Charge");

            assertThat(replayed).hasSize(2);
            assertThat(store.deadLetters().list(null, 10)).extracting(DeadLetter::id).containsExactly(refund.id());
            List<Envelope> back = store.inbox().claimIncoming(QUEUE, 1, 10);
            assertThat(back).extracting(Envelope::id).containsExactlyInAnyOrder(charges.get(0).id(), charges.get(1).id());
            assertThat(back).allSatisfy(e -> {
                assertThat(e.attempts()).isZero();
                assertThat(e.deliverBy()).isNull();
            });
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void anEnvelopeThatFailsAgainAfterReplayIsDeadLetteredAgain(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Store store = storeOn(db);
            Envelope envelope = envelope("Charge", 1);
            store.deadLetters().moveFromInbox(letter(envelope), null);
            store.deadLetters().replay(envelope.id(), null);

            store.deadLetters().moveFromInbox(letter(envelope), null);

            assertThat(store.deadLetters().list(null, 10)).hasSize(1);
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes")).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void purgeAndExpiryDeleteOnlyWhatTheyName(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            Store store = storeOn(db);
            store.deadLetters().moveFromInbox(letter(envelope("Charge", 1)), NOW.plusSeconds(10));
            store.deadLetters().moveFromInbox(letter(envelope("Charge", 2)), NOW.plusSeconds(100));
            store.deadLetters().moveFromInbox(letter(envelope("Refund", 3)), null);

            assertThat(store.deadLetters().deleteExpired(NOW.plusSeconds(50), 100)).isEqualTo(1);
            assertThat(store.deadLetters().purge(null, "Refund")).isEqualTo(1);
            assertThat(store.deadLetters().list(null, 10)).hasSize(1);
            assertThat(store.deadLetters().purge(null, null)).isEqualTo(1);
        }
    }
}
