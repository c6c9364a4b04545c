package dev.agate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agate.Envelope;
import dev.agate.jdbc.TestDatabase;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code agate scheduled list|cancel|reschedule} against envelopes the store scheduled, on each real database. */
class ScheduledCommandTest {
    private static final URI REMINDERS = URI.create("local://reminders");

    /**
     * Six envelopes due an hour from now and later, a minute apart: Reminder at 0, 2, 4 and Invoice at the odd ones;
     * 4 and 5 go to local://reminders, the rest to local://payments.
     */
    private static List<Envelope> seed(String url) {
        List<Envelope> envelopes = new ArrayList<>();
        Seed.into(url, store -> {
            for (int i = 0; i < 6; i++) {
                Envelope e = Seed.envelope(i % 2 == 0 ? "Reminder" : "Invoice", i).withScheduledTime(Seed.NOW.plus(Duration.ofHours(1)).plusSeconds(60L * i));
                store.inbox().store(null, i < 4 ? Seed.QUEUE : REMINDERS, List.of(e), 0, Seed.NOW);
                envelopes.add(e);
            }
        });
        return envelopes;
    }

    private static List<String> ids(Cli.Result result) {
        return result.out().lines().skip(1).filter(line -> line.length() > 36 && line.charAt(8) == '-').map(line -> line.substring(0, 36)).toList();
    }

    private static String[] ids(List<Envelope> envelopes, int... which) {
        String[] ids = new String[which.length];
        for (int i = 0; i < which.length; i++) {
            ids[i] = envelopes.get(which[i]).id().toString();
        }
        return ids;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void listShowsScheduledMessagesSoonestFirstByFiltersWithTheTotalAndACursor(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<Envelope> e = seed(db.url);

            Cli.Result all = Cli.run("scheduled", "list", "--db", db.url);
            assertThat(all.exitCode()).as(all.toString()).isZero();
            assertThat(all.out().lines().findFirst().orElseThrow()).startsWith("ID").contains("DUE AT", "TYPE", "ENDPOINT");
            assertThat(ids(all)).containsExactly(ids(e, 0, 1, 2, 3, 4, 5));
            assertThat(all.out()).endsWith("6 of 6 scheduled messages\n");

            assertThat(ids(Cli.run("scheduled", "list", "--type", "Invoice", "--db", db.url))).containsExactly(ids(e, 1, 3, 5));
            assertThat(ids(Cli.run("scheduled", "list", "--endpoint", REMINDERS.toString(), "--db", db.url))).containsExactly(ids(e, 4, 5));
            assertThat(ids(Cli.run("scheduled", "list", "--due-since", e.get(2).scheduledTime().toString(), "--due-until",
                    e.get(4).scheduledTime().toString(), "--db", db.url))).containsExactly(ids(e, 2, 3));
            assertThat(ids(Cli.run("scheduled", "list", "--due-until", "+3690s", "--db", db.url))).as("+DURATION: from now").containsExactly(ids(e, 0, 1));

            Cli.Result first = Cli.run("scheduled", "list", "--limit", "4", "--json", "--db", db.url);
            JsonNode json = new ObjectMapper().readTree(first.out());
            assertThat(json.get("total").asLong()).isEqualTo(6);
            assertThat(json.get("scheduled")).hasSize(4);
            Cli.Result rest = Cli.run("scheduled", "list", "--limit", "4", "--cursor", json.get("nextCursor").asText(), "--db", db.url);
            assertThat(ids(rest)).containsExactly(ids(e, 4, 5));
            assertThat(rest.out()).endsWith("2 of 6 scheduled messages\n");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void cancelAndRescheduleChangeExactlyTheSelectedMessages(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            List<Envelope> e = seed(db.url);

            Cli.Result cancelled = Cli.run("scheduled", "cancel", "--type", "Invoice", "--endpoint", Seed.QUEUE.toString(), "--yes", "--db", db.url);
            assertThat(cancelled.exitCode()).as(cancelled.toString()).isZero();
            assertThat(cancelled.out()).isEqualTo("cancelled 2 scheduled messages\n");
            assertThat(ids(Cli.run("scheduled", "list", "--db", db.url))).containsExactly(ids(e, 0, 2, 4, 5));

            Cli.Result now = Cli.run("scheduled", "reschedule", ids(e, 0)[0], ids(e, 4)[0], "--now", "--yes", "--db", db.url);
            assertThat(now.exitCode()).as(now.toString()).isZero();
            assertThat(now.out()).startsWith("rescheduled 2 scheduled messages to ");
            AtomicReference<List<UUID>> due = new AtomicReference<>();
            Seed.into(db.url, store -> due.set(store.inbox().claimDueScheduled(Instant.now(), 1, 10).stream().map(Envelope::id).toList()));
            assertThat(due.get()).containsExactlyInAnyOrder(e.get(0).id(), e.get(4).id());

            Instant at = Instant.parse("2031-01-01T00:00:00Z");
            Cli.Result later = Cli.run("scheduled", "reschedule", "--all", "--at", at.toString(), "--yes", "--db", db.url);
            assertThat(later.out()).isEqualTo("rescheduled 2 scheduled messages to " + at + "\n");
            Cli.Result again = Cli.run("scheduled", "reschedule", "--all", "--at", at.toString(), "--yes", "--db", db.url);
            assertThat(again.out()).isEqualTo("rescheduled 0 scheduled messages to " + at + "; skipped 2 due then already\n");
            assertThat(Cli.run("scheduled", "list", "--db", db.url).out()).contains(at.toString()).endsWith("2 of 2 scheduled messages\n");

            Cli.Result audit = Cli.run("dead-letters", "audit", "--db", db.url);
            assertThat(audit.out().lines().skip(1).limit(4).toList()).satisfiesExactly(
                    line -> assertThat(line).contains("scheduled reschedule", "all", "(to " + at + ")"),
                    line -> assertThat(line).contains("scheduled reschedule", "all", "(to " + at + ")"),
                    line -> assertThat(line).contains("scheduled reschedule", "ids="),
                    line -> assertThat(line).contains("scheduled cancel", "type=Invoice endpoint=local://payments"));
        }
    }

    @Test
    void actionsConfirmTheCountAndRefuseWithoutASelectionATimeOrATerminal() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            List<Envelope> e = seed(db.url);

            Cli.ScriptedTerminal terminal = new Cli.ScriptedTerminal("yes");
            Cli.Result cancelled = Cli.runAt(terminal, "", "scheduled", "cancel", "--type", "Reminder", "--db", db.url);
            assertThat(cancelled.exitCode()).as(cancelled.toString()).isZero();
            assertThat(terminal.questions).containsExactly("Cancel 3 scheduled messages matching type=Reminder? [y/N] ");

            Cli.Result script = Cli.run("scheduled", "reschedule", "--all", "--now", "--db", db.url);
            assertThat(script.exitCode()).isEqualTo(2);
            assertThat(script.err()).contains("refusing to reschedule 3 scheduled messages to ", "add --yes");

            Cli.Result noTime = Cli.run("scheduled", "reschedule", "--all", "--yes", "--db", db.url);
            assertThat(noTime.exitCode()).isEqualTo(2);
            assertThat(noTime.err()).containsOnlyOnce("\n").contains("--at=WHEN", "--now");
            Cli.Result badTime = Cli.run("scheduled", "reschedule", "--all", "--at", "tomorrow", "--yes", "--db", db.url);
            assertThat(badTime.exitCode()).isEqualTo(2);
            assertThat(badTime.err()).contains("--at 'tomorrow' is not a time");
            Cli.Result none = Cli.run("scheduled", "cancel", "--yes", "--db", db.url);
            assertThat(none.exitCode()).isEqualTo(2);
            assertThat(none.err()).contains("name the scheduled messages to cancel");
            Cli.Result gone = Cli.run("scheduled", "cancel", e.get(0).id().toString(), "--yes", "--db", db.url);
            assertThat(gone.exitCode()).as("cancelled above").isEqualTo(1);
            assertThat(gone.err()).contains("no scheduled message with id " + e.get(0).id(), "fired or cancelled already?");
            assertThat(ids(Cli.run("scheduled", "list", "--db", db.url))).containsExactly(ids(e, 1, 3, 5));
        }
    }
}
