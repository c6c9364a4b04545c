package dev.agate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agate.DeadLetter;
import dev.agate.jdbc.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code agate dead-letters list|show|replay|purge} against dead letters moved there by the store, on each real database. */
class DeadLettersCommandTest {

    /** Charge 1, Charge 2 and Refund 3, dead-lettered in that order. */
    private static List<DeadLetter> seed(String url) {
        List<DeadLetter> letters = new ArrayList<>();
        Seed.into(url, store -> {
            letters.add(Seed.deadLetter(store, Seed.envelope("Charge", 1)));
            letters.add(Seed.deadLetter(store, Seed.envelope("Charge", 2)));
            letters.add(Seed.deadLetter(store, Seed.envelope("Refund", 3)));
        });
        return letters;
    }

    private static long incoming(String url) {
        AtomicLong incoming = new AtomicLong();
        Seed.into(url, store -> incoming.set(store.admin().counts().incoming()));
        return incoming.get();
    }

    private static String id(DeadLetter letter) {
        return letter.id().toString();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void listShowsDeadLettersOldestFirstByTypeAndUpToALimit(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> letters = seed(db.url);

            Cli.Result all = Cli.run("dead-letters", "list", "--db", db.url);
            assertThat(all.exitCode()).as(all.toString()).isZero();
            assertThat(all.out().lines().toList()).hasSize(4).first().asString().startsWith("ID").contains("REASON");
            assertThat(all.out().lines().skip(1).map(line -> line.substring(0, 36)).toList())
                    .containsExactly(id(letters.get(0)), id(letters.get(1)), id(letters.get(2)));
            assertThat(all.out()).contains("local://payments", "java.lang.IllegalStateException");

            Cli.Result refunds = Cli.run("dead-letters", "list", "--type", "Refund", "--db", db.url);
            assertThat(refunds.out().lines().skip(1).toList()).singleElement().asString().startsWith(id(letters.get(2)));

            Cli.Result first = Cli.run("dead-letters", "list", "--limit", "1", "--json", "--db", db.url);
            JsonNode json = new ObjectMapper().readTree(first.out());
            assertThat(json).hasSize(1);
            assertThat(json.get(0).get("id").asText()).isEqualTo(id(letters.get(0)));
            assertThat(json.get(0).get("exceptionMessage").asText()).isEqualTo("card declined");
        }
    }

    @Test
    void listSaysSoWhenThereAreNone() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            Seed.into(db.url, store -> { });

            Cli.Result result = Cli.run("dead-letters", "list", "--db", db.url);

            assertThat(result.exitCode()).isZero();
            assertThat(result.out()).isEqualTo("no dead letters\n");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void showPrintsWhyItFailedTheStackTraceAndTheEnvelope(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            DeadLetter letter = seed(db.url).get(0);

            Cli.Result result = Cli.run("dead-letters", "show", id(letter), "--db", db.url);

            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).containsPattern("(?m)^id: +" + id(letter) + "$")
                    .containsPattern("(?m)^message type: +Charge$")
                    .containsPattern("(?m)^endpoint: +local://payments$")
                    .containsPattern("(?m)^reason: +java.lang.IllegalStateException$")
                    .containsPattern("(?m)^exception type: +java.lang.IllegalStateException$")
                    .containsPattern("(?m)^exception message: +card declined$")
                    .containsPattern("(?m)^attempts: +3$")
                    .containsPattern("(?m)^failed at: +" + Seed.NOW + "$")
                    .containsPattern("(?m)^correlation id: +order-1$")
                    .containsPattern("(?m)^headers:\n  tenant: acme$")
                    .contains("{\"n\":1}")
                    .contains("at dev.example.Payments.charge(Payments.java:42)");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void replayMovesTheSelectedDeadLettersBackIntoTheInbox(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> letters = seed(db.url);

            Cli.Result one = Cli.run("dead-letters", "replay", id(letters.get(2)), "--db", db.url);
            assertThat(one.exitCode()).as(one.toString()).isZero();
            assertThat(one.out()).endsWith("replayed 1 dead letter into the inbox\n");
            assertThat(incoming(db.url)).isEqualTo(1);

            Cli.Result charges = Cli.run("dead-letters", "replay", "--type", "Charge", "--db", db.url);
            assertThat(charges.out()).contains(id(letters.get(0)), id(letters.get(1))).endsWith("replayed 2 dead letters into the inbox\n");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isZero();
            assertThat(incoming(db.url)).isEqualTo(3);

            Cli.Result none = Cli.run("dead-letters", "replay", "--all", "--db", db.url);
            assertThat(none.exitCode()).isZero();
            assertThat(none.out()).isEqualTo("replayed 0 dead letters into the inbox\n");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void purgeDeletesTheSelectedDeadLetters(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> letters = seed(db.url);

            assertThat(Cli.run("dead-letters", "purge", id(letters.get(0)), "--db", db.url).out()).isEqualTo("purged 1 dead letter\n");
            assertThat(Cli.run("dead-letters", "purge", "--type", "Refund", "--db", db.url).out()).isEqualTo("purged 1 dead letter\n");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isEqualTo(1);
            assertThat(Cli.run("dead-letters", "purge", "--all", "--db", db.url).out()).isEqualTo("purged 1 dead letter\n");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isZero();
            assertThat(incoming(db.url)).isZero();
        }
    }

    @Test
    void replayAndPurgeRefuseToRunWithoutASelectorOrWithTwo() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            List<DeadLetter> letters = seed(db.url);

            for (String command : List.of("replay", "purge")) {
                Cli.Result none = Cli.run("dead-letters", command, "--db", db.url);
                assertThat(none.exitCode()).as(none.toString()).isEqualTo(2);
                assertThat(none.err()).containsOnlyOnce("\n").contains("(ID | --type=TYPE | --all)");
                Cli.Result two = Cli.run("dead-letters", command, id(letters.get(0)), "--all", "--db", db.url);
                assertThat(two.exitCode()).as(two.toString()).isEqualTo(2);
                assertThat(two.err()).containsOnlyOnce("\n").contains("mutually exclusive");
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isEqualTo(3);
        }
    }

    @Test
    void anUnknownIdIsAFailureAndAMalformedOneAUsageError() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            seed(db.url);
            String unknown = UUID.randomUUID().toString();

            for (String command : List.of("show", "replay", "purge")) {
                Cli.Result missing = Cli.run("dead-letters", command, unknown, "--db", db.url);
                assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
                assertThat(missing.err()).isEqualTo("agate: error: no dead letter with id " + unknown + " on SQLite file "
                        + db.url.substring("jdbc:sqlite:".length()) + "\n");
                Cli.Result malformed = Cli.run("dead-letters", command, "42", "--db", db.url);
                assertThat(malformed.exitCode()).isEqualTo(2);
                assertThat(malformed.err()).containsOnlyOnce("\n").contains("'42' is not a dead letter id");
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isEqualTo(3);
        }
    }
}
