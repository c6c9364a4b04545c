package dev.agate.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agate.ActionResult;
import dev.agate.AuditEntry;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.Envelope;
import dev.agate.EnvelopeEdit;
import dev.agate.Page;
import dev.agate.PageRequest;
import dev.agate.ScheduledFilter;
import dev.agate.ScheduledMessage;
import dev.agate.spi.DeadLetterStore;
import dev.agate.spi.MessageStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The part of {@link MessageStoreCompliance} about what an operator does: dead letters queried by every
 * criterion and paged while rows are added, actions by filter that touch exactly the matching rows, replays
 * that happen once, edit-and-replay, the audit; scheduled envelopes listed, cancelled and rescheduled, also
 * while claimers fire them. Runs inside the kit (its {@code Operations} tests) on the kit's store.
 */
abstract class OperatorCompliance {
    static final URI QUEUE = MessageStoreCompliance.QUEUE;
    static final URI OTHER_QUEUE = MessageStoreCompliance.OTHER_QUEUE;
    private static final String STATE = "java.lang.IllegalStateException";
    private static final String TIMEOUT = "java.util.concurrent.TimeoutException";

    /** The kit's store. */
    abstract MessageStore store();

    /** Another store on the same database (a second process), or the kit's store when it cannot be shared. */
    abstract MessageStore sameDatabase() throws Exception;

    /** The kit's now, in whole milliseconds. */
    abstract Instant now();

    // ---------------------------------------------------------------- dead letters: queries

    /** Twelve letters of two types, two exceptions, two endpoints, one a minute; one without an exception, one replayed. */
    private List<DeadLetter> seedVaried() {
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String type = i % 2 == 0 ? "Charge" : "Refund";
            boolean timeout = i % 3 == 0;
            DeadLetter letter = i == 11
                    ? new DeadLetter(envelope(type, UUID.randomUUID()), QUEUE, "no handler", null, null, null, 0, minute(i))
                    : letter(envelope(type, UUID.randomUUID()), i < 8 ? QUEUE : OTHER_QUEUE, timeout ? TIMEOUT : STATE,
                            timeout ? "Gateway TIMEOUT after 30 s" : "card declined: insufficient funds", minute(i));
            store().deadLetters().moveFromInbox(letter, null, now().plus(Duration.ofDays(7)));
            letters.add(letter);
        }
        assertThat(store().deadLetters().replay(DeadLetterFilter.ids(letters.get(4).id()), "ops", now()).touched()).isEqualTo(1);
        return letters;
    }

    private Instant minute(int i) {
        return now().minus(Duration.ofHours(1)).plus(Duration.ofMinutes(i));
    }

    @Test
    void deadLettersAreFilteredByEachCriterionAndTheTotalMatchesTheFilter() {
        List<DeadLetter> l = seedVaried();
        Map<DeadLetterFilter, List<Integer>> expected = new java.util.LinkedHashMap<>();
        expected.put(DeadLetterFilter.all(), List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
        expected.put(DeadLetterFilter.builder().messageType("Refund").build(), List.of(1, 3, 5, 7, 9, 11));
        expected.put(DeadLetterFilter.builder().exceptionType(TIMEOUT).build(), List.of(0, 3, 6, 9));
        expected.put(DeadLetterFilter.builder().exceptionMessage("timeout").build(), List.of(0, 3, 6, 9));
        expected.put(DeadLetterFilter.builder().exceptionMessage("DECLINED: INSUFF").build(), List.of(1, 2, 4, 5, 7, 8, 10));
        expected.put(DeadLetterFilter.builder().exceptionMessage("30%").build(), List.of()); // wildcards are text
        expected.put(DeadLetterFilter.builder().exceptionMessage("card_declined").build(), List.of());
        expected.put(DeadLetterFilter.builder().endpoint(OTHER_QUEUE).build(), List.of(8, 9, 10));
        expected.put(DeadLetterFilter.builder().since(minute(3)).build(), List.of(3, 4, 5, 6, 7, 8, 9, 10, 11));
        expected.put(DeadLetterFilter.builder().until(minute(3)).build(), List.of(0, 1, 2));
        expected.put(DeadLetterFilter.builder().since(minute(2)).until(minute(5)).build(), List.of(2, 3, 4));
        expected.put(DeadLetterFilter.builder().replayed(true).build(), List.of(4));
        expected.put(DeadLetterFilter.builder().replayed(false).build(), List.of(0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11));
        expected.put(DeadLetterFilter.ids(l.get(7).id(), l.get(2).id(), UUID.randomUUID()), List.of(2, 7));
        expected.put(DeadLetterFilter.builder().messageType("Charge").exceptionType(STATE).endpoint(QUEUE).replayed(false).build(), List.of(2));
        expected.put(DeadLetterFilter.builder().messageType("Nothing").build(), List.of());

        for (Map.Entry<DeadLetterFilter, List<Integer>> e : expected.entrySet()) {
            List<UUID> ids = e.getValue().stream().map(i -> l.get(i).id()).toList();
            Page<DeadLetter> oldest = store().deadLetters().query(e.getKey(), PageRequest.first(50));
            assertThat(oldest.items()).as("%s", e.getKey()).extracting(DeadLetter::id).containsExactlyElementsOf(ids);
            assertThat(oldest.total()).as("total of %s", e.getKey()).isEqualTo(ids.size());
            assertThat(oldest.nextCursor()).isNull();
            assertThat(store().deadLetters().count(e.getKey())).as("count of %s", e.getKey()).isEqualTo(ids.size());
            assertThat(store().deadLetters().query(e.getKey(), PageRequest.newestFirst(50)).items()).extracting(DeadLetter::id)
                    .containsExactlyElementsOf(reversed(ids));
        }
        DeadLetter replayed = store().deadLetters().query(DeadLetterFilter.builder().replayed(true).build(), PageRequest.first(1)).items().get(0);
        assertThat(replayed.replay()).isEqualTo(new DeadLetter.Replay(now(), "ops", l.get(4).id()));
        assertThat(store().admin().counts().deadLetters()).as("not replayed").isEqualTo(11);
        assertThat(store().admin().status().deadLetterCount()).as("not replayed").isEqualTo(11);
    }

    @Test
    void pagesOldestFirstShowEveryLetterOnceWhileLettersAreAddedBetweenPages() {
        List<DeadLetter> seeded = seedTies(23);
        List<DeadLetter> expected = new ArrayList<>(seeded);
        List<DeadLetter> seen = new ArrayList<>();
        int added = 0;
        Page<DeadLetter> page = store().deadLetters().query(DeadLetterFilter.all(), PageRequest.first(5));
        while (true) {
            assertThat(page.total()).as("the total when the page was read").isEqualTo(seeded.size() + 2L * added);
            seen.addAll(page.items());
            if (!page.hasNext()) {
                break;
            }
            // One behind the cursor, which no later page shows; one ahead of everything, which a later page shows.
            added++;
            DeadLetter behind = letter(envelope("Charge", UUID.randomUUID()), QUEUE, STATE, "late", now().minus(Duration.ofDays(1)));
            DeadLetter ahead = letter(envelope("Charge", UUID.randomUUID()), QUEUE, STATE, "late", now().plusSeconds(added));
            store().deadLetters().moveFromInbox(behind, null, now().plus(Duration.ofDays(7)));
            store().deadLetters().moveFromInbox(ahead, null, now().plus(Duration.ofDays(7)));
            expected.add(ahead);
            page = store().deadLetters().query(DeadLetterFilter.all(), PageRequest.after(page.nextCursor(), 5));
        }
        assertThat(added).isGreaterThan(4);
        assertThat(seen).extracting(DeadLetter::id)
                .as("every letter there from the start or added ahead of the cursor, once, in order; none added behind it")
                .containsExactlyElementsOf(expected.stream().sorted(Comparator.comparing(DeadLetter::position)).map(DeadLetter::id).toList());
    }

    @Test
    void pagesNewestFirstAndOfAFilterShowEveryMatchingLetterOnceInOrder() {
        List<DeadLetter> seeded = seedTies(23);
        DeadLetterFilter charges = DeadLetterFilter.builder().messageType("Charge").build();
        List<UUID> expected = seeded.stream().filter(charges::matches).sorted(Comparator.comparing(DeadLetter::position).reversed())
                .map(DeadLetter::id).toList();
        List<UUID> seen = new ArrayList<>();
        Page<DeadLetter> page = store().deadLetters().query(charges, PageRequest.newestFirst(4));
        seen.addAll(page.items().stream().map(DeadLetter::id).toList());
        // Newer than everything: behind a newest-first cursor, so no later page shows it.
        store().deadLetters().moveFromInbox(letter(envelope("Charge", UUID.randomUUID()), QUEUE, STATE, "x", now().plusSeconds(60)), null, null);
        int pages = 1;
        while (page.hasNext()) {
            PageRequest next = PageRequest.after(page.nextCursor(), 4);
            assertThat(next.isNewestFirst()).as("the cursor keeps the order").isTrue();
            page = store().deadLetters().query(charges, next);
            assertThat(page.total()).isEqualTo(expected.size() + 1L);
            seen.addAll(page.items().stream().map(DeadLetter::id).toList());
            pages++;
        }
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(pages).isEqualTo((expected.size() + 3) / 4);
    }

    /** {@code count} letters, types alternating, three failing in each millisecond, random (not time-ordered) ids. */
    private List<DeadLetter> seedTies(int count) {
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            DeadLetter letter = letter(envelope(i % 2 == 0 ? "Charge" : "Refund", UUID.randomUUID()), QUEUE, STATE, "tie " + i,
                    now().minusSeconds(100).plusMillis(i / 3));
            store().deadLetters().moveFromInbox(letter, null, now().plus(Duration.ofDays(7)));
            letters.add(letter);
        }
        return letters;
    }

    // ---------------------------------------------------------------- dead letters: actions

    @Test
    void replayAndDeleteByFilterTouchExactlyTheMatchingLettersAcrossSeveralBatches() {
        int count = DeadLetterStore.ACTION_BATCH * 2 + 100;
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            DeadLetter letter = letter(envelope(i % 3 == 0 ? "Refund" : "Charge", UUID.randomUUID()), QUEUE, i % 5 == 0 ? TIMEOUT : STATE,
                    "m" + i, now().minusSeconds(count - i));
            store().deadLetters().moveFromInbox(letter, null, now().plus(Duration.ofDays(7)));
            letters.add(letter);
        }
        DeadLetterFilter chargesFailingState = DeadLetterFilter.builder().messageType("Charge").exceptionType(STATE).build();
        Set<UUID> matching = ids(letters, chargesFailingState::matches);
        assertThat(matching.size()).isGreaterThan(DeadLetterStore.ACTION_BATCH);

        ActionResult replayed = store().deadLetters().replay(chargesFailingState, "ops", now());

        assertThat(replayed).isEqualTo(ActionResult.of(matching.size(), 0));
        assertThat(allIds(DeadLetterFilter.builder().replayed(true).build())).isEqualTo(matching);
        assertThat(store().admin().counts().incoming()).isEqualTo(matching.size());
        assertThat(claimAll(QUEUE)).isEqualTo(matching);

        DeadLetterFilter timeouts = DeadLetterFilter.builder().exceptionType(TIMEOUT).build();
        Set<UUID> timedOut = ids(letters, timeouts::matches);
        ActionResult deleted = store().deadLetters().delete(timeouts, "ops", now());

        assertThat(deleted).isEqualTo(ActionResult.of(timedOut.size(), 0));
        assertThat(allIds(DeadLetterFilter.all())).isEqualTo(ids(letters, letter -> !timeouts.matches(letter)));
        assertThat(store().deadLetters().count(DeadLetterFilter.builder().replayed(true).build()))
                .as("deleting touched no replayed letter but the timeouts").isEqualTo(matching.size());
        List<AuditEntry> audit = store().admin().audit(PageRequest.first(10)).items();
        assertThat(audit).extracting(AuditEntry::action, AuditEntry::touched, AuditEntry::selection).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_REPLAY, matching.size(), chargesFailingState.toString()),
                org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_DELETE, timedOut.size(), timeouts.toString()));
    }

    @Test
    void aReplayAskedTwiceOrByTwoProcessesAtOncePutsEachEnvelopeBackOnce() throws Exception {
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            DeadLetter letter = letter(envelope("Charge", UUID.randomUUID()), QUEUE, STATE, "m", now().minusMillis(i));
            store().deadLetters().moveFromInbox(letter, null, now().plus(Duration.ofDays(7)));
            letters.add(letter);
        }
        MessageStore other = sameDatabase();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<ActionResult> first = pool.submit(() -> {
                go.await();
                return store().deadLetters().replay(DeadLetterFilter.all(), "first", now());
            });
            Future<ActionResult> second = pool.submit(() -> {
                go.await();
                return other.deadLetters().replay(DeadLetterFilter.all(), "second", now());
            });
            go.countDown();
            ActionResult a = first.get(2, TimeUnit.MINUTES);
            ActionResult b = second.get(2, TimeUnit.MINUTES);
            assertThat(a.touched() + b.touched()).as("%s and %s", a, b).isEqualTo(letters.size());
        } finally {
            pool.shutdownNow();
        }
        assertThat(store().deadLetters().replay(DeadLetterFilter.all(), "third", now())).isEqualTo(ActionResult.of(0, letters.size()));
        List<UUID> back = new ArrayList<>();
        for (List<Envelope> batch = store().inbox().claimIncoming(QUEUE, 1, 100); !batch.isEmpty(); batch = store().inbox().claimIncoming(QUEUE, 1, 100)) {
            batch.forEach(e -> back.add(e.id()));
        }
        assertThat(back).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(letters, l -> true));
        assertThat(store().deadLetters().count(DeadLetterFilter.builder().replayed(true).build())).isEqualTo(letters.size());
    }

    @Test
    void editAndReplayPutsANewEnvelopeThatNamesTheOriginalAndKeepsTheOriginalMarked() {
        Envelope original = envelope("Charge", UUID.randomUUID()).toBuilder().header("trace", "t-1").deliverBy(now().minusSeconds(5)).build();
        store().deadLetters().moveFromInbox(letter(original, QUEUE, STATE, "bad amount", now().minusSeconds(10)), now().plus(Duration.ofDays(3)),
                now().plus(Duration.ofDays(7)));
        byte[] fixed = "{\"n\":2,\"amount\":\"12.50\"}".getBytes(StandardCharsets.UTF_8);
        EnvelopeEdit edit = EnvelopeEdit.builder().body(fixed).header("tenant", "globex").removeHeader("trace").build();

        ActionResult result = store().deadLetters().replayEdited(original.id(), edit, "ops", now());

        assertThat(result.touched()).isEqualTo(1);
        UUID newId = result.envelopeId();
        assertThat(newId).isNotNull().isNotEqualTo(original.id());
        DeadLetter kept = store().deadLetters().find(original.id()).orElseThrow();
        assertThat(kept.replay()).isEqualTo(new DeadLetter.Replay(now(), "ops", newId));
        assertThat(kept.envelope().body()).as("the original is kept as it was").isEqualTo(original.body());
        List<Envelope> back = store().inbox().claimIncoming(QUEUE, 1, 10);
        assertThat(back).extracting(Envelope::id).containsExactly(newId);
        Envelope edited = back.get(0);
        assertThat(edited.body()).isEqualTo(fixed);
        assertThat(edited.headers()).containsEntry(EnvelopeEdit.REPLACES_HEADER, original.id().toString()).containsEntry("tenant", "globex")
                .doesNotContainKey("trace");
        assertThat(edited.messageType()).isEqualTo("Charge");
        assertThat(edited.correlationId()).isEqualTo(original.correlationId());
        assertThat(edited.attempts()).isZero();
        assertThat(edited.deliverBy()).isNull();

        assertThat(store().deadLetters().replayEdited(original.id(), edit, "ops", now())).as("a second click")
                .isEqualTo(new ActionResult(0, 1, newId));
        assertThat(store().deadLetters().replay(DeadLetterFilter.ids(original.id()), "ops", now())).isEqualTo(ActionResult.of(0, 1));
        assertThat(store().inbox().claimIncoming(QUEUE, 1, 10)).isEmpty();
        assertThat(store().deadLetters().replayEdited(UUID.randomUUID(), edit, "ops", now())).isEqualTo(ActionResult.of(0, 0));
        assertThat(store().admin().audit(PageRequest.newestFirst(10)).items()).extracting(AuditEntry::action, AuditEntry::touched)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, 0),
                        org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_REPLAY, 0),
                        org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, 0),
                        org.assertj.core.groups.Tuple.tuple(AuditEntry.Action.DEAD_LETTERS_EDIT_REPLAY, 1));
        assertThat(store().admin().audit(PageRequest.first(1)).items().get(0).detail()).contains(newId.toString()).contains("body");
        assertThat(store().deadLetters().deleteExpired(now().plus(Duration.ofDays(4)), 10)).as("a replayed letter still expires").isEqualTo(1);
    }

    @Test
    void everyActionWritesAnAuditEntryWithWhoWhenWhatAndHowMany() {
        List<DeadLetter> letters = seedVaried();
        Instant later = now().plusSeconds(30);
        store().deadLetters().delete(DeadLetterFilter.ids(letters.get(0).id()), "alice@ops", later);
        store().deadLetters().replay(DeadLetterFilter.builder().messageType("Refund").build(), "bob", later.plusSeconds(1));
        Envelope reminder = envelope("Reminder", UUID.randomUUID()).withScheduledTime(now().plusSeconds(600));
        store().inbox().store(null, QUEUE, List.of(reminder), 0, now());
        store().scheduled().reschedule(ScheduledFilter.all(), now().plusSeconds(60), "carol", later.plusSeconds(2));
        store().scheduled().cancel(ScheduledFilter.ids(reminder.id()), "carol", later.plusSeconds(3), later.plus(Duration.ofDays(7)));

        Page<AuditEntry> newest = store().admin().audit(PageRequest.newestFirst(3));

        assertThat(newest.total()).isEqualTo(5);
        assertThat(newest.items()).extracting(AuditEntry::at, AuditEntry::actor, AuditEntry::action, AuditEntry::touched).containsExactly(
                org.assertj.core.groups.Tuple.tuple(later.plusSeconds(3), "carol", AuditEntry.Action.SCHEDULED_CANCEL, 1),
                org.assertj.core.groups.Tuple.tuple(later.plusSeconds(2), "carol", AuditEntry.Action.SCHEDULED_RESCHEDULE, 1),
                org.assertj.core.groups.Tuple.tuple(later.plusSeconds(1), "bob", AuditEntry.Action.DEAD_LETTERS_REPLAY, 6));
        assertThat(newest.items().get(1).detail()).isEqualTo("to " + now().plusSeconds(60));
        assertThat(newest.items().get(0).selection()).isEqualTo("ids=" + reminder.id());
        Page<AuditEntry> rest = store().admin().audit(PageRequest.after(newest.nextCursor(), 3));
        assertThat(rest.items()).extracting(AuditEntry::actor, AuditEntry::action, AuditEntry::touched).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alice@ops", AuditEntry.Action.DEAD_LETTERS_DELETE, 1),
                org.assertj.core.groups.Tuple.tuple("ops", AuditEntry.Action.DEAD_LETTERS_REPLAY, 1));
        assertThat(rest.nextCursor()).isNull();
        assertThatThrownBy(() -> store().deadLetters().replay(DeadLetterFilter.all(), " ", now())).isInstanceOf(IllegalArgumentException.class);
        store().admin().clearAll();
        assertThat(store().admin().audit(PageRequest.first(10)).total()).isZero();
    }

    // ---------------------------------------------------------------- scheduled

    @Test
    void scheduledEnvelopesAreListedByFiltersAndPagedByWhenTheyAreDue() {
        List<Envelope> stored = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            Envelope e = envelope(i % 3 == 0 ? "Invoice" : "Reminder", UUID.randomUUID()).withScheduledTime(now().plusSeconds(60 + (i / 2) * 10L));
            store().inbox().store(null, i < 6 ? QUEUE : OTHER_QUEUE, List.of(e), 0, now());
            stored.add(e);
        }
        store().inbox().store(null, QUEUE, List.of(envelope("Reminder", UUID.randomUUID())), 3, now()); // incoming, not scheduled

        Page<ScheduledMessage> all = store().scheduled().query(ScheduledFilter.all(), PageRequest.first(100));
        Comparator<Envelope> byDue = Comparator.comparing((Envelope e) -> new PageRequest.Position(e.scheduledTime(), e.id()));
        assertThat(all.items()).extracting(ScheduledMessage::id).containsExactlyElementsOf(stored.stream().sorted(byDue).map(Envelope::id).toList());
        assertThat(all.total()).isEqualTo(9);
        ScheduledMessage first = all.items().get(0);
        assertThat(first.dueAt()).isEqualTo(now().plusSeconds(60));
        assertThat(first.attempts()).isZero();
        assertThat(first.endpoint()).isEqualTo(QUEUE);
        assertThat(first.envelope().body()).isEqualTo(stored.stream().filter(e -> e.id().equals(first.id())).findFirst().orElseThrow().body());

        Map<ScheduledFilter, Predicate<Integer>> filters = Map.of(
                ScheduledFilter.builder().messageType("Invoice").build(), i -> i % 3 == 0,
                ScheduledFilter.builder().endpoint(OTHER_QUEUE).build(), i -> i >= 6,
                ScheduledFilter.builder().dueSince(now().plusSeconds(70)).dueUntil(now().plusSeconds(90)).build(), i -> i >= 2 && i < 6,
                ScheduledFilter.ids(stored.get(1).id(), stored.get(8).id()), i -> i == 1 || i == 8);
        filters.forEach((filter, which) -> {
            List<UUID> expected = new ArrayList<>();
            for (int i = 0; i < stored.size(); i++) {
                if (which.test(i)) {
                    expected.add(stored.get(i).id());
                }
            }
            assertThat(store().scheduled().query(filter, PageRequest.first(100)).items()).as("%s", filter).extracting(ScheduledMessage::id)
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(store().scheduled().count(filter)).as("count of %s", filter).isEqualTo(expected.size());
        });

        List<UUID> paged = new ArrayList<>();
        Page<ScheduledMessage> page = store().scheduled().query(ScheduledFilter.all(), PageRequest.newestFirst(2));
        paged.addAll(page.items().stream().map(ScheduledMessage::id).toList());
        while (page.hasNext()) {
            page = store().scheduled().query(ScheduledFilter.all(), PageRequest.after(page.nextCursor(), 2));
            paged.addAll(page.items().stream().map(ScheduledMessage::id).toList());
        }
        assertThat(paged).containsExactlyElementsOf(reversed(all.items().stream().map(ScheduledMessage::id).toList()));
    }

    @Test
    void cancelledEnvelopesNeverFireAndAResendOfOneIsADuplicate() {
        Envelope keep = envelope("Reminder", UUID.randomUUID()).withScheduledTime(now().plusSeconds(60));
        Envelope cancel = envelope("Invoice", UUID.randomUUID()).withScheduledTime(now().plusSeconds(60));
        store().inbox().store(null, QUEUE, List.of(keep, cancel), 0, now());

        assertThat(store().scheduled().cancel(ScheduledFilter.builder().messageType("Invoice").build(), "ops", now(), now().plus(Duration.ofDays(7))))
                .isEqualTo(ActionResult.of(1, 0));
        assertThat(store().scheduled().cancel(ScheduledFilter.ids(cancel.id()), "ops", now(), now().plus(Duration.ofDays(7))))
                .as("cancelled already").isEqualTo(ActionResult.of(0, 0));

        assertThat(store().inbox().claimDueScheduled(now().plusSeconds(61), 1, 10)).extracting(Envelope::id).containsExactly(keep.id());
        assertThat(store().inbox().store(null, QUEUE, List.of(cancel), 0, now())).containsExactly(cancel.id());
        assertThat(store().admin().counts().handled()).isEqualTo(1);
    }

    @Test
    void rescheduleMovesTheDueTimeAndRunNowMakesThemDueAtOnce() {
        List<Envelope> later = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            later.add(envelope("Reminder", UUID.randomUUID()).withScheduledTime(now().plus(Duration.ofHours(1 + i))));
        }
        store().inbox().store(null, QUEUE, later, 0, now());

        assertThat(store().scheduled().reschedule(ScheduledFilter.ids(later.get(0).id(), later.get(1).id()), now(), "ops", now()))
                .isEqualTo(ActionResult.of(2, 0));
        assertThat(store().scheduled().reschedule(ScheduledFilter.ids(later.get(0).id()), now(), "ops", now())).as("due then already")
                .isEqualTo(ActionResult.of(0, 1));
        assertThat(store().inbox().claimDueScheduled(now(), 1, 10)).extracting(Envelope::id)
                .containsExactlyInAnyOrder(later.get(0).id(), later.get(1).id());

        assertThat(store().scheduled().reschedule(ScheduledFilter.all(), now().plus(Duration.ofDays(1)), "ops", now())).isEqualTo(ActionResult.of(1, 0));
        assertThat(store().scheduled().query(ScheduledFilter.all(), PageRequest.first(10)).items()).extracting(ScheduledMessage::dueAt)
                .containsExactly(now().plus(Duration.ofDays(1)));
        assertThat(store().inbox().claimDueScheduled(now().plus(Duration.ofHours(5)), 1, 10)).isEmpty();
    }

    @Test
    void aScheduledEnvelopeFiredWhileItIsCancelledEndsFiredOrCancelledNeverBoth() throws Exception {
        raceTheFiring(other -> other.scheduled().cancel(ScheduledFilter.all(), "ops", now(), now().plus(Duration.ofDays(7))), true);
    }

    @Test
    void aScheduledEnvelopeFiredWhileItIsRescheduledEndsFiredOrRescheduledNeverBoth() throws Exception {
        raceTheFiring(other -> other.scheduled().reschedule(ScheduledFilter.all(), now().plus(Duration.ofDays(1)), "ops", now()), false);
    }

    /** Claims due envelopes on the kit's store while {@code action} runs on another store of the same database. */
    private void raceTheFiring(Function<MessageStore, ActionResult> action, boolean cancels) throws Exception {
        int count = 1200;
        List<Envelope> due = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            due.add(envelope("Reminder", UUID.randomUUID()).withScheduledTime(now().plusMillis(1 + i % 50)));
        }
        store().inbox().store(null, QUEUE, due, 0, now());
        MessageStore other = sameDatabase();
        Set<UUID> fired = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        ActionResult acted;
        try {
            Future<?> firing = pool.submit(() -> {
                go.await();
                for (List<Envelope> batch = store().inbox().claimDueScheduled(now().plusSeconds(1), 7, 25); !batch.isEmpty();
                     batch = store().inbox().claimDueScheduled(now().plusSeconds(1), 7, 25)) {
                    batch.forEach(e -> assertThat(fired.add(e.id())).as("fired twice: %s", e.id()).isTrue());
                }
                return null;
            });
            Future<ActionResult> acting = pool.submit(() -> {
                go.await();
                return action.apply(other);
            });
            go.countDown();
            firing.get(2, TimeUnit.MINUTES);
            acted = acting.get(2, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("%s: %d fired, %d %s while firing%n", store().description(), fired.size(), acted.touched(), cancels ? "cancelled" : "rescheduled");
        assertThat(fired.size() + acted.touched()).isEqualTo(count);
        assertThat(store().admin().counts().incomingByOwner()).as("what was fired is incoming, owned by the firing node")
                .isEqualTo(fired.isEmpty() ? Map.of() : Map.of(7, (long) fired.size()));
        if (cancels) {
            assertThat(store().admin().counts().handled()).isEqualTo(acted.touched());
            assertThat(store().scheduled().count(ScheduledFilter.all())).isZero();
        } else {
            assertThat(store().scheduled().count(ScheduledFilter.all())).isEqualTo(acted.touched());
            assertThat(store().scheduled().query(ScheduledFilter.all(), PageRequest.first(PageRequest.MAX_LIMIT)).items())
                    .allMatch(m -> m.dueAt().equals(now().plus(Duration.ofDays(1))) && !fired.contains(m.id()));
        }
    }

    // ---------------------------------------------------------------- fixtures

    private Set<UUID> allIds(DeadLetterFilter filter) {
        Set<UUID> ids = new HashSet<>();
        Page<DeadLetter> page = store().deadLetters().query(filter, PageRequest.first(500));
        page.items().forEach(l -> ids.add(l.id()));
        while (page.hasNext()) {
            page = store().deadLetters().query(filter, PageRequest.after(page.nextCursor(), 500));
            page.items().forEach(l -> ids.add(l.id()));
        }
        return ids;
    }

    private Set<UUID> claimAll(URI endpoint) {
        Set<UUID> ids = new HashSet<>();
        for (List<Envelope> batch = store().inbox().claimIncoming(endpoint, 1, 500); !batch.isEmpty(); batch = store().inbox().claimIncoming(endpoint, 1, 500)) {
            batch.forEach(e -> ids.add(e.id()));
        }
        return ids;
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        java.util.Collections.reverse(copy);
        return copy;
    }

    private static Set<UUID> ids(List<DeadLetter> letters, Predicate<DeadLetter> which) {
        Set<UUID> ids = new HashSet<>();
        letters.stream().filter(which).forEach(l -> ids.add(l.id()));
        return ids;
    }

    private Envelope envelope(String type, UUID id) {
        return Envelope.builder().id(id).messageType(type).contentType("application/json").destination(QUEUE).header("tenant", "acme")
                .correlationId("c-" + id).source("compliance").sentAt(now().minusSeconds(1))
                .body(("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8)).build();
    }

    private static DeadLetter letter(Envelope envelope, URI endpoint, String exceptionType, String message, Instant failedAt) {
        return new DeadLetter(envelope.withAttempts(3), endpoint, exceptionType, exceptionType, message,
                exceptionType + ": " + message + "\n\tat dev.example.Payments.charge(Payments.java:42)", 3, failedAt);
    }
}
