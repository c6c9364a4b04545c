package dev.agate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agate.Envelope;
import dev.agate.jdbc.TestDatabase;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code agate storage counts|release} against rows written by the store itself, on each real database. */
class StorageCommandTest {

    /**
     * Two incoming owned by a node and one unowned, one scheduled, one handled, one outgoing owned, one dead letter
     * (whose id is kept like a handled one's: two handled rows).
     */
    private static int seed(String url) {
        AtomicInteger node = new AtomicInteger();
        Seed.into(url, store -> {
            node.set(store.nodes().register("billing", "test node"));
            store.inbox().store(null, Seed.QUEUE, List.of(Seed.envelope("Charge", 1), Seed.envelope("Charge", 2)), node.get(), Seed.NOW);
            store.inbox().store(null, Seed.QUEUE, List.of(Seed.envelope("Charge", 3)), 0, Seed.NOW);
            Envelope later = Seed.envelope("Reminder", 4).withScheduledTime(Seed.NOW.plus(Duration.ofHours(1)));
            store.inbox().store(null, Seed.QUEUE, List.of(later), 0, Seed.NOW);
            Envelope done = Seed.envelope("Charge", 5);
            store.inbox().store(null, Seed.QUEUE, List.of(done), node.get(), Seed.NOW);
            store.inbox().markHandled(null, List.of(done.id()), node.get(), Seed.NOW.plus(Duration.ofDays(1)));
            Envelope out = Seed.envelope("Receipt", 6).withDestination(URI.create("tcp://127.0.0.1:2201"));
            store.outbox().store(null, List.of(out), node.get());
            Seed.deadLetter(store, Seed.envelope("Charge", 7));
        });
        return node.get();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void countsShowsEachStateAndTheOwnersAsATable(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            int node = seed(db.url);

            Cli.Result result = Cli.run("storage", "counts", "--db", db.url);

            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).containsPattern("(?m)^incoming +3$").containsPattern("(?m)^scheduled +1$")
                    .containsPattern("(?m)^handled +2$").containsPattern("(?m)^outgoing +1$")
                    .containsPattern("(?m)^dead letters +1$")
                    .containsPattern("(?m)^incoming by owner\n  0 \\(any node\\) +1\n  node " + node + " +2$")
                    .containsPattern("(?m)^outgoing by owner\n  node " + node + " +1$");
            assertThat(result.err()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void countsAsJsonAndReleaseHandsEveryOwnedEnvelopeBackToAnyNode(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            int node = seed(db.url);
            JsonNode before = json(Cli.run("storage", "counts", "--json", "--db", db.url));
            assertThat(before.get("incoming").asLong()).isEqualTo(3);
            assertThat(before.get("deadLetters").asLong()).isEqualTo(1);
            assertThat(before.get("incomingByOwner").get(String.valueOf(node)).asLong()).isEqualTo(2);

            Cli.Result released = Cli.run("storage", "release", "--db", db.url);

            assertThat(released.exitCode()).as(released.toString()).isZero();
            assertThat(released.out()).isEqualTo("released 3 envelopes to any node (owner 0)\n");
            JsonNode after = json(Cli.run("storage", "counts", "--json", "--db", db.url));
            assertThat(after.get("incomingByOwner").toString()).isEqualTo("{\"0\":3}");
            assertThat(after.get("outgoingByOwner").toString()).isEqualTo("{\"0\":1}");
            assertThat(after.get("handled").asLong()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void nodesListsEachNodeWithTheAgeOfItsLeaseAndTheLeader(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            int node = seed(db.url);
            assertThat(Cli.run("storage", "nodes", "--db", db.url).out()).contains("leader: nobody has led yet");
            Seed.into(db.url, store -> store.nodes().lead(node, Duration.ofMinutes(1)));

            Cli.Result result = Cli.run("storage", "nodes", "--db", db.url);

            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).containsPattern("(?m)^" + node + " +\\d+ ms +test node$").doesNotContain("(no node")
                    .containsPattern("(?m)^leader: node " + node + ", term 1, lease runs \\d+ ms more$");
            assertThat(result.err()).isEmpty();
        }
    }

    private static JsonNode json(Cli.Result result) throws Exception {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return new ObjectMapper().readTree(result.out());
    }
}
