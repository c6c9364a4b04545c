package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.DeadLetter;
import dev.agate.Envelope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What only the JDBC dead letters have: columns of bounded length, which cut a long reason or exception
 * type instead of refusing the dead letter, and a replayable flag for whoever reads the table. The
 * contracts of dead letters are proven by the compliance kit ({@link JdbcStoreCompliance}).
 */
class JdbcDeadLettersTest {
    private static final URI QUEUE = URI.create("local://payments");
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static JdbcDeadLetters deadLettersOn(TestDatabase db) {
        AgateSchema.forUrl(db.url, SchemaNames.defaults()).apply(db.dataSource);
        Jdbc jdbc = new Jdbc(db.dataSource, Dialect.forUrl(db.url), SchemaNames.defaults(), db.toString(), null);
        return new JdbcDeadLetters(jdbc, new JdbcAudit(jdbc));
    }

    private static Envelope envelope(int n) {
        return Envelope.builder().messageType("Charge").destination(QUEUE)
                .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)).build();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aLongReasonAndExceptionTypeAreCutToTheirColumnsAndTheLetterIsKept(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcDeadLetters deadLetters = deadLettersOn(db);
            String reason = "r".repeat(1500);
            String type = "com.example." + "t".repeat(600);
            String message = "m".repeat(100_000);
            Envelope envelope = envelope(1);

            deadLetters.moveFromInbox(new DeadLetter(envelope, QUEUE, reason, type, message, "stack", 3, NOW), null, NOW.plusSeconds(60));

            DeadLetter found = deadLetters.find(envelope.id()).orElseThrow();
            assertThat(found.reason()).isEqualTo(reason.substring(0, 1000));
            assertThat(found.exceptionType()).isEqualTo(type.substring(0, 500));
            assertThat(found.exceptionMessage()).isEqualTo(message);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void theReplayableColumnSaysWhetherTheLetterHasAnEndpoint(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcDeadLetters deadLetters = deadLettersOn(db);
            deadLetters.moveFromInbox(new DeadLetter(envelope(1), QUEUE, "no handler", null, null, null, 0, NOW), null, NOW.plusSeconds(60));
            deadLetters.moveFromInbox(new DeadLetter(envelope(2), null, "cannot deserialize", null, null, null, 0, NOW), null, NOW.plusSeconds(60));

            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters WHERE replayable = " + (kind == TestDatabase.Kind.SQLITE ? "1" : "TRUE")))
                    .isEqualTo(1);
        }
    }
}
