package dev.agate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.EnvelopeEdit;
import dev.agate.jdbc.TestDatabase;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code agate dead-letters list|show|replay|delete|edit|audit} against dead letters moved there by the store, on each real database. */
class DeadLettersCommandTest {
    private static final URI OTHER = URI.create("local://refunds");
    private static final String STATE = "java.lang.IllegalStateException";
    private static final String TIMEOUT = "java.util.concurrent.TimeoutException";

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

    /**
     * Eight letters, a minute apart from two hours ago: Charge at 0, 2, 4, 6 and Refund at the odd ones; the first
     * three timed out, the rest declined; 6 and 7 failed at local://refunds.
     */
    private static List<DeadLetter> seedVaried(String url) {
        List<DeadLetter> letters = new ArrayList<>();
        Seed.into(url, store -> {
            for (int i = 0; i < 8; i++) {
                boolean timeout = i < 3;
                letters.add(Seed.deadLetter(store, Seed.envelope(i % 2 == 0 ? "Charge" : "Refund", i), i < 6 ? Seed.QUEUE : OTHER,
                        timeout ? TIMEOUT : STATE, timeout ? "Gateway TIMEOUT after 30 s" : "card declined",
                        Seed.NOW.minusSeconds(7200).plusSeconds(60L * i)));
            }
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

    /** The ids a table printed, in order. */
    private static List<String> ids(Cli.Result result) {
        return result.out().lines().skip(1).filter(line -> line.length() > 36 && line.charAt(8) == '-').map(line -> line.substring(0, 36)).toList();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void listShowsDeadLettersOldestFirstWithTheTotalAndUpToALimit(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> letters = seed(db.url);

            Cli.Result all = Cli.run("dead-letters", "list", "--db", db.url);
            assertThat(all.exitCode()).as(all.toString()).isZero();
            assertThat(all.out().lines().toList()).hasSize(5).first().asString().startsWith("ID").contains("REPLAYED", "REASON");
            assertThat(ids(all)).containsExactly(id(letters.get(0)), id(letters.get(1)), id(letters.get(2)));
            assertThat(all.out()).contains("local://payments", "java.lang.IllegalStateException").endsWith("3 of 3 dead letters\n");

            Cli.Result refunds = Cli.run("dead-letters", "list", "--type", "Refund", "--db", db.url);
            assertThat(ids(refunds)).containsExactly(id(letters.get(2)));
            assertThat(refunds.out()).endsWith("1 of 1 dead letters matching type=Refund\n");

            Cli.Result first = Cli.run("dead-letters", "list", "--limit", "1", "--json", "--db", db.url);
            JsonNode json = new ObjectMapper().readTree(first.out());
            assertThat(json.get("total").asLong()).isEqualTo(3);
            assertThat(json.get("nextCursor").asText()).isNotBlank();
            assertThat(json.get("deadLetters")).hasSize(1);
            assertThat(json.get("deadLetters").get(0).get("id").asText()).isEqualTo(id(letters.get(0)));
            assertThat(json.get("deadLetters").get(0).get("exceptionMessage").asText()).isEqualTo("card declined");
            assertThat(json.get("deadLetters").get(0).get("replayedAt").isNull()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void listFiltersByEveryCriterionAndPagesWithTheCursorItPrints(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> l = seedVaried(db.url);
            Cli.run("dead-letters", "replay", id(l.get(5)), "--yes", "--db", db.url);
            String at3 = l.get(3).failedAt().toString();

            assertThat(ids(Cli.run("dead-letters", "list", "--type", "Refund", "--db", db.url))).containsExactly(ids(l, 1, 3, 5, 7));
            assertThat(ids(Cli.run("dead-letters", "list", "--exception", TIMEOUT, "--db", db.url))).containsExactly(ids(l, 0, 1, 2));
            assertThat(ids(Cli.run("dead-letters", "list", "--message", "timeout", "--db", db.url))).containsExactly(ids(l, 0, 1, 2));
            assertThat(ids(Cli.run("dead-letters", "list", "--endpoint", OTHER.toString(), "--db", db.url))).containsExactly(ids(l, 6, 7));
            assertThat(ids(Cli.run("dead-letters", "list", "--since", at3, "--until", l.get(5).failedAt().toString(), "--db", db.url)))
                    .containsExactly(ids(l, 3, 4));
            assertThat(ids(Cli.run("dead-letters", "list", "--until", "7050s", "--db", db.url))).as("an age: failed over 7050 s ago")
                    .containsExactly(ids(l, 0, 1, 2));
            assertThat(ids(Cli.run("dead-letters", "list", "--replayed", "--db", db.url))).containsExactly(ids(l, 5));
            assertThat(ids(Cli.run("dead-letters", "list", "--replayed=false", "--type", "Refund", "--db", db.url))).containsExactly(ids(l, 1, 3, 7));
            assertThat(Cli.run("dead-letters", "list", "--type", "Nothing", "--db", db.url).out()).isEqualTo("no dead letters match type=Nothing\n");

            List<String> paged = new ArrayList<>();
            Cli.Result page = Cli.run("dead-letters", "list", "--newest-first", "--limit", "3", "--db", db.url);
            while (true) {
                paged.addAll(ids(page));
                String last = page.out().lines().reduce((a, b) -> b).orElseThrow();
                assertThat(last).startsWith(ids(page).size() + " of 8 dead letters");
                if (!last.contains("--cursor ")) {
                    break;
                }
                page = Cli.run("dead-letters", "list", "--limit", "3", "--cursor", last.substring(last.indexOf("--cursor ") + 9), "--db", db.url);
            }
            assertThat(paged).containsExactly(ids(l, 7, 6, 5, 4, 3, 2, 1, 0));

            Cli.Result badCursor = Cli.run("dead-letters", "list", "--cursor", "nope", "--db", db.url);
            assertThat(badCursor.exitCode()).isEqualTo(2);
            assertThat(badCursor.err()).contains("is not a page cursor");
            Cli.Result badTime = Cli.run("dead-letters", "list", "--since", "yesterday", "--db", db.url);
            assertThat(badTime.exitCode()).isEqualTo(2);
            assertThat(badTime.err()).contains("--since 'yesterday' is not a time");
        }
    }

    private static String[] ids(List<DeadLetter> letters, int... which) {
        String[] ids = new String[which.length];
        for (int i = 0; i < which.length; i++) {
            ids[i] = id(letters.get(which[i]));
        }
        return ids;
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
                    .containsPattern("(?m)^replayed: +-$")
                    .containsPattern("(?m)^correlation id: +order-1$")
                    .containsPattern("(?m)^headers:\n  tenant: acme$")
                    .contains("{\"n\":1}")
                    .contains("at dev.example.Payments.charge(Payments.java:42)");

            Cli.run("dead-letters", "replay", id(letter), "--yes", "--actor", "alice", "--db", db.url);
            assertThat(Cli.run("dead-letters", "show", id(letter), "--db", db.url).out()).containsPattern("(?m)^replayed: +\\S+Z by alice$");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void replayPutsTheSelectedDeadLettersBackOnceAndKeepsThemMarked(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> letters = seed(db.url);

            Cli.Result one = Cli.run("dead-letters", "replay", id(letters.get(2)), "--yes", "--db", db.url);
            assertThat(one.exitCode()).as(one.toString()).isZero();
            assertThat(one.out()).isEqualTo("replayed 1 dead letter into the inbox\n");
            assertThat(incoming(db.url)).isEqualTo(1);

            Cli.Result again = Cli.run("dead-letters", "replay", id(letters.get(2)), "--yes", "--db", db.url);
            assertThat(again.exitCode()).isZero();
            assertThat(again.out()).isEqualTo("nothing to replay: the 1 dead letter matching ids=" + id(letters.get(2)) + " was replayed already\n");

            Cli.Result charges = Cli.run("dead-letters", "replay", "--type", "Charge", "--yes", "--db", db.url);
            assertThat(charges.out()).isEqualTo("replayed 2 dead letters into the inbox\n");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters WHERE replayed_at IS NOT NULL")).isEqualTo(3);
            assertThat(incoming(db.url)).isEqualTo(3);

            Cli.Result none = Cli.run("dead-letters", "replay", "--all", "--yes", "--db", db.url);
            assertThat(none.exitCode()).isZero();
            assertThat(none.out()).isEqualTo("nothing to replay: the 3 dead letters were replayed already\n");
        }
    }

    @Test
    void replayAndDeleteAskForTheExactCountAndRefuseWithoutATerminalOrAYes() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            seedVaried(db.url);

            Cli.ScriptedTerminal declined = new Cli.ScriptedTerminal("n");
            Cli.Result no = Cli.runAt(declined, "", "dead-letters", "replay", "--type", "Charge", "--message", "declined", "--db", db.url);
            assertThat(no.exitCode()).isEqualTo(1);
            assertThat(no.err()).isEqualTo("agate: error: not confirmed: nothing changed\n");
            assertThat(declined.questions).containsExactly(
                    "Replay 2 dead letters matching type=Charge message~='declined' into the inbox? [y/N] ");

            Cli.Result script = Cli.run("dead-letters", "delete", "--exception", TIMEOUT, "--db", db.url);
            assertThat(script.exitCode()).isEqualTo(2);
            assertThat(script.err()).containsOnlyOnce("\n").contains("refusing to delete 3 dead letters matching exception=" + TIMEOUT
                    + " for good without a confirmation", "add --yes");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isEqualTo(8);
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters WHERE replayed_at IS NOT NULL")).isZero();

            Cli.ScriptedTerminal accepted = new Cli.ScriptedTerminal("y");
            Cli.Result yes = Cli.runAt(accepted, "", "dead-letters", "delete", "--exception", TIMEOUT, "--db", db.url);
            assertThat(yes.exitCode()).as(yes.toString()).isZero();
            assertThat(yes.out()).isEqualTo("deleted 3 dead letters\n");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters WHERE exception_type = '" + TIMEOUT + "'")).isZero();
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).as("only the matching ones").isEqualTo(5);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void deleteRemovesTheSelectedDeadLettersAndPurgeIsItsOldName(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> letters = seed(db.url);

            assertThat(Cli.run("dead-letters", "delete", id(letters.get(0)), "--yes", "--db", db.url).out()).isEqualTo("deleted 1 dead letter\n");
            assertThat(Cli.run("dead-letters", "purge", "--type", "Refund", "--yes", "--db", db.url).out()).isEqualTo("deleted 1 dead letter\n");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isEqualTo(1);
            assertThat(Cli.run("dead-letters", "delete", "--all", "--yes", "--db", db.url).out()).isEqualTo("deleted 1 dead letter\n");
            assertThat(Cli.run("dead-letters", "delete", "--all", "--yes", "--db", db.url).out()).isEqualTo("nothing to delete: no dead letters\n");
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isZero();
            assertThat(incoming(db.url)).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void editReplaysANewEnvelopeWithTheNewBodyAndHeadersOnce(TestDatabase.Kind kind, @TempDir Path dir) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> letters = seed(db.url);
            Path body = Files.writeString(dir.resolve("fixed.json"), "{\"n\":1,\"fixed\":true}");

            Cli.Result edited = Cli.run("dead-letters", "edit", id(letters.get(0)), "--body", body.toString(), "--header", "tenant=globex",
                    "--remove-header", "nothing", "--actor", "alice", "--db", db.url);

            assertThat(edited.exitCode()).as(edited.toString()).isZero();
            assertThat(edited.out()).startsWith("replayed " + id(letters.get(0)) + " edited (body (20 bytes), set tenant, removed nothing) as ")
                    .endsWith(" to local://payments\n");
            AtomicReference<Envelope> back = new AtomicReference<>();
            Seed.into(db.url, store -> back.set(store.inbox().claimIncoming(Seed.QUEUE, 1, 10).get(0)));
            assertThat(new String(back.get().body(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1,\"fixed\":true}");
            assertThat(back.get().headers()).containsEntry("tenant", "globex").containsEntry(EnvelopeEdit.REPLACES_HEADER, id(letters.get(0)));
            assertThat(edited.out()).contains(" as " + back.get().id() + " ");

            Cli.Result twice = Cli.runAt(Cli.NO_TERMINAL, "{\"n\":1}", "dead-letters", "edit", id(letters.get(0)), "--body", "-", "--db", db.url);
            assertThat(twice.exitCode()).isZero();
            assertThat(twice.out()).isEqualTo("dead letter " + id(letters.get(0)) + " was replayed already, as " + back.get().id() + ": nothing replayed\n");

            Cli.Result fromStdin = Cli.runAt(Cli.NO_TERMINAL, "{\"n\":2,\"fixed\":true}", "dead-letters", "edit", id(letters.get(1)), "--body", "-",
                    "--db", db.url);
            assertThat(fromStdin.exitCode()).as(fromStdin.toString()).isZero();
            assertThat(incoming(db.url)).as("the first, claimed above, and this one").isEqualTo(2);
            Seed.into(db.url, store -> assertThat(new String(store.inbox().claimIncoming(Seed.QUEUE, 1, 10).get(0).body(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"n\":2,\"fixed\":true}"));

            Cli.Result nothing = Cli.run("dead-letters", "edit", id(letters.get(2)), "--db", db.url);
            assertThat(nothing.exitCode()).isEqualTo(2);
            assertThat(nothing.err()).contains("say what to change");
            Cli.Result missing = Cli.run("dead-letters", "edit", id(letters.get(2)), "--body", dir.resolve("missing.json").toString(), "--db", db.url);
            assertThat(missing.exitCode()).isEqualTo(2);
            assertThat(missing.err()).contains("cannot read the body from");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void auditListsEveryActionNewestFirstWithWhoAndHowMany(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<DeadLetter> letters = seed(db.url);
            Cli.run("dead-letters", "replay", "--type", "Charge", "--yes", "--actor", "alice", "--db", db.url);
            Cli.run("dead-letters", "delete", id(letters.get(2)), "--yes", "--actor", "bob", "--db", db.url);

            Cli.Result audit = Cli.run("dead-letters", "audit", "--db", db.url);

            assertThat(audit.exitCode()).as(audit.toString()).isZero();
            List<String> lines = audit.out().lines().toList();
            assertThat(lines.get(0)).startsWith("AT").contains("ACTOR", "ACTION", "TOUCHED", "SELECTION");
            assertThat(lines.get(1)).contains("bob", "dead-letters delete", "ids=" + id(letters.get(2)));
            assertThat(lines.get(2)).contains("alice", "dead-letters replay", "2 ", "type=Charge");
            assertThat(lines.get(3)).isEqualTo("2 of 2 audit entries");
            JsonNode json = new ObjectMapper().readTree(Cli.run("dead-letters", "audit", "--json", "--limit", "1", "--db", db.url).out());
            assertThat(json.get("total").asLong()).isEqualTo(2);
            assertThat(json.get("entries").get(0).get("actor").asText()).isEqualTo("bob");
            assertThat(json.get("entries").get(0).get("touched").asInt()).isEqualTo(1);
        }
    }

    @Test
    void actionsRefuseToRunWithoutASelectionOrWithAllAndMore() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            List<DeadLetter> letters = seed(db.url);

            for (String command : List.of("replay", "delete", "purge")) {
                Cli.Result none = Cli.run("dead-letters", command, "--yes", "--db", db.url);
                assertThat(none.exitCode()).as(none.toString()).isEqualTo(2);
                assertThat(none.err()).containsOnlyOnce("\n").contains("name the dead letters to ", "ID..., filters (--type", "or --all");
                Cli.Result two = Cli.run("dead-letters", command, id(letters.get(0)), "--all", "--yes", "--db", db.url);
                assertThat(two.exitCode()).as(two.toString()).isEqualTo(2);
                assertThat(two.err()).containsOnlyOnce("\n").contains("--all selects every dead letter: give it alone");
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isEqualTo(3);
        }
    }

    @Test
    void anUnknownIdIsAFailureAndAMalformedOneAUsageError() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            seed(db.url);
            String unknown = UUID.randomUUID().toString();

            for (List<String> command : List.of(List.of("show"), List.of("replay", "--yes"), List.of("delete", "--yes"),
                    List.of("edit", "--header", "a=b"))) {
                List<String> args = new ArrayList<>(List.of("dead-letters", command.get(0), unknown));
                args.addAll(command.subList(1, command.size()));
                args.addAll(List.of("--db", db.url));
                Cli.Result missing = Cli.run(args.toArray(String[]::new));
                assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
                assertThat(missing.err()).isEqualTo("agate: error: no dead letter with id " + unknown + " on SQLite file "
                        + db.url.substring("jdbc:sqlite:".length()) + "\n");
                args.set(2, "42");
                Cli.Result malformed = Cli.run(args.toArray(String[]::new));
                assertThat(malformed.exitCode()).isEqualTo(2);
                assertThat(malformed.err()).containsOnlyOnce("\n").contains("'42' is not a dead letter id");
            }
            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_dead_letters")).isEqualTo(3);
        }
    }
}
