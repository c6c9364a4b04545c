package dev.agate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The value types of the operator's API: pages and cursors, filters, edits; and the clear errors bad input gets. */
class OperatorTypesTest {
    private static final Instant T = Instant.parse("2025-06-01T10:15:02.114567891Z");
    private static final URI QUEUE = URI.create("local://payments");

    @Test
    void aCursorCarriesThePositionToTheNanosecondAndTheOrder() {
        PageRequest.Position p = new PageRequest.Position(T, UUID.fromString("ffffffff-0000-7000-8000-000000000001"));

        PageRequest oldest = PageRequest.after(PageRequest.first(10).cursorAfter(p), 25);
        PageRequest newest = PageRequest.after(PageRequest.newestFirst(10).cursorAfter(p), 25);

        assertThat(oldest.after()).isEqualTo(p);
        assertThat(oldest.isNewestFirst()).isFalse();
        assertThat(oldest.limit()).isEqualTo(25);
        assertThat(newest.isNewestFirst()).isTrue();
        assertThat(PageRequest.first(10).cursorAfter(p)).doesNotContain("=", "+", "/");
    }

    @Test
    void aBadCursorOrLimitIsRefusedWithWhatToDo() {
        for (String bad : List.of("", "nope", "cDE6YQ", "!!!")) {
            assertThatThrownBy(() -> PageRequest.after(bad, 10)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a page cursor").hasMessageContaining("unchanged");
        }
        String good = PageRequest.first(1).cursorAfter(new PageRequest.Position(T, UUID.randomUUID()));
        assertThatThrownBy(() -> PageRequest.after(good, 0)).hasMessage("a page holds 1 to 10000 items, not 0");
        assertThatThrownBy(() -> PageRequest.first(PageRequest.MAX_LIMIT + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void idsAreOrderedAsTheirTextIsUnsignedAsEveryStoreOrdersThem() {
        UUID low = UUID.fromString("7fffffff-ffff-7fff-bfff-ffffffffffff");
        UUID high = UUID.fromString("80000000-0000-7000-8000-000000000000"); // negative as a signed long
        assertThat(new PageRequest.Position(T, low)).isLessThan(new PageRequest.Position(T, high));
        assertThat(low.toString()).isLessThan(high.toString());
        assertThat(new PageRequest.Position(T, high)).isLessThan(new PageRequest.Position(T.plusNanos(1), low));
    }

    @Test
    void slicingPagesThroughEveryItemOnceInEitherOrder() {
        List<PageRequest.Position> items = new ArrayList<>();
        IntStream.range(0, 23).forEach(i -> items.add(new PageRequest.Position(T.plusMillis(i / 4), UUID.randomUUID())));
        Collections.shuffle(items);
        for (PageRequest first : List.of(PageRequest.first(5), PageRequest.newestFirst(5))) {
            List<PageRequest.Position> seen = new ArrayList<>();
            Page<PageRequest.Position> page = first.slice(items, p -> p);
            seen.addAll(page.items());
            while (page.hasNext()) {
                assertThat(page.total()).isEqualTo(23);
                page = PageRequest.after(page.nextCursor(), 5).slice(items, p -> p);
                seen.addAll(page.items());
            }
            List<PageRequest.Position> sorted = new ArrayList<>(items);
            sorted.sort(first.order());
            assertThat(seen).containsExactlyElementsOf(sorted);
        }
    }

    @Test
    void aFilterMatchesWhatItSaysAndNullMatchesAny() {
        DeadLetter letter = new DeadLetter(Envelope.builder().messageType("Charge").body(new byte[] {1}).build(), QUEUE,
                "java.lang.IllegalStateException", "java.lang.IllegalStateException", "Karte ABGELEHNT: 100% sicher", null, 3, T);

        assertThat(DeadLetterFilter.all().matches(letter)).isTrue();
        assertThat(DeadLetterFilter.builder().exceptionMessage("abgelehnt").build().matches(letter)).isTrue();
        assertThat(DeadLetterFilter.builder().exceptionMessage("100%").build().matches(letter)).isTrue();
        assertThat(DeadLetterFilter.builder().exceptionMessage("200%").build().matches(letter)).isFalse();
        assertThat(DeadLetterFilter.builder().since(T).until(T.plusNanos(1)).build().matches(letter)).as("since inclusive").isTrue();
        assertThat(DeadLetterFilter.builder().until(T).build().matches(letter)).as("until exclusive").isFalse();
        assertThat(DeadLetterFilter.builder().replayed(false).build().matches(letter)).isTrue();
        assertThat(DeadLetterFilter.builder().replayed(true).build().matches(letter.replayed(new DeadLetter.Replay(T, "ops", letter.id())))).isTrue();
        assertThat(DeadLetterFilter.builder().endpoint(URI.create("local://other")).build().matches(letter)).isFalse();
        assertThat(DeadLetterFilter.ids(UUID.randomUUID()).matches(letter)).isFalse();
        DeadLetter noException = new DeadLetter(letter.envelope(), QUEUE, "no handler", null, null, null, 0, T);
        assertThat(DeadLetterFilter.builder().exceptionMessage("a").build().matches(noException)).isFalse();
        assertThat(DeadLetterFilter.builder().messageType("Charge").exceptionMessage("x").replayed(false).build())
                .hasToString("type=Charge message~='x' replayed=false");
        assertThat(DeadLetterFilter.all()).hasToString("all");
        assertThat(DeadLetterFilter.all().isAll()).isTrue();
    }

    @Test
    void aFilterThatCannotBeMeantIsRefused() {
        assertThatThrownBy(() -> DeadLetterFilter.builder().messageType(" ")).hasMessageContaining("must not be blank; leave it null");
        assertThatThrownBy(() -> DeadLetterFilter.builder().since(T).until(T).build()).hasMessageContaining("must be before until");
        List<UUID> many = IntStream.range(0, DeadLetterFilter.MAX_IDS + 1).mapToObj(i -> UUID.randomUUID()).toList();
        assertThatThrownBy(() -> DeadLetterFilter.ids(many)).hasMessageContaining("at most 1000 ids");
        assertThatThrownBy(() -> ScheduledFilter.builder().dueSince(T).dueUntil(T.minusSeconds(1)).build()).hasMessageContaining("must be before");
        assertThatThrownBy(() -> AuditEntry.checkActor("")).hasMessageContaining("needs an actor");
        assertThatThrownBy(() -> AuditEntry.checkActor("x".repeat(251))).hasMessageContaining("at most 250");
    }

    @Test
    void anEditMakesANewEnvelopeThatNamesTheOriginal() {
        Envelope original = Envelope.builder().messageType("Charge").contentType("application/json").header("tenant", "acme").header("trace", "t")
                .correlationId("order-1").destination(QUEUE).attempts(3).deliverBy(T).scheduledTime(T).message("object")
                .body("{\"cents\":1}".getBytes(StandardCharsets.UTF_8)).build();
        UUID newId = Uuid7.next();

        Envelope edited = EnvelopeEdit.builder().body("{\"cents\":2}".getBytes(StandardCharsets.UTF_8)).header("tenant", "globex")
                .removeHeader("trace").build().applyTo(original, newId);

        assertThat(edited.id()).isEqualTo(newId);
        assertThat(edited.headers()).containsOnly(java.util.Map.entry("tenant", "globex"),
                java.util.Map.entry(EnvelopeEdit.REPLACES_HEADER, original.id().toString()));
        assertThat(new String(edited.body(), StandardCharsets.UTF_8)).isEqualTo("{\"cents\":2}");
        assertThat(edited.message()).as("the handler gets what the new body says").isNull();
        assertThat(edited.attempts()).isZero();
        assertThat(edited.deliverBy()).isNull();
        assertThat(edited.scheduledTime()).isNull();
        assertThat(edited.correlationId()).isEqualTo("order-1");
        assertThat(edited.contentType()).isEqualTo("application/json");

        Envelope headersOnly = EnvelopeEdit.builder().header("x", "y").build().applyTo(original, Uuid7.next());
        assertThat(headersOnly.message()).isEqualTo("object");
        assertThat(headersOnly.body()).isEqualTo(original.body());
    }

    @Test
    void anEditThatChangesNothingOrSetsTheReplacesHeaderIsRefused() {
        assertThatThrownBy(() -> EnvelopeEdit.builder().build()).hasMessage("an edit must change the body or a header");
        assertThatThrownBy(() -> EnvelopeEdit.builder().header(EnvelopeEdit.REPLACES_HEADER, "x")).hasMessageContaining("is set by Agate");
        assertThatThrownBy(() -> EnvelopeEdit.builder().header(" ", "x")).hasMessageContaining("must not be blank");
    }
}
