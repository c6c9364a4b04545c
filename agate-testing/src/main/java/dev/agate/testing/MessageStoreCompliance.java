package dev.agate.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.agate.ActionResult;
import dev.agate.AgateException;
import dev.agate.DeadLetter;
import dev.agate.DeadLetterFilter;
import dev.agate.Envelope;
import dev.agate.PageRequest;
import dev.agate.StoreStatus;
import dev.agate.spi.Inbox;

import dev.agate.spi.MessageStore;
import dev.agate.spi.NodeRegistry;
import dev.agate.spi.StoreAdmin;
import dev.agate.spi.StoreTransaction;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The acceptance kit every {@link MessageStore} passes: every method of the store SPI, the contracts its
 * javadoc states, and real races between claimers. A store module proves itself by extending this class
 * in a few lines:
 *
 * <pre>{@code
 * class MyStoreComplianceTest extends MessageStoreCompliance {
 *     protected MessageStore newStore() {
 *         MessageStore store = new MyStore(freshDatabase());
 *         store.start();
 *         return store;
 *     }
 * }
 * }</pre>
 *
 * <p><b>Design.</b> One class, though long, so that a store extends one thing and cannot pass half the
 * kit; the tests are grouped by part of the SPI below. Each test gets a fresh, started, empty store from
 * {@link #newStore()} and gives it back to {@link #disposeStore}. A store that several processes can
 * share (a database) also returns a second instance from {@link #newStoreOnTheSameDatabase()}: the races
 * then spread their claimers over both instances, as two nodes would, and the leader's lease is contested
 * across them. Times are whole milliseconds, the precision every store keeps. Randomized tests print
 * their seed; set the system property {@code agate.compliance.seed} to run one again with it.
 *
 * <p>What an operator does (dead letters queried by every filter and paged while rows are added, replays,
 * deletes and edits by filter, the audit, scheduled envelopes cancelled and rescheduled, also while claimers
 * fire them) is in {@link OperatorCompliance}, which runs as the kit's nested {@code Operations} tests: a
 * store that extends the kit gets those too.
 *
 * <p>What the SPI leaves open and the kit pins down, as the JDBC store behaves: a duplicate inside one
 * batch given to {@code inbox().store} is stored once, the first copy, and its id is not returned (this
 * call stored it; a caller that dropped every returned id would otherwise never handle it).
 */
public abstract class MessageStoreCompliance {
    protected static final URI QUEUE = URI.create("local://orders");
    protected static final URI OTHER_QUEUE = URI.create("local://invoices");
    protected static final URI PARTNER = URI.create("tcp://partner.example:2201");
    protected static final URI OTHER_PARTNER = URI.create("tcp://other.example:2201");
    private static final int RACERS = 4;
    private static final int RACE_ENVELOPES = 2000;

    private final List<MessageStore> extraStores = new ArrayList<>();
    private MessageStore store;
    /** Now, in whole milliseconds. */
    protected Instant now;

    /** A new store on an empty database of its own, started. Called before each test. */
    protected abstract MessageStore newStore() throws Exception;

    /** Closes the store of a test and drops its database. The default closes the store. */
    protected void disposeStore(MessageStore finished) throws Exception {
        finished.close();
    }

    /**
     * Another instance of the store on the database of the last {@link #newStore()}, started, as a second
     * process would open it; null (the default) for a store that cannot be shared. Closed by the kit.
     */
    protected MessageStore newStoreOnTheSameDatabase() throws Exception {
        return null;
    }

    /** The store of the current test. */
    protected final MessageStore store() {
        return store;
    }

    @BeforeEach
    final void openStore() throws Exception {
        now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        store = newStore();
    }

    @AfterEach
    final void closeStores() throws Exception {
        for (MessageStore extra : extraStores) {
            extra.close();
        }
        extraStores.clear();
        disposeStore(store);
    }

    // ---------------------------------------------------------------- settings

    @Test
    void aDurableQueueGetsAtLeastOneWorkerWhateverItsDefault() {
        for (int queueDefault : new int[] {1, 2, 64}) {
            assertThat(store.durableQueueWorkers(queueDefault)).as("durableQueueWorkers(%d)", queueDefault).isGreaterThanOrEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- inbox: storing

    @Test
    void storesReceivedEnvelopesAsIncomingOwnedByTheReceiverAndGivesThemBackWhole() {
        Envelope original = envelope("OrderPlaced", 1).toBuilder().attempts(2).build();
        assertThat(store.inbox().store(null, QUEUE, List.of(original), 3, now)).isEmpty();

        assertThat(store.admin().counts().incomingByOwner()).containsExactly(Map.entry(3, 1L));
        assertThat(store.inbox().claimIncoming(QUEUE, 4, 10)).as("owned by node 3").isEmpty();
        assertThat(store.inbox().releaseOwnedBy(3)).isEqualTo(1);
        List<Envelope> claimed = store.inbox().claimIncoming(QUEUE, 4, 10);

        assertThat(claimed).hasSize(1);
        assertWhole(claimed.get(0), original, QUEUE);
    }

    @Test
    void aStoredIdIsADuplicateInEveryStateAndIsNotStoredAgain() {
        Envelope incoming = envelope("OrderPlaced", 1);
        Envelope scheduled = envelope("OrderPlaced", 2).withScheduledTime(now.plusSeconds(60));
        Envelope handled = envelope("OrderPlaced", 3);
        store.inbox().store(null, QUEUE, List.of(incoming, scheduled, handled), 1, now);
        store.inbox().markHandled(null, List.of(handled.id()), 1, now.plusSeconds(600));
        Envelope fresh = envelope("OrderPlaced", 4);

        Set<UUID> duplicates = store.inbox().store(null, QUEUE,
                List.of(incoming.withAttempts(5), scheduled, handled, fresh), 2, now);

        assertThat(duplicates).containsExactlyInAnyOrder(incoming.id(), scheduled.id(), handled.id());
        assertCounts(2, 1, 1);
        assertThat(store.admin().counts().incomingByOwner()).containsOnly(Map.entry(1, 1L), Map.entry(2, 1L));
    }

    @Test
    void anIdAlreadyInTheOutboxIsADuplicateAndTheStoredRowIsLeftAsItIs() {
        Envelope first = outgoing("Charge", 1);
        store.outbox().store(null, List.of(first), 1);
        Envelope again = first.toBuilder().body("{\"again\":true}".getBytes(StandardCharsets.UTF_8)).build();
        Envelope fresh = outgoing("Charge", 2);

        Set<UUID> duplicates = store.outbox().store(null, List.of(again, fresh, fresh), 2);

        assertThat(duplicates).containsExactly(first.id());
        assertThat(store.outbox().releaseOwnedBy(1)).as("the first row kept its owner").isEqualTo(1);
        List<Envelope> claimed = store.outbox().claim(PARTNER, 3, 10);
        assertThat(claimed).extracting(Envelope::id).containsExactly(first.id());
        assertThat(claimed.get(0).body()).as("the first row kept its body").isEqualTo(first.body());
    }

    @Test
    void aDuplicateInsideOneBatchIsStoredOnceTheFirstCopy() {
        Envelope first = envelope("OrderPlaced", 1);
        Envelope copy = first.toBuilder().body("{\"copy\":true}".getBytes(StandardCharsets.UTF_8)).build();
        Envelope other = envelope("OrderPlaced", 2);

        Set<UUID> duplicates = store.inbox().store(null, QUEUE, List.of(first, copy, other), 0, now);

        assertThat(duplicates).as("this call stored it").isEmpty();
        assertCounts(2, 0, 0);
        List<Envelope> claimed = store.inbox().claimIncoming(QUEUE, 1, 10);
        assertThat(claimed).extracting(Envelope::id).containsExactly(first.id(), other.id());
        assertThat(claimed.get(0).body()).isEqualTo(first.body());
    }

    @Test
    void anEnvelopeForLaterIsScheduledAndUnownedAndOneDueNowIsIncoming() {
        Envelope later = envelope("Reminder", 1).withScheduledTime(now.plusMillis(1));
        Envelope dueNow = envelope("Reminder", 2).withScheduledTime(now);
        Envelope past = envelope("Reminder", 3).withScheduledTime(now.minusSeconds(60));

        store.inbox().store(null, QUEUE, List.of(later, dueNow, past), 5, now);

        StoreAdmin.Counts counts = store.admin().counts();
        assertThat(counts.scheduled()).isEqualTo(1);
        assertThat(counts.incomingByOwner()).containsExactly(Map.entry(5, 2L));
        assertThat(store.admin().owners()).as("scheduled rows are nobody's yet").containsExactly(5);
        assertThat(store.inbox().claimDueScheduled(now, 6, 10)).isEmpty();
        assertThat(store.inbox().claimDueScheduled(now.plusMillis(1), 6, 10)).extracting(Envelope::id).containsExactly(later.id());
    }

    @Test
    void storingNothingChangesNothing() {
        assertThat(store.inbox().store(null, QUEUE, List.of(), 1, now)).isEmpty();
        store.outbox().store(null, List.of(), 1);
        assertCounts(0, 0, 0);
    }

    // ---------------------------------------------------------------- inbox: claims

    @Test
    void claimIncomingTakesUnownedEnvelopesOfOneEndpointOldestFirstUpToTheLimit() {
        List<Envelope> unowned = envelopes("OrderPlaced", 5);
        store.inbox().store(null, QUEUE, unowned, 0, now);
        store.inbox().store(null, OTHER_QUEUE, envelopes("InvoiceDue", 2), 0, now);
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 1), 7, now);

        assertThat(store.inbox().claimIncoming(QUEUE, 1, 3)).extracting(Envelope::id).containsExactlyElementsOf(ids(unowned.subList(0, 3)));
        assertThat(store.inbox().claimIncoming(QUEUE, 2, 3)).extracting(Envelope::id).containsExactlyElementsOf(ids(unowned.subList(3, 5)));
        assertThat(store.inbox().claimIncoming(QUEUE, 2, 3)).isEmpty();
        assertThat(store.inbox().claimIncoming(QUEUE, 2, 0)).isEmpty();

        assertThat(store.admin().counts().incomingByOwner())
                .containsOnly(Map.entry(0, 2L), Map.entry(1, 3L), Map.entry(2, 2L), Map.entry(7, 1L));
        assertThat(store.inbox().endpointsWithUnowned()).containsExactly(OTHER_QUEUE);
    }

    @Test
    void claimDueScheduledTakesDueEnvelopesByTimeAndMakesThemIncomingOwnedByTheClaimer() {
        Envelope at30 = envelope("Reminder", 30).withScheduledTime(now.plusSeconds(30));
        Envelope at10 = envelope("Reminder", 10).withScheduledTime(now.plusSeconds(10));
        Envelope at20 = envelope("Reminder", 20).withScheduledTime(now.plusSeconds(20));
        Envelope at100 = envelope("Reminder", 100).withScheduledTime(now.plusSeconds(100));
        store.inbox().store(null, QUEUE, List.of(at30, at10, at20, at100), 1, now);

        assertThat(store.inbox().claimDueScheduled(now.plusSeconds(5), 4, 10)).isEmpty();
        List<Envelope> first = store.inbox().claimDueScheduled(now.plusSeconds(50), 4, 2);
        List<Envelope> second = store.inbox().claimDueScheduled(now.plusSeconds(50), 4, 10);

        assertThat(first).extracting(Envelope::id).containsExactly(at10.id(), at20.id());
        assertThat(second).extracting(Envelope::id).containsExactly(at30.id());
        assertWhole(first.get(0), at10, QUEUE);
        StoreAdmin.Counts counts = store.admin().counts();
        assertThat(counts.scheduled()).isEqualTo(1);
        assertThat(counts.incomingByOwner()).containsExactly(Map.entry(4, 3L));
        assertThat(store.inbox().claimIncoming(QUEUE, 5, 10)).as("owned by node 4").isEmpty();
    }

    @Test
    void releaseGivesClaimedIncomingEnvelopesBackToAnyNode() {
        List<Envelope> all = envelopes("OrderPlaced", 3);
        store.inbox().store(null, QUEUE, all, 0, now);
        List<Envelope> claimed = store.inbox().claimIncoming(QUEUE, 1, 10);
        store.inbox().markHandled(null, List.of(all.get(2).id()), 1, now.plusSeconds(60));

        store.inbox().release(ids(claimed), 1);

        assertThat(store.inbox().claimIncoming(QUEUE, 2, 10)).extracting(Envelope::id).containsExactlyElementsOf(ids(all.subList(0, 2)));
        assertCounts(2, 0, 1);
        store.inbox().release(List.of(), 1);
    }

    @Test
    void loadReadsBackOnlyIncomingEnvelopesOfTheOwnerInTheOrderAsked() {
        List<Envelope> mine = envelopes("OrderPlaced", 4);
        store.inbox().store(null, QUEUE, mine, 7, now);
        Envelope theirs = envelope("OrderPlaced", 5);
        store.inbox().store(null, QUEUE, List.of(theirs), 8, now);
        assertThat(store.inbox().markHandled(null, mine.get(1).id(), 7, now.plusSeconds(60))).isTrue();

        List<Envelope> loaded = store.inbox().load(List.of(mine.get(3).id(), theirs.id(), mine.get(1).id(), UUID.randomUUID(),
                mine.get(0).id()), 7);

        assertThat(loaded).extracting(Envelope::id).containsExactly(mine.get(3).id(), mine.get(0).id());
        assertThat(loaded.get(0).destination()).isEqualTo(QUEUE);
        assertThat(loaded.get(0).body()).isEqualTo(mine.get(3).body());
        assertThat(store.inbox().load(List.of(), 7)).isEmpty();
        assertCounts(4, 0, 1);
    }

    @Test
    void markingABatchHandledCountsOnlyTheEnvelopesItMarked() {
        List<Envelope> mine = envelopes("OrderPlaced", 3);
        store.inbox().store(null, QUEUE, mine, 7, now);
        store.inbox().store(null, QUEUE, List.of(envelope("OrderPlaced", 9)), 8, now);
        Envelope theirs = envelope("OrderPlaced", 10);
        store.inbox().store(null, QUEUE, List.of(theirs), 8, now);

        assertThat(store.inbox().markHandled(null, List.of(mine.get(0).id(), mine.get(1).id(), theirs.id(), UUID.randomUUID()), 7,
                now.plusSeconds(60))).isEqualTo(2);
        assertThat(store.inbox().markHandled(null, List.of(mine.get(0).id(), mine.get(2).id()), 7, now.plusSeconds(60))).isEqualTo(1);
        assertThat(store.inbox().markHandled(null, List.of(), 7, now.plusSeconds(60))).isZero();
    }

    @Test
    void releaseOwnedByGivesBackTheIncomingEnvelopesOfOneNodeOnly() {
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 3), 7, now);
        store.inbox().store(null, OTHER_QUEUE, envelopes("InvoiceDue", 1), 7, now);
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 2), 8, now);
        Envelope handled = envelope("OrderPlaced", 9);
        store.inbox().store(null, QUEUE, List.of(handled), 7, now);
        assertThat(store.inbox().markHandled(null, handled.id(), 7, now.plusSeconds(60))).isTrue();
        assertThat(store.inbox().endpointsWithUnowned()).isEmpty();

        assertThat(store.inbox().releaseOwnedBy(7)).isEqualTo(4);

        assertThat(store.inbox().endpointsWithUnowned()).containsExactlyInAnyOrder(QUEUE, OTHER_QUEUE);
        assertThat(store.admin().counts().incomingByOwner()).containsOnly(Map.entry(0, 4L), Map.entry(8, 2L));
        assertThat(store.inbox().releaseOwnedBy(7)).isZero();
    }

    @Test
    void endpointsWithUnownedNamesOnlyEndpointsWithUnownedIncomingEnvelopes() {
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 1), 1, now);
        store.inbox().store(null, OTHER_QUEUE, List.of(envelope("InvoiceDue", 1).withScheduledTime(now.plusSeconds(60))), 0, now);
        Envelope handled = envelope("Shipped", 1);
        URI shipping = URI.create("local://shipping");
        store.inbox().store(null, shipping, List.of(handled), 0, now);
        store.inbox().markHandled(null, List.of(handled.id()), 0, now.plusSeconds(60));
        assertThat(store.inbox().endpointsWithUnowned()).isEmpty();

        store.inbox().store(null, shipping, envelopes("Shipped", 1), 0, now);

        assertThat(store.inbox().endpointsWithUnowned()).containsExactly(shipping);
    }

    // ---------------------------------------------------------------- inbox: handling

    @Test
    void markHandledMarksABatchAndIgnoresMissingIds() {
        List<Envelope> all = envelopes("OrderPlaced", 3);
        store.inbox().store(null, QUEUE, all, 1, now);

        store.inbox().markHandled(null, List.of(all.get(0).id(), all.get(1).id(), UUID.randomUUID()), 1, now.plusSeconds(60));
        store.inbox().markHandled(null, List.of(), 1, now.plusSeconds(60));

        assertCounts(1, 0, 2);
        assertThat(store.admin().counts().incomingByOwner()).containsExactly(Map.entry(1, 1L));
        assertThat(store.inbox().store(null, QUEUE, all.subList(0, 2), 1, now)).containsExactlyInAnyOrderElementsOf(ids(all.subList(0, 2)));
    }

    @Test
    void deleteHandledEndsOnlyTheCallersIncomingEnvelopesDeletingThemOrKeepingThemAsHandled() {
        List<Envelope> mine = envelopes("OrderPlaced", 3);
        store.inbox().store(null, QUEUE, mine, 7, now);
        Envelope theirs = envelope("OrderPlaced", 10);
        store.inbox().store(null, QUEUE, List.of(theirs), 8, now);
        Envelope marked = envelope("OrderPlaced", 11);
        store.inbox().store(null, QUEUE, List.of(marked), 7, now);
        store.inbox().markHandled(null, List.of(marked.id()), 7, now.plusSeconds(60));

        assertThat(store.inbox().deleteHandled(null, List.of(mine.get(0).id(), mine.get(1).id(), theirs.id(), marked.id(), UUID.randomUUID()), 7,
                now.plusSeconds(60))).isEqualTo(2);
        assertThat(store.inbox().deleteHandled(null, List.of(mine.get(0).id()), 7, now.plusSeconds(60))).isZero();
        assertThat(store.inbox().deleteHandled(null, List.of(), 7, now.plusSeconds(60))).isZero();

        StoreAdmin.Counts counts = store.admin().counts();
        assertThat(counts.incoming()).as("mine[2] and theirs still incoming").isEqualTo(2);
        // A store deletes the rows (no record: the ids are stored again as new envelopes) or marks them, as the default does.
        boolean deleted = counts.handled() == 1;
        assertThat(counts.handled()).as("the marked one, and the ended ones if kept").isIn(1L, 3L);
        assertThat(store.inbox().store(null, QUEUE, List.of(mine.get(0), mine.get(1), marked), 7, now))
                .containsExactlyInAnyOrderElementsOf(deleted ? List.of(marked.id()) : ids(List.of(mine.get(0), mine.get(1), marked)));
    }

    @Test
    void aDeleteHandledInARolledBackTransactionChangesNothing() {
        Envelope envelope = envelope("OrderPlaced", 1);
        store.inbox().store(null, QUEUE, List.of(envelope), 7, now);
        StoreTransaction transaction = store.begin();
        assertThat(store.inbox().deleteHandled(transaction, List.of(envelope.id()), 7, now.plusSeconds(60))).isEqualTo(1);
        transaction.rollback();

        assertCounts(1, 0, 0);
        assertThat(store.inbox().deleteHandled(null, List.of(envelope.id()), 7, now.plusSeconds(60))).isEqualTo(1);
        assertThat(store.admin().counts().incoming()).isZero();
    }

    @Test
    void theOwnerCheckedMarkSucceedsOnlyForAnIncomingEnvelopeOwnedByTheCaller() {
        Envelope mine = envelope("OrderPlaced", 1);
        Envelope theirs = envelope("OrderPlaced", 2);
        Envelope unowned = envelope("OrderPlaced", 3);
        Envelope later = envelope("OrderPlaced", 4).withScheduledTime(now.plusSeconds(60));
        store.inbox().store(null, QUEUE, List.of(mine, later), 1, now);
        store.inbox().store(null, QUEUE, List.of(theirs), 2, now);
        store.inbox().store(null, QUEUE, List.of(unowned), 0, now);

        assertThat(markInTransaction(theirs.id(), 1)).as("owned by another node").isFalse();
        assertThat(markInTransaction(unowned.id(), 1)).as("owned by no node").isFalse();
        assertThat(markInTransaction(later.id(), 1)).as("scheduled").isFalse();
        assertThat(markInTransaction(UUID.randomUUID(), 1)).as("missing").isFalse();
        assertThat(markInTransaction(mine.id(), 1)).as("incoming and mine").isTrue();
        assertThat(markInTransaction(mine.id(), 1)).as("handled already").isFalse();
        assertThat(store.inbox().markHandled(null, theirs.id(), 2, now.plusSeconds(60))).as("without a transaction").isTrue();

        assertCounts(1, 1, 2);
    }

    @Test
    void recordAttemptsKeepsTheAttemptsOfAnEnvelope() {
        Envelope envelope = envelope("OrderPlaced", 1);
        store.inbox().store(null, QUEUE, List.of(envelope), 0, now);

        store.inbox().recordAttempts(envelope.id(), 0, 3);
        store.inbox().recordAttempts(UUID.randomUUID(), 0, 3);

        assertThat(store.inbox().claimIncoming(QUEUE, 1, 10)).singleElement().extracting(Envelope::attempts).isEqualTo(3);
    }

    @Test
    void scheduleRetryMakesAnIncomingEnvelopeScheduledAgainOwnedByNobody() {
        Envelope envelope = envelope("OrderPlaced", 1);
        store.inbox().store(null, QUEUE, List.of(envelope), 5, now);

        assertThat(store.inbox().scheduleRetry(envelope.id(), 4, 2, now.plusSeconds(5))).as("not node 4's").isFalse();
        assertCounts(1, 0, 0);
        assertThat(store.inbox().scheduleRetry(envelope.id(), 5, 2, now.plusSeconds(5))).isTrue();

        assertCounts(0, 1, 0);
        assertThat(store.inbox().claimIncoming(QUEUE, 6, 10)).isEmpty();
        assertThat(store.inbox().claimDueScheduled(now.plusSeconds(4), 6, 10)).isEmpty();
        List<Envelope> due = store.inbox().claimDueScheduled(now.plusSeconds(5), 6, 10);
        assertThat(due).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(envelope.id());
            assertThat(e.attempts()).isEqualTo(2);
        });
        assertThat(store.admin().counts().incomingByOwner()).containsExactly(Map.entry(6, 1L));
    }

    @Test
    void removeDeletesOnlyAnIncomingEnvelopeTheNodeOwnsSoTheIdCanBeStoredAgain() {
        Envelope owned = envelope("OrderPlaced", 1);
        Envelope handled = envelope("OrderPlaced", 2);
        store.inbox().store(null, QUEUE, List.of(owned, handled), 5, now);
        store.inbox().markHandled(null, handled.id(), 5, now.plusSeconds(60));

        assertThat(store.inbox().remove(null, owned.id(), 4)).as("not node 4's").isFalse();
        assertThat(store.inbox().remove(null, handled.id(), 5)).as("handled").isFalse();
        try (StoreTransaction transaction = store.begin()) {
            assertThat(store.inbox().remove(transaction, owned.id(), 5)).isTrue();
            // rolled back: still there
        }
        assertCounts(1, 0, 1);
        assertThat(store.inbox().remove(null, owned.id(), 5)).isTrue();
        assertThat(store.inbox().remove(null, owned.id(), 5)).as("gone already").isFalse();

        assertCounts(0, 0, 1);
        assertThat(store.inbox().store(null, QUEUE, List.of(owned), 6, now)).as("a new envelope now").isEmpty();
    }

    @Test
    void takesThatNeverEndedAndSuspectedAttemptsAreCountedSoAPoisonMessageIsToldFromTheRest() {
        Envelope held = envelope("Charge", 1);
        Envelope unowned = envelope("Charge", 2);
        store.inbox().store(null, QUEUE, List.of(held), 5, now); // stored owned: taken once
        store.inbox().store(null, QUEUE, List.of(unowned), 0, now);

        assertThat(store.inbox().releaseOwnedBy(5)).as("node 5 died holding it").isEqualTo(1);
        Map<UUID, Inbox.Claimed> first = byId(store.inbox().take(QUEUE, 6, 10));
        assertThat(first.get(held.id()).unfinishedTakes()).isEqualTo(1);
        assertThat(first.get(unowned.id()).unfinishedTakes()).isZero();
        assertThat(first.get(held.id()).crashes()).isZero();

        assertThat(store.inbox().recordSuspectStart(held.id(), 7)).as("not node 7's").isFalse();
        assertThat(store.inbox().recordSuspectStart(held.id(), 6)).isTrue();
        assertThat(store.inbox().releaseOwnedBy(6)).as("node 6 died too, in the suspected attempt").isEqualTo(2);
        Map<UUID, Inbox.Claimed> second = byId(store.inbox().take(QUEUE, 8, 10));
        assertThat(second.get(held.id()).unfinishedTakes()).isEqualTo(2);
        assertThat(second.get(held.id()).crashes()).isEqualTo(1);
        assertThat(second.get(unowned.id()).unfinishedTakes()).isEqualTo(1);

        // An attempt that ended, a failure recorded and a live node's release end the takes; crashes stay counted.
        assertThat(store.inbox().recordSuspectStart(held.id(), 8)).isTrue();
        store.inbox().recordSuspectEnd(held.id(), 8);
        store.inbox().recordAttempts(held.id(), 8, 1);
        store.inbox().release(List.of(held.id(), unowned.id()), 8);
        Map<UUID, Inbox.Claimed> third = byId(store.inbox().take(QUEUE, 9, 10));
        assertThat(third.get(held.id()).unfinishedTakes()).isZero();
        assertThat(third.get(held.id()).crashes()).isEqualTo(1);
        assertThat(third.get(unowned.id()).unfinishedTakes()).isZero();
        store.inbox().recordSuspectEnd(held.id(), 9);
        store.inbox().recordSuspectEnd(held.id(), 9);
        assertThat(store.inbox().scheduleRetry(held.id(), 9, 1, now)).isTrue();
        assertThat(store.inbox().claimDueScheduled(now, 10, 10)).hasSize(1);
        store.inbox().releaseOwnedBy(10);
        Inbox.Claimed retried = byId(store.inbox().take(QUEUE, 11, 10)).get(held.id());
        assertThat(retried.unfinishedTakes()).as("a scheduled retry starts its takes over").isEqualTo(1);
        assertThat(retried.crashes()).as("never below 0").isZero();
    }

    private static Map<UUID, Inbox.Claimed> byId(List<Inbox.Claimed> claimed) {
        return claimed.stream().collect(java.util.stream.Collectors.toMap(c -> c.envelope().id(), c -> c));
    }

    @Test
    void aRetryNeverBringsBackAHandledEnvelope() {
        Envelope envelope = envelope("OrderPlaced", 1);
        store.inbox().store(null, QUEUE, List.of(envelope), 5, now);
        assertThat(store.inbox().markHandled(null, envelope.id(), 5, now.plusSeconds(60))).isTrue();

        assertThat(store.inbox().scheduleRetry(envelope.id(), 5, 2, now.minusSeconds(1))).isFalse();

        assertCounts(0, 0, 1);
        assertThat(store.inbox().claimDueScheduled(now, 6, 10)).isEmpty();
    }

    @Test
    void handledEnvelopesAreDeletedAfterTheirKeepTimeInBoundedBatches() {
        List<Envelope> all = envelopes("OrderPlaced", 25);
        store.inbox().store(null, QUEUE, all, 1, now);
        store.inbox().markHandled(null, ids(all.subList(0, 20)), 1, now.plus(Duration.ofMinutes(5)));

        assertThat(store.inbox().deleteExpiredHandled(now.plus(Duration.ofMinutes(5)), 100)).as("kept until then").isZero();
        assertThat(store.inbox().deleteExpiredHandled(now.plus(Duration.ofMinutes(10)), 8)).isEqualTo(8);
        assertThat(store.inbox().deleteExpiredHandled(now.plus(Duration.ofMinutes(10)), 100)).isEqualTo(12);
        assertThat(store.inbox().deleteExpiredHandled(now.plus(Duration.ofMinutes(10)), 100)).isZero();
        assertCounts(5, 0, 0);
        assertThat(store.inbox().store(null, QUEUE, all.subList(0, 1), 1, now)).as("forgotten once deleted").isEmpty();
    }

    // ---------------------------------------------------------------- transactions

    @Test
    void aCommittedTransactionKeepsEveryWriteMadeInIt() {
        Fixture fixture = transactionFixture();

        try (StoreTransaction transaction = store.begin()) {
            fixture.writeIn(transaction);
            transaction.commit();
        }

        assertCounts(1, 0, 1);
        assertThat(store.inbox().claimIncoming(QUEUE, 2, 10)).extracting(Envelope::id).containsExactly(fixture.received.id());
        assertThat(store.outbox().claim(PARTNER, 2, 10)).extracting(Envelope::id).containsExactly(fixture.cascade.id());
    }

    @Test
    void aRolledBackTransactionLeavesNoTraceOfItsWrites() {
        Fixture fixture = transactionFixture();

        try (StoreTransaction transaction = store.begin()) {
            fixture.writeIn(transaction);
            transaction.rollback();
        }

        fixture.assertNothingWritten();
    }

    @Test
    void aTransactionClosedWithoutCommitIsRolledBack() {
        Fixture fixture = transactionFixture();

        try (StoreTransaction transaction = store.begin()) {
            fixture.writeIn(transaction);
        }

        fixture.assertNothingWritten();
    }

    @Test
    void aTransactionSeesItsOwnWrites() {
        Envelope envelope = envelope("OrderPlaced", 1);
        Envelope cascade = outgoing("OrderShipped", 1);

        try (StoreTransaction transaction = store.begin()) {
            assertThat(store.inbox().store(transaction, QUEUE, List.of(envelope), 3, now)).isEmpty();
            assertThat(store.inbox().store(transaction, QUEUE, List.of(envelope), 3, now)).containsExactly(envelope.id());
            assertThat(store.inbox().markHandled(transaction, envelope.id(), 3, now.plusSeconds(60))).isTrue();
            assertThat(store.inbox().markHandled(transaction, envelope.id(), 3, now.plusSeconds(60))).isFalse();
            store.outbox().store(transaction, List.of(cascade), 0);
            store.outbox().delete(transaction, List.of(cascade.id()), 0);
            transaction.commit();
        }

        assertCounts(0, 0, 1);
        assertThat(store.admin().counts().outgoing()).isZero();
    }

    @Test
    void aTransactionEndsOnce() {
        StoreTransaction transaction = store.begin();
        transaction.commit();

        assertThatThrownBy(transaction::commit).isInstanceOf(IllegalStateException.class);
        transaction.rollback();
        transaction.close();
    }

    // ---------------------------------------------------------------- outbox

    @Test
    void outboxClaimsUnownedEnvelopesOfOneDestinationOldestFirstUpToTheLimit() {
        List<Envelope> unowned = outgoingBatch("Charge", 5);
        Envelope original = unowned.get(0);
        store.outbox().store(null, unowned, 0);
        store.outbox().store(null, List.of(outgoing("Charge", 6).withDestination(OTHER_PARTNER)), 0);
        store.outbox().store(null, List.of(outgoing("Charge", 7)), 3);

        List<Envelope> first = store.outbox().claim(PARTNER, 9, 3);
        List<Envelope> second = store.outbox().claim(PARTNER, 8, 3);

        assertThat(first).extracting(Envelope::id).containsExactlyElementsOf(ids(unowned.subList(0, 3)));
        assertThat(second).extracting(Envelope::id).containsExactlyElementsOf(ids(unowned.subList(3, 5)));
        assertThat(store.outbox().claim(PARTNER, 8, 3)).isEmpty();
        assertWhole(first.get(0), original, PARTNER);
        StoreAdmin.Counts counts = store.admin().counts();
        assertThat(counts.outgoing()).isEqualTo(7);
        assertThat(counts.outgoingByOwner()).containsOnly(Map.entry(0, 1L), Map.entry(3, 1L), Map.entry(8, 2L), Map.entry(9, 3L));
        assertThat(store.admin().owners()).as("owned rows only: 0 is nobody").containsExactly(3, 8, 9);
        assertThat(store.outbox().destinationsWithUnowned()).containsExactly(OTHER_PARTNER);
    }

    @Test
    void outboxDeleteRemovesConfirmedEnvelopesAndIgnoresMissingIds() {
        List<Envelope> all = outgoingBatch("Charge", 3);
        store.outbox().store(null, all, 0);

        store.outbox().delete(null, List.of(all.get(0).id(), all.get(1).id(), UUID.randomUUID()), 0);
        store.outbox().delete(null, List.of(), 0);

        assertThat(store.outbox().claim(PARTNER, 1, 10)).extracting(Envelope::id).containsExactly(all.get(2).id());
    }

    @Test
    void outboxReleaseGivesEnvelopesBackWithTheAttemptsMadeSoFar() {
        store.outbox().store(null, outgoingBatch("Charge", 2), 0);
        List<Envelope> claimed = store.outbox().claim(PARTNER, 1, 10);
        assertThat(store.outbox().destinationsWithUnowned()).isEmpty();

        store.outbox().release(ids(claimed), 1, 2);
        store.outbox().release(List.of(), 1, 5);

        assertThat(store.outbox().destinationsWithUnowned()).containsExactly(PARTNER);
        assertThat(store.outbox().claim(PARTNER, 2, 10)).extracting(Envelope::attempts).containsExactly(2, 2);
    }

    @Test
    void outboxReleaseOwnedByGivesBackTheEnvelopesOfOneNodeOnly() {
        store.outbox().store(null, outgoingBatch("Charge", 3), 7);
        store.outbox().store(null, outgoingBatch("Charge", 2), 8);

        assertThat(store.outbox().releaseOwnedBy(7)).isEqualTo(3);

        assertThat(store.admin().counts().outgoingByOwner()).containsOnly(Map.entry(0, 3L), Map.entry(8, 2L));
        assertThat(store.outbox().releaseOwnedBy(7)).isZero();
    }

    @Test
    void outboxDeletesExpiredEnvelopesInBoundedBatchesAndNeverOnesWithoutExpiry() {
        List<Envelope> expiring = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expiring.add(outgoing("Charge", i).toBuilder().deliverBy(now.plusSeconds(10 + i)).build());
        }
        store.outbox().store(null, expiring, 0);
        store.outbox().store(null, outgoingBatch("Charge", 2), 0);

        assertThat(store.outbox().deleteExpired(now.plusSeconds(10), 100)).as("not before its time").isZero();
        assertThat(store.outbox().deleteExpired(now.plusSeconds(60), 3)).isEqualTo(3);
        assertThat(store.outbox().deleteExpired(now.plusSeconds(60), 100)).isEqualTo(2);
        assertThat(store.outbox().deleteExpired(now.plus(Duration.ofDays(3650)), 100)).isZero();
        assertThat(store.admin().counts().outgoing()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- dead letters

    @Test
    void movingToTheDeadLettersTakesTheEnvelopeOutOfTheInboxWithAllTheExceptionData() {
        Envelope envelope = envelope("Charge", 1).toBuilder().deliverBy(now.plusSeconds(30)).build();
        store.inbox().store(null, QUEUE, List.of(envelope), 1, now);
        DeadLetter letter = letter(envelope, QUEUE, now);

        store.deadLetters().moveFromInbox(letter, now.plus(Duration.ofDays(7)), now.plus(Duration.ofDays(7)));

        assertCounts(0, 0, 1); // its id, kept like a handled one's until the horizon
        DeadLetter found = store.deadLetters().find(envelope.id()).orElseThrow();
        assertThat(found.endpoint()).isEqualTo(QUEUE);
        assertThat(found.reason()).isEqualTo(letter.reason());
        assertThat(found.exceptionType()).isEqualTo(letter.exceptionType());
        assertThat(found.exceptionMessage()).isEqualTo(letter.exceptionMessage());
        assertThat(found.stackTrace()).isEqualTo(letter.stackTrace());
        assertThat(found.attempts()).isEqualTo(3);
        assertThat(found.failedAt()).isEqualTo(now);
        assertWhole(found.envelope(), letter.envelope(), QUEUE);
        assertThat(found.envelope().attempts()).isEqualTo(3);
        assertThat(store.deadLetters().find(UUID.randomUUID())).isEmpty();
    }

    @Test
    void anEnvelopeThatWasNeverStoredCanBeDeadLetteredWithoutAnException() {
        Envelope envelope = envelope("Unknown", 1);
        DeadLetter letter = new DeadLetter(envelope, QUEUE, "no handler", null, null, null, 0, now);

        store.deadLetters().moveFromInbox(letter, null, now.plus(Duration.ofDays(7)));

        DeadLetter found = store.deadLetters().find(envelope.id()).orElseThrow();
        assertThat(found.reason()).isEqualTo("no handler");
        assertThat(found.exceptionType()).isNull();
        assertThat(found.exceptionMessage()).isNull();
        assertThat(found.stackTrace()).isNull();
        assertThat(store.admin().counts().deadLetters()).isEqualTo(1);
    }

    @Test
    void deadLettersAreListedOldestFirstOptionallyOfOneTypeUpToTheLimit() {
        Envelope newest = envelope("Charge", 1);
        Envelope oldest = envelope("Charge", 2);
        Envelope refund = envelope("Refund", 3);
        store.deadLetters().moveFromInbox(letter(newest, QUEUE, now.plusSeconds(20)), null, now.plus(Duration.ofDays(7)));
        store.deadLetters().moveFromInbox(letter(oldest, QUEUE, now), null, now.plus(Duration.ofDays(7)));
        store.deadLetters().moveFromInbox(letter(refund, QUEUE, now.plusSeconds(10)), null, now.plus(Duration.ofDays(7)));

        assertThat(store.deadLetters().list(null, 10)).extracting(DeadLetter::id).containsExactly(oldest.id(), refund.id(), newest.id());
        assertThat(store.deadLetters().list(null, 2)).extracting(DeadLetter::id).containsExactly(oldest.id(), refund.id());
        assertThat(store.deadLetters().list("Charge", 10)).extracting(DeadLetter::id).containsExactly(oldest.id(), newest.id());
        assertThat(store.deadLetters().list("Nothing", 10)).isEmpty();
    }

    @Test
    void replayByIdPutsTheEnvelopeBackIntoTheInboxIncomingUnownedWithNoAttemptsAndKeepsTheLetterMarked() {
        Envelope envelope = envelope("Charge", 1).toBuilder().deliverBy(now.minusSeconds(1)).build();
        Envelope other = envelope("Charge", 2);
        store.deadLetters().moveFromInbox(letter(envelope, QUEUE, now), null, now.plus(Duration.ofDays(7)));
        store.deadLetters().moveFromInbox(letter(other, QUEUE, now), null, now.plus(Duration.ofDays(7)));

        ActionResult replayed = store.deadLetters().replay(DeadLetterFilter.ids(envelope.id()), "ops", now.plusSeconds(5));

        assertThat(replayed).isEqualTo(ActionResult.of(1, 0));
        DeadLetter kept = store.deadLetters().find(envelope.id()).orElseThrow();
        assertThat(kept.replay()).isEqualTo(new DeadLetter.Replay(now.plusSeconds(5), "ops", envelope.id()));
        assertThat(store.deadLetters().find(other.id()).orElseThrow().isReplayed()).isFalse();
        assertThat(store.admin().counts().deadLetters()).as("dead letters not replayed").isEqualTo(1);
        assertThat(store.admin().counts().incomingByOwner()).containsExactly(Map.entry(0, 1L));
        Envelope back = store.inbox().claimIncoming(QUEUE, 1, 10).get(0);
        assertThat(back.id()).isEqualTo(envelope.id());
        assertThat(back.attempts()).isZero();
        assertThat(back.deliverBy()).as("an old expiry no longer applies").isNull();
        assertThat(back.body()).isEqualTo(envelope.body());
    }

    @Test
    void replayByTypeAndReplayOfAllReplayWhatTheyNameOnceAndSkipLettersWithNowhereToGo() {
        Envelope charge1 = envelope("Charge", 1);
        Envelope charge2 = envelope("Charge", 2);
        Envelope refund = envelope("Refund", 3);
        Envelope nowhere = envelope("Refund", 4);
        for (Envelope e : List.of(charge1, charge2, refund)) {
            store.deadLetters().moveFromInbox(letter(e, QUEUE, now), null, now.plus(Duration.ofDays(7)));
        }
        store.deadLetters().moveFromInbox(letter(nowhere, null, now), null, now.plus(Duration.ofDays(7)));

        assertThat(store.deadLetters().replay(DeadLetterFilter.builder().messageType("Charge").build(), "ops", now)).isEqualTo(ActionResult.of(2, 0));
        assertThat(store.deadLetters().replay(DeadLetterFilter.all(), "ops", now)).as("the charges were replayed already")
                .isEqualTo(ActionResult.of(1, 3));

        assertThat(store.deadLetters().query(DeadLetterFilter.all().notReplayed(), PageRequest.first(10)).items())
                .extracting(DeadLetter::id).containsExactly(nowhere.id());
        assertThat(store.inbox().claimIncoming(QUEUE, 1, 10)).extracting(Envelope::id)
                .containsExactlyInAnyOrder(charge1.id(), charge2.id(), refund.id());
        assertThat(store.deadLetters().replay(DeadLetterFilter.ids(UUID.randomUUID()), "ops", now)).isEqualTo(ActionResult.of(0, 0));
    }

    @Test
    void onlyTheOwnerOfAnIncomingEnvelopeMovesItToTheDeadLettersWithTheOwnerCheckedMove() {
        Envelope owned = envelope("Charge", 1);
        Envelope handled = envelope("Charge", 2);
        store.inbox().store(null, QUEUE, List.of(owned, handled), 5, now);
        assertThat(store.inbox().markHandled(null, handled.id(), 5, now.plusSeconds(60))).isTrue();

        assertThat(store.deadLetters().moveFromInbox(null, letter(owned, QUEUE, now), 4, null, now.plus(Duration.ofDays(7)))).as("node 4 does not own it").isFalse();
        assertThat(store.deadLetters().moveFromInbox(null, letter(handled, QUEUE, now), 5, null, now.plus(Duration.ofDays(7)))).as("handled already").isFalse();
        assertThat(store.deadLetters().list(null, 10)).isEmpty();
        assertCounts(1, 0, 1);

        assertThat(store.deadLetters().moveFromInbox(null, letter(owned, QUEUE, now), 5, null, now.plus(Duration.ofDays(7)))).isTrue();
        assertThat(store.deadLetters().list(null, 10)).extracting(DeadLetter::id).containsExactly(owned.id());
        assertCounts(0, 0, 2);
        assertThat(store.inbox().store(null, QUEUE, List.of(owned), 6, now)).as("its id is remembered: a resend is a duplicate")
                .containsExactly(owned.id());
        assertThat(store.inbox().deleteExpiredHandled(now.plus(Duration.ofDays(7)).plusSeconds(1), 10)).as("until the horizon").isEqualTo(2);
    }

    @Test
    void theOwnerCheckedMoveInATransactionIsUndoneByItsRollback() {
        Envelope owned = envelope("Charge", 1);
        store.inbox().store(null, QUEUE, List.of(owned), 5, now);
        try (StoreTransaction transaction = store.begin()) {
            assertThat(store.deadLetters().moveFromInbox(transaction, letter(owned, QUEUE, now), 5, null, now.plusSeconds(60))).isTrue();
        }
        assertThat(store.deadLetters().list(null, 10)).isEmpty();
        assertCounts(1, 0, 0);
        try (StoreTransaction transaction = store.begin()) {
            assertThat(store.deadLetters().moveFromInbox(transaction, letter(owned, QUEUE, now), 5, null, now.plusSeconds(60))).isTrue();
            transaction.commit();
        }
        assertThat(store.deadLetters().list(null, 10)).extracting(DeadLetter::id).containsExactly(owned.id());
        assertCounts(0, 0, 1);
    }

    @Test
    void anEnvelopeThatFailsAgainAfterReplayIsOneDeadLetterAgain() {
        Envelope envelope = envelope("Charge", 1);
        store.deadLetters().moveFromInbox(letter(envelope, QUEUE, now), null, now.plus(Duration.ofDays(7)));
        store.deadLetters().replay(DeadLetterFilter.ids(envelope.id()), "ops", now);
        store.inbox().claimIncoming(QUEUE, 1, 10);

        store.deadLetters().moveFromInbox(letter(envelope, QUEUE, now.plusSeconds(1)), null, now.plus(Duration.ofDays(7)));

        assertThat(store.deadLetters().list(null, 10)).extracting(DeadLetter::failedAt).containsExactly(now.plusSeconds(1));
        assertThat(store.deadLetters().find(envelope.id()).orElseThrow().isReplayed()).as("a new failure, not replayed").isFalse();
        assertCounts(0, 0, 1); // its id, kept like a handled one's
        assertThat(store.deadLetters().replay(DeadLetterFilter.ids(envelope.id()), "ops", now)).as("replayable again").isEqualTo(ActionResult.of(1, 0));
    }

    @Test
    void deleteRemovesDeadLettersByIdByTypeOrAll() {
        List<Envelope> charges = envelopes("Charge", 3);
        Envelope refund = envelope("Refund", 1);
        charges.forEach(e -> store.deadLetters().moveFromInbox(letter(e, QUEUE, now), null, now.plus(Duration.ofDays(7))));
        store.deadLetters().moveFromInbox(letter(refund, QUEUE, now), null, now.plus(Duration.ofDays(7)));

        assertThat(store.deadLetters().delete(DeadLetterFilter.ids(charges.get(0).id()), "ops", now).touched()).isEqualTo(1);
        assertThat(store.deadLetters().delete(DeadLetterFilter.ids(charges.get(0).id()), "ops", now).touched()).isZero();
        assertThat(store.deadLetters().delete(DeadLetterFilter.ids(refund.id()).toBuilder().messageType("Charge").build(), "ops", now).touched())
                .as("both filters apply").isZero();
        assertThat(store.deadLetters().delete(DeadLetterFilter.builder().messageType("Refund").build(), "ops", now).touched()).isEqualTo(1);
        assertThat(store.deadLetters().delete(DeadLetterFilter.all(), "ops", now).touched()).isEqualTo(2);
        assertThat(store.admin().counts().deadLetters()).isZero();
    }

    @Test
    void expiredDeadLettersAreDeletedInBoundedBatchesAndNeverOnesWithoutExpiry() {
        for (int i = 0; i < 5; i++) {
            store.deadLetters().moveFromInbox(letter(envelope("Charge", i), QUEUE, now), now.plusSeconds(10 + i), now.plus(Duration.ofDays(7)));
        }
        store.deadLetters().moveFromInbox(letter(envelope("Charge", 9), QUEUE, now), null, now.plus(Duration.ofDays(7)));

        assertThat(store.deadLetters().deleteExpired(now.plusSeconds(10), 100)).as("not before its time").isZero();
        assertThat(store.deadLetters().deleteExpired(now.plusSeconds(60), 3)).isEqualTo(3);
        assertThat(store.deadLetters().deleteExpired(now.plusSeconds(60), 100)).isEqualTo(2);
        assertThat(store.deadLetters().deleteExpired(now.plus(Duration.ofDays(3650)), 100)).isZero();
        assertThat(store.deadLetters().list(null, 10)).hasSize(1);
    }

    // ---------------------------------------------------------------- nodes

    @Test
    void nodesRegisterWithIdsAboveZeroAndRenewTheirLeaseUntilDeregistered() throws Exception {
        int a = store.nodes().register("orders", "host-a pid 42");
        int b = store.nodes().register("orders", "host-b pid 7");
        Instant registered = heartbeatOf(a);
        Thread.sleep(20);

        assertThat(store.nodes().renew(a)).isTrue();

        assertThat(a).isPositive().isNotEqualTo(b);
        assertThat(b).isPositive();
        assertThat(heartbeatOf(a)).as("renewed by the store's clock").isAfter(registered);
        assertThat(store.nodes().nodes()).extracting(NodeRegistry.Node::id, NodeRegistry.Node::serviceName, NodeRegistry.Node::description)
                .containsExactlyInAnyOrder(tuple(a, "orders", "host-a pid 42"), tuple(b, "orders", "host-b pid 7"));
        store.nodes().deregister(a);
        assertThat(store.nodes().nodes()).extracting(NodeRegistry.Node::id).containsExactly(b);
        store.nodes().deregister(a);
    }

    @Test
    void aRenewalOfANodeThatIsNotRegisteredChangesNothingSoTheNodeStopsActingAsIt() {
        int id = store.nodes().register("orders", "host-a");
        store.nodes().deregister(id);

        assertThat(store.nodes().renew(id)).isFalse();
        assertThat(store.nodes().renew(id + 1000)).isFalse();
        assertThat(store.nodes().nodes()).isEmpty();
    }

    @Test
    void nodeIdsAreNeverHandedOutTwiceNotEvenAfterTheNodesAreGone() {
        int first = store.nodes().register("orders", "host-a");
        store.nodes().deregister(first);
        int second = store.nodes().register("orders", "host-a again");
        store.admin().clearAll();
        int third = store.nodes().register("orders", "host-a once more");

        assertThat(second).isGreaterThan(first);
        assertThat(third).isGreaterThan(second);
    }

    @Test
    void oneNodeLeadsAtATimeAndTheLeaseMovesOnlyOnceItRanOutOrWasGivenUp() throws Exception {
        int a = store.nodes().register("orders", "host-a");
        int b = store.nodes().register("orders", "host-b");
        Duration lease = Duration.ofMillis(400);

        long first = store.nodes().lead(a, lease);
        assertThat(first).isPositive();
        assertThat(store.nodes().lead(b, lease)).as("a holds it").isZero();
        assertThat(store.nodes().lead(a, lease)).as("renewed, same term").isEqualTo(first);
        assertThat(store.nodes().leader()).extracting(NodeRegistry.Leader::nodeId, NodeRegistry.Leader::term).containsExactly(a, first);

        Thread.sleep(lease.toMillis() + 150);
        long second = store.nodes().lead(b, lease);
        assertThat(second).as("a's lease ran out: b takes it in a new term").isGreaterThan(first);
        assertThat(store.nodes().lead(a, lease)).isZero();
        assertThat(store.nodes().releaseDead(a, first, Duration.ofMinutes(1), lease, true)).as("a was deposed: its work changes nothing").isNull();

        store.nodes().resign(a, first);
        assertThat(store.nodes().lead(a, lease)).as("resigning a term one does not hold changes nothing").isZero();
        store.nodes().resign(b, second);
        assertThat(store.nodes().lead(a, lease)).as("given up: taken at once").isGreaterThan(second);
    }

    @Test
    void aNodeThatIsNotRegisteredNeitherLeadsNorKeepsTheLease() {
        int a = store.nodes().register("orders", "host-a");
        int b = store.nodes().register("orders", "host-b");
        Duration lease = Duration.ofMinutes(1);
        long term = store.nodes().lead(a, lease);
        store.nodes().deregister(a);

        assertThat(store.nodes().lead(a, lease)).isZero();
        assertThat(store.nodes().lead(b, lease)).as("its holder was declared dead: the lease is free").isGreaterThan(term);
        assertThat(store.nodes().lead(store.nodes().register("orders", "gone") + 1000, lease)).isZero();
    }

    @Test
    void theLeaderDeclaresDeadTheNodesWhoseLeaseRanOutAndReleasesTheirRowsAndOrphans() throws Exception {
        int leader = store.nodes().register("orders", "leader");
        int stale = store.nodes().register("orders", "stale");
        int live = store.nodes().register("orders", "live");
        int gone = store.nodes().register("orders", "gone");
        store.nodes().deregister(gone);
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 3), stale, now);
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 2), live, now);
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 4), gone, now);
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 1), live + 1000, now); // an id not handed out yet
        store.outbox().store(null, outgoingBatch("Charge", 2), stale);
        long term = store.nodes().lead(leader, Duration.ofMinutes(1));
        Duration timeout = Duration.ofMillis(300);
        Thread.sleep(timeout.toMillis() + 100);
        store.nodes().renew(live);

        NodeRegistry.Released released = store.nodes().releaseDead(leader, term, timeout, Duration.ofMinutes(1), true);

        assertThat(released.dead()).extracting(d -> d.node().id(), NodeRegistry.DeadNode::incoming, NodeRegistry.DeadNode::outgoing)
                .containsExactly(tuple(stale, 3, 2));
        assertThat(released.orphanIncoming()).isEqualTo(4);
        assertThat(released.orphanOutgoing()).isZero();
        assertThat(store.nodes().nodes()).extracting(NodeRegistry.Node::id).containsExactlyInAnyOrder(leader, live);
        assertThat(store.admin().counts().incomingByOwner()).isEqualTo(Map.of(0, 7L, live, 2L, live + 1000, 1L));
        assertThat(store.admin().counts().outgoingByOwner()).isEqualTo(Map.of(0, 2L));
        assertThat(store.nodes().releaseDead(leader, term, timeout, Duration.ofMinutes(1), false).dead())
                .as("the leader never declares itself dead").isEmpty();
    }

    private Instant heartbeatOf(int node) {
        return store.nodes().nodes().stream().filter(n -> n.id() == node).findFirst().orElseThrow().heartbeatAt();
    }

    // ---------------------------------------------------------------- admin

    @Test
    void countsTellEnvelopesByStateAndOwner() {
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 2), 1, now);
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 3), 0, now);
        store.inbox().store(null, QUEUE, List.of(envelope("Reminder", 1).withScheduledTime(now.plusSeconds(9))), 1, now);
        Envelope handled = envelope("OrderPlaced", 9);
        store.inbox().store(null, QUEUE, List.of(handled), 2, now);
        store.inbox().markHandled(null, List.of(handled.id()), 2, now.plusSeconds(60));
        store.outbox().store(null, outgoingBatch("Charge", 2), 0);
        store.outbox().store(null, outgoingBatch("Charge", 1), 4);
        store.deadLetters().moveFromInbox(letter(envelope("Charge", 5), QUEUE, now), null, now.plus(Duration.ofDays(7)));

        StoreAdmin.Counts counts = store.admin().counts();

        assertThat(counts).isEqualTo(new StoreAdmin.Counts(5, 1, 1, 3, 1, Map.of(0, 3L, 1, 2L), Map.of(0, 2L, 4, 1L)));
    }

    @Test
    void releaseAllGivesEveryIncomingAndOutgoingEnvelopeBackToAnyNode() {
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 2), 1, now);
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 1), 0, now);
        Envelope handled = envelope("OrderPlaced", 9);
        store.inbox().store(null, QUEUE, List.of(handled), 2, now);
        store.inbox().markHandled(null, List.of(handled.id()), 2, now.plusSeconds(60));
        store.outbox().store(null, outgoingBatch("Charge", 3), 4);

        assertThat(store.admin().releaseAll()).isEqualTo(5);

        StoreAdmin.Counts counts = store.admin().counts();
        assertThat(counts.incomingByOwner()).containsExactly(Map.entry(0, 3L));
        assertThat(counts.outgoingByOwner()).containsExactly(Map.entry(0, 3L));
        assertThat(counts.handled()).isEqualTo(1);
        assertThat(store.admin().releaseAll()).isZero();
    }

    @Test
    void clearAllDeletesEveryEnvelopeDeadLetterAndNode() {
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", 2), 1, now);
        store.outbox().store(null, outgoingBatch("Charge", 2), 1);
        store.deadLetters().moveFromInbox(letter(envelope("Charge", 5), QUEUE, now), null, now.plus(Duration.ofDays(7)));
        store.nodes().register("orders", "host-a");

        store.admin().clearAll();

        assertThat(store.admin().counts()).isEqualTo(new StoreAdmin.Counts(0, 0, 0, 0, 0, Map.of(), Map.of()));
        assertThat(store.nodes().nodes()).isEmpty();
        assertThat(store.deadLetters().list(null, 10)).isEmpty();
    }

    @Test
    void statusCountsWhatWaitsPerKindAndEndpointWithTheOldestOfEachAndNoHandledRow() {
        store.inbox().store(null, QUEUE, List.of(envelopeAt("OrderPlaced", now.minusSeconds(60))), 0, now);
        store.inbox().store(null, QUEUE, List.of(envelopeAt("OrderPlaced", now.minusSeconds(30))), 1, now);
        Envelope handled = envelopeAt("OrderPlaced", now.minusSeconds(7200));
        store.inbox().store(null, QUEUE, List.of(handled), 1, now);
        store.inbox().markHandled(null, List.of(handled.id()), 1, now.plusSeconds(60));
        // Sent an hour ago for ten seconds ago: it waits since it came due, not since it was sent.
        Envelope fired = envelopeAt("Reminder", now.minusSeconds(3600)).withDestination(OTHER_QUEUE).withScheduledTime(now.minusSeconds(10));
        store.inbox().store(null, OTHER_QUEUE, List.of(fired), 0, now.minusSeconds(20));
        assertThat(store.inbox().claimDueScheduled(now, 2, 10)).hasSize(1);
        store.inbox().store(null, QUEUE, List.of(envelope("Reminder", 1).withScheduledTime(now.plusSeconds(90)),
                envelope("Reminder", 2).withScheduledTime(now.plusSeconds(60))), 0, now);
        store.outbox().store(null, List.of(envelopeAt("Charge", now.minusSeconds(20)).withDestination(PARTNER)), 0);
        store.outbox().store(null, List.of(envelopeAt("Charge", now.minusSeconds(40)).withDestination(PARTNER)), 4);
        store.outbox().store(null, List.of(envelope("Charge", 3).toBuilder().id(UUID.randomUUID()).destination(OTHER_PARTNER).build()), 0);
        store.deadLetters().moveFromInbox(letter(envelope("Charge", 5), QUEUE, now), null, now.plus(Duration.ofDays(7)));
        store.deadLetters().moveFromInbox(letter(envelope("Charge", 6), QUEUE, now), null, now.plus(Duration.ofDays(7)));
        store.deadLetters().moveFromInbox(new DeadLetter(envelope("Unknown", 7), QUEUE, "no handler", null, null, null, 0, now), null,
                now.plus(Duration.ofDays(7)));

        StoreStatus status = store.admin().status();

        assertThat(status.pending()).containsExactlyInAnyOrder(
                new StoreStatus.Pending(StoreStatus.Kind.INCOMING, QUEUE, 2, now.minusSeconds(60)),
                new StoreStatus.Pending(StoreStatus.Kind.INCOMING, OTHER_QUEUE, 1, now.minusSeconds(10)),
                new StoreStatus.Pending(StoreStatus.Kind.SCHEDULED, QUEUE, 2, now.plusSeconds(60)),
                new StoreStatus.Pending(StoreStatus.Kind.OUTGOING, PARTNER, 2, now.minusSeconds(40)),
                new StoreStatus.Pending(StoreStatus.Kind.OUTGOING, OTHER_PARTNER, 1, null));
        assertThat(status.pending(StoreStatus.Kind.INCOMING)).isEqualTo(3);
        assertThat(status.deadLetters()).containsExactlyInAnyOrder(
                new StoreStatus.DeadLetterCount("Charge", IllegalStateException.class.getName(), QUEUE, 2),
                new StoreStatus.DeadLetterCount("Unknown", null, QUEUE, 1));
        assertThat(status.deadLetterCount()).isEqualTo(3);
        assertThat(status.nodes()).isEmpty();
        assertThat(status.leaderId()).isZero();
    }

    @Test
    void statusListsTheNodesAndNamesTheLeaderOnlyWhileItsLeaseRuns() throws Exception {
        assertThat(store.admin().status()).isEqualTo(StoreStatus.empty());
        int leader = store.nodes().register("orders", "host-a");
        int other = store.nodes().register("billing", "host-b");
        assertThat(store.nodes().lead(leader, Duration.ofMinutes(1))).isPositive();

        StoreStatus status = store.admin().status();

        assertThat(status.nodes()).extracting(NodeRegistry.Node::id, NodeRegistry.Node::serviceName)
                .containsExactlyInAnyOrder(tuple(leader, "orders"), tuple(other, "billing"));
        assertThat(status.leaderId()).isEqualTo(leader);
        store.nodes().resign(leader, store.nodes().leader().term());
        assertThat(store.admin().status().leaderId()).as("after it gave the lease up").isZero();
        long term = store.nodes().lead(other, Duration.ofMillis(50));
        assertThat(term).isPositive();
        Thread.sleep(200);
        assertThat(store.admin().status().leaderId()).as("once its lease ran out").isZero();
    }

    @Test
    void theStoreDescribesItself() {
        assertThat(store.description()).isNotBlank();
    }

    // ---------------------------------------------------------------- leader's lease

    @Test
    void theLeaderLeaseIsContestedAcrossStoresOnTheSameDatabase() throws Exception {
        MessageStore other = otherStore();
        if (other == null) {
            return; // nothing to share
        }
        int mine = store.nodes().register("orders", "host-a");
        int theirs = other.nodes().register("orders", "host-b");
        long term = store.nodes().lead(mine, Duration.ofMinutes(1));
        assertThat(term).isPositive();
        assertThat(other.nodes().lead(theirs, Duration.ofMinutes(1))).isZero();
        store.nodes().resign(mine, term);
        assertThat(other.nodes().lead(theirs, Duration.ofMinutes(1))).isGreaterThan(term);
        assertThat(store.nodes().lead(mine, Duration.ofMinutes(1))).isZero();
    }

    // ---------------------------------------------------------------- races

    @Test
    void racingClaimersTakeEveryIncomingEnvelopeExactlyOnce() throws Exception {
        store.inbox().store(null, QUEUE, envelopes("OrderPlaced", RACE_ENVELOPES), 0, now);

        Map<Integer, Integer> perNode = race("claimIncoming", (racer, node, limit) -> ids(racer.inbox().claimIncoming(QUEUE, node, limit)));

        assertThat(store.admin().counts().incomingByOwner()).isEqualTo(withoutZeros(perNode));
        assertThat(store.inbox().claimIncoming(QUEUE, 99, 10)).isEmpty();
    }

    @Test
    void racingSchedulersTakeEveryDueEnvelopeExactlyOnce() throws Exception {
        List<Envelope> later = envelopes("Reminder", RACE_ENVELOPES).stream().map(e -> e.withScheduledTime(now.plusSeconds(1))).toList();
        store.inbox().store(null, QUEUE, later, 0, now);
        Instant due = now.plusSeconds(2);

        Map<Integer, Integer> perNode = race("claimDueScheduled", (racer, node, limit) -> ids(racer.inbox().claimDueScheduled(due, node, limit)));

        StoreAdmin.Counts counts = store.admin().counts();
        assertThat(counts.scheduled()).isZero();
        assertThat(counts.incomingByOwner()).isEqualTo(withoutZeros(perNode));
    }

    @Test
    void racingSendersTakeEveryOutgoingEnvelopeExactlyOnce() throws Exception {
        store.outbox().store(null, outgoingBatch("Charge", RACE_ENVELOPES), 0);

        Map<Integer, Integer> perNode = race("outbox claim", (racer, node, limit) -> ids(racer.outbox().claim(PARTNER, node, limit)));

        assertThat(store.admin().counts().outgoingByOwner()).isEqualTo(withoutZeros(perNode));
        assertThat(store.outbox().destinationsWithUnowned()).isEmpty();
    }

    @Test
    void nodesRegisteringAtOnceGetDistinctIds() throws Exception {
        int count = 8;
        List<MessageStore> stores = racingStores();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                MessageStore racer = stores.get(i % stores.size());
                String name = "node-" + i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return racer.nodes().register("orders", name);
                }));
            }
            go.countDown();
            List<Integer> ids = new ArrayList<>();
            for (Future<Integer> future : futures) {
                ids.add(future.get(2, TimeUnit.MINUTES));
            }
            System.out.printf("%s: %d nodes registering at once on %d store(s) got ids %s%n", store.description(), count, stores.size(), ids);
            assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id > 0);
            assertThat(store.nodes().nodes()).extracting(NodeRegistry.Node::id).containsExactlyInAnyOrderElementsOf(ids);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One claim by a racer: the ids it got. */
    @FunctionalInterface
    protected interface Claim {
        List<UUID> claim(MessageStore racer, int node, int limit);
    }

    /**
     * Runs {@value #RACERS} claimers at once, each as its own node on one of the stores, each claiming
     * batches of a random size until it gets none; checks that together they claimed all
     * {@value #RACE_ENVELOPES} envelopes, none twice. Returns how many each node claimed.
     */
    private Map<Integer, Integer> race(String what, Claim claim) throws Exception {
        long seed = Long.getLong("agate.compliance.seed", System.nanoTime());
        List<MessageStore> stores = racingStores();
        Set<UUID> claimed = ConcurrentHashMap.newKeySet();
        AtomicInteger twice = new AtomicInteger();
        int[] perRacer = new int[RACERS];
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int r = 0; r < RACERS; r++) {
                int racer = r;
                Random random = new Random(seed + racer);
                MessageStore racerStore = stores.get(racer % stores.size());
                Callable<Void> claimer = () -> {
                    go.await();
                    List<UUID> batch;
                    do {
                        batch = claim.claim(racerStore, racer + 1, 1 + random.nextInt(40));
                        batch.stream().filter(id -> !claimed.add(id)).forEach(id -> twice.incrementAndGet());
                        perRacer[racer] += batch.size();
                    } while (!batch.isEmpty());
                    return null;
                };
                futures.add(pool.submit(claimer));
            }
            go.countDown();
            for (Future<Void> future : futures) {
                future.get(3, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("%s: %s race, seed %d: %d envelopes, %d claimers on %d store(s), claimed per claimer %s, %d claimed twice%n",
                store.description(), what, seed, RACE_ENVELOPES, RACERS, stores.size(), Arrays.toString(perRacer), twice.get());
        assertThat(twice.get()).as("envelopes claimed twice (seed %d)", seed).isZero();
        assertThat(claimed).as("envelopes claimed (seed %d)", seed).hasSize(RACE_ENVELOPES);
        Map<Integer, Integer> perNode = new HashMap<>();
        for (int r = 0; r < RACERS; r++) {
            perNode.put(r + 1, perRacer[r]);
        }
        return perNode;
    }

    private List<MessageStore> racingStores() throws Exception {
        MessageStore other = otherStore();
        return other == null ? List.of(store) : List.of(store, other);
    }

    private MessageStore otherStore() throws Exception {
        MessageStore other = newStoreOnTheSameDatabase();
        if (other != null) {
            extraStores.add(other);
        }
        return other;
    }

    private static Map<Integer, Long> withoutZeros(Map<Integer, Integer> perNode) {
        Map<Integer, Long> counts = new HashMap<>();
        perNode.forEach((node, count) -> {
            if (count > 0) {
                counts.put(node, count.longValue());
            }
        });
        return counts;
    }

    /** What an operator does: dead letters queried, paged and acted on by filter, scheduled envelopes, the audit. */
    @Nested
    class Operations extends OperatorCompliance {
        @Override
        MessageStore store() {
            return store;
        }

        @Override
        MessageStore sameDatabase() throws Exception {
            MessageStore other = otherStore();
            return other == null ? store : other;
        }

        @Override
        Instant now() {
            return now;
        }
    }

    // ---------------------------------------------------------------- fixtures

    /**
     * What a handler's transaction writes: a received envelope, the handled mark of one it was given, a
     * cascade, and the delete of an outgoing envelope a receiver confirmed.
     */
    private final class Fixture {
        final Envelope handled = envelope("OrderPlaced", 1);
        final Envelope received = envelope("OrderPlaced", 2);
        final Envelope cascade = outgoing("OrderShipped", 3);
        final Envelope confirmed = outgoing("OrderShipped", 4);

        void writeIn(StoreTransaction transaction) {
            assertThat(store.inbox().store(transaction, QUEUE, List.of(received), 0, now)).isEmpty();
            assertThat(store.inbox().markHandled(transaction, handled.id(), 1, now.plusSeconds(60))).isTrue();
            store.outbox().store(transaction, List.of(cascade), 0);
            store.outbox().delete(transaction, List.of(confirmed.id()), 0);
        }

        void assertNothingWritten() {
            assertCounts(1, 0, 0);
            assertThat(store.admin().counts().incomingByOwner()).containsExactly(Map.entry(1, 1L));
            assertThat(store.outbox().claim(PARTNER, 2, 10)).extracting(Envelope::id).containsExactly(confirmed.id());
            assertThat(store.inbox().store(null, QUEUE, List.of(received), 0, now)).as("never stored").isEmpty();
        }
    }

    private Fixture transactionFixture() {
        Fixture fixture = new Fixture();
        store.inbox().store(null, QUEUE, List.of(fixture.handled), 0, now);
        assertThat(store.inbox().claimIncoming(QUEUE, 1, 10)).hasSize(1);
        store.outbox().store(null, List.of(fixture.confirmed), 0);
        return fixture;
    }

    private boolean markInTransaction(UUID id, int owner) {
        try (StoreTransaction transaction = store.begin()) {
            boolean marked = store.inbox().markHandled(transaction, id, owner, now.plusSeconds(60));
            transaction.commit();
            return marked;
        }
    }

    private void assertCounts(long incoming, long scheduled, long handled) {
        StoreAdmin.Counts counts = store.admin().counts();
        assertThat(new long[] {counts.incoming(), counts.scheduled(), counts.handled()})
                .as("incoming, scheduled, handled").containsExactly(incoming, scheduled, handled);
    }

    /** An envelope received at {@link #QUEUE}, with every optional field set. */
    protected Envelope envelope(String type, int n) {
        return Envelope.builder().messageType(type).contentType("application/json").destination(QUEUE)
                .header("tenant", "acme").header("n", Integer.toString(n)).correlationId("c-" + n).causationId(UUID.randomUUID())
                .source("compliance").replyTo(URI.create("local://replies")).sentAt(now.minusSeconds(1))
                .body(("{\"n\":" + n + ",\"text\":\"caf\u00e9 \u20ac\"}").getBytes(StandardCharsets.UTF_8)).build();
    }

    /** {@link #envelope} with a UUIDv7 id of the given time, as an envelope first sent then has. */
    protected Envelope envelopeAt(String type, Instant sentAt) {
        long msb = (sentAt.toEpochMilli() << 16) | 0x7000L | new Random().nextInt(0x1000);
        long lsb = (new Random().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return envelope(type, 0).toBuilder().id(new UUID(msb, lsb)).sentAt(sentAt).build();
    }

    /** An envelope on its way to {@link #PARTNER}. */
    protected Envelope outgoing(String type, int n) {
        return envelope(type, n).withDestination(PARTNER);
    }

    private List<Envelope> envelopes(String type, int count) {
        List<Envelope> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(envelope(type, i));
        }
        return list;
    }

    private List<Envelope> outgoingBatch(String type, int count) {
        return envelopes(type, count).stream().map(e -> e.withDestination(PARTNER)).toList();
    }

    private static List<UUID> ids(List<Envelope> envelopes) {
        return envelopes.stream().map(Envelope::id).toList();
    }

    /** A dead letter as the runtime writes one after the last attempt, with a real stack trace. */
    private static DeadLetter letter(Envelope envelope, URI endpoint, Instant failedAt) {
        IllegalStateException failure = new IllegalStateException("Karte abgelehnt \u2014 \u00dcberziehung \u20ac 12,50 \uD83D\uDCB3\nline two");
        StringWriter stack = new StringWriter();
        failure.printStackTrace(new PrintWriter(stack));
        return new DeadLetter(envelope.withAttempts(3), endpoint, failure.getClass().getName(), failure.getClass().getName(),
                failure.getMessage(), stack.toString(), 3, failedAt);
    }

    private static void assertWhole(Envelope actual, Envelope expected, URI destination) {
        assertThat(actual.id()).isEqualTo(expected.id());
        assertThat(actual.messageType()).isEqualTo(expected.messageType());
        assertThat(actual.contentType()).isEqualTo(expected.contentType());
        assertThat(actual.headers()).isEqualTo(expected.headers());
        assertThat(actual.correlationId()).isEqualTo(expected.correlationId());
        assertThat(actual.causationId()).isEqualTo(expected.causationId());
        assertThat(actual.source()).isEqualTo(expected.source());
        assertThat(actual.replyTo()).isEqualTo(expected.replyTo());
        assertThat(actual.sentAt()).isEqualTo(expected.sentAt());
        assertThat(actual.scheduledTime()).isEqualTo(expected.scheduledTime());
        assertThat(actual.deliverBy()).isEqualTo(expected.deliverBy());
        assertThat(actual.attempts()).isEqualTo(expected.attempts());
        assertThat(actual.destination()).isEqualTo(destination);
        assertThat(new String(actual.body(), StandardCharsets.UTF_8)).isEqualTo(new String(expected.body(), StandardCharsets.UTF_8));
    }
}
