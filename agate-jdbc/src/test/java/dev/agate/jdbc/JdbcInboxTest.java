package dev.agate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agate.Envelope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What only the JDBC inbox has: batches larger than one statement's id list ({@link Jdbc#MAX_IDS}) are
 * split, and each chunk still finds its duplicates and changes its rows. The inbox's contracts are
 * proven by the compliance kit ({@link JdbcStoreCompliance}).
 */
class JdbcInboxTest {
    private static final URI QUEUE = URI.create("local://orders");
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static JdbcInbox inboxOn(TestDatabase db) {
        AgateSchema.forUrl(db.url, SchemaNames.defaults()).apply(db.dataSource);
        return new JdbcInbox(new Jdbc(db.dataSource, Dialect.forUrl(db.url), SchemaNames.defaults(), db.toString(), null));
    }

    private static List<Envelope> envelopes(int count) {
        List<Envelope> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(Envelope.builder().messageType("OrderPlaced").destination(QUEUE)
                    .body(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)).build());
        }
        return list;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void batchesLongerThanOneStatementAreSplitAndEveryChunkFindsItsDuplicates(TestDatabase.Kind kind) throws Exception {
        int size = Jdbc.MAX_IDS * 2 + 100;
        try (TestDatabase db = TestDatabase.create(kind)) {
            JdbcInbox inbox = inboxOn(db);
            List<Envelope> first = envelopes(size);
            List<Envelope> everyOther = new ArrayList<>();
            for (int i = 0; i < size; i += 2) {
                everyOther.add(first.get(i));
            }
            inbox.store(null, QUEUE, everyOther, 1, NOW);

            assertThat(inbox.store(null, QUEUE, first, 1, NOW)).containsExactlyInAnyOrderElementsOf(everyOther.stream().map(Envelope::id).toList());
            inbox.markHandled(null, first.stream().map(Envelope::id).toList(), 1, NOW.plusSeconds(60));

            assertThat(db.queryLong("SELECT COUNT(*) FROM agate_incoming_envelopes WHERE status = 'Handled'")).isEqualTo(size);
            assertThat(inbox.deleteExpiredHandled(NOW.plusSeconds(120), size)).isEqualTo(size);
        }
    }
}
