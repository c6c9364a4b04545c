package dev.agate.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateException;
import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.Envelope;
import dev.agate.ErrorPolicy;
import dev.agate.Handler;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.jpa.Shop.Deposit;
import dev.agate.jpa.Shop.Node;
import dev.agate.jpa.Shop.Receipt;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.StoreAdmin;
import jakarta.persistence.EntityManager;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Durable handlers that take an EntityManager, on each real database: the order a handler persists, the
 * handled mark and the cascaded receipt commit together, once; a failing handler leaves no order; an
 * envelope delivered again (a duplicate stored later, or taken over by another node while the first one
 * handled it) changes the database once.
 */
class JpaMessageStoreTest {

    private static final URI DEPOSITS = URI.create("local://Deposit");

    /** Persists an order per deposit and cascades a receipt; fails while {@code failing}. */
    static final class Bank {
        final AtomicBoolean failing = new AtomicBoolean();
        final AtomicInteger handlings = new AtomicInteger();
        final AtomicInteger receipts = new AtomicInteger();
        final AtomicInteger receiptsInATransaction = new AtomicInteger();
        final Map<Integer, Envelope> envelopes = new ConcurrentHashMap<>();

        @Handler
        Receipt on(Deposit deposit, EntityManager entityManager, Envelope envelope) {
            handlings.incrementAndGet();
            envelopes.put(deposit.number(), envelope);
            entityManager.persist(new Order(deposit.number(), "bank"));
            if (failing.get()) {
                throw new IllegalStateException("bank closed for deposit " + deposit.number());
            }
            return new Receipt(deposit.number());
        }

        @Handler
        void on(Receipt receipt, Session session) {
            if (session.getTransaction().isActive()) {
                receiptsInATransaction.incrementAndGet();
            }
            receipts.incrementAndGet();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void eachDepositIsPersistedOnceWithItsHandledMarkAndItsReceipt(TestDatabase.Kind kind) throws Exception {
        int total = 50;
        Bank bank = new Bank();
        try (Node shop = Node.open(kind)) {
            AgateHost host = shop.start(bank);
            for (int i = 0; i < total; i++) {
                host.bus().send(new Deposit(i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> bank.receipts.get() == total);
            assertThat(bank.receiptsInATransaction.get()).as("a Session parameter is the handling's transaction").isEqualTo(total);
            assertThat(shop.orders()).isEqualTo(total);
            assertThat(shop.db.queryLong("SELECT COUNT(DISTINCT order_number) FROM orders")).isEqualTo(total);
            // A handler counts before its transaction commits: the last receipt's mark may still be on its way.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                StoreAdmin.Counts counts = shop.counts();
                assertThat(counts.incoming()).isZero();
                assertThat(counts.handled()).as("deposits and receipts, local with ids Agate made %s", "(deleted on PostgreSQL, kept as handled on SQLite and MariaDB)").isIn(0L, 2L * total);
            });
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aFailingHandlerLeavesNoOrderAndItsEnvelopeEndsInTheDeadLetters(TestDatabase.Kind kind) throws Exception {
        Bank bank = new Bank();
        bank.failing.set(true);
        try (Node shop = Node.open(kind)) {
            AgateHost host = shop.start(builder -> builder.onError(ErrorPolicy.on(IllegalStateException.class).retry(2).deadLetter()), bank);
            host.bus().send(new Deposit(7));
            await().atMost(Duration.ofSeconds(20)).until(() -> host.deadLetters().list().size() == 1);
            DeadLetter letter = host.deadLetters().list().get(0);
            assertThat(letter.exceptionMessage()).isEqualTo("bank closed for deposit 7");
            assertThat(letter.attempts()).isEqualTo(3);
            assertThat(bank.handlings.get()).isEqualTo(3);
            assertThat(shop.orders()).as("every attempt rolled back").isZero();
            assertThat(bank.receipts.get()).isZero();
        }
    }

    /** A duplicate of a handled envelope, stored through the inbox as a listener would, is recognized and not handled. */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aDuplicateOfAHandledEnvelopeChangesNothing(TestDatabase.Kind kind) throws Exception {
        Bank bank = new Bank();
        try (Node shop = Node.open(kind)) {
            AgateHost host = shop.start(bank);
            // The sender's own id: its record is kept, as a received envelope's is (one with an id Agate made keeps none).
            host.bus().send(new Deposit(1), dev.agate.DeliveryOptions.builder().idFrom("deposit-1").build());
            await().atMost(Duration.ofSeconds(20)).until(() -> bank.receipts.get() == 1);

            Envelope first = bank.envelopes.get(1);
            assertThat(shop.store.inbox().store(null, DEPOSITS, List.of(first), 0, Instant.now()))
                    .as("recognized as a duplicate").containsExactly(first.id());
            host.bus().send(new Deposit(2)); // a later deposit through the same queue: once it is handled, recovery had its chance
            await().atMost(Duration.ofSeconds(20)).until(() -> bank.receipts.get() == 2);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> bank.handlings.get() == 2);
            assertThat(shop.db.queryLong("SELECT COUNT(*) FROM orders WHERE order_number = 1")).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(shop.counts().incoming()).isZero());
        }
    }

    /**
     * The race the owner-checked mark exists for: node A is in the middle of handling a deposit (its order
     * persisted and flushed), the envelope is released and node B takes it over and handles it; when A goes
     * on, its mark finds the envelope no longer its own and A's whole transaction rolls back. Two writers at
     * once, so on the servers only (SQLite has one writer).
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRES", "MARIADB"})
    void aHandlingWhoseEnvelopeWasTakenOverRollsBackAndTheDepositIsPersistedOnce(TestDatabase.Kind kind) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        AtomicReference<Envelope> handling = new AtomicReference<>();
        Object slow = new Object() {
            @Handler
            void on(Deposit deposit, EntityManager entityManager, Envelope envelope) throws InterruptedException {
                entityManager.persist(new Order(deposit.number(), "first"));
                entityManager.flush();
                handling.set(envelope);
                entered.countDown();
                assertThat(resume.await(30, TimeUnit.SECONDS)).isTrue();
            }
        };
        AtomicInteger handledBySecond = new AtomicInteger();
        Object quick = new Object() {
            @Handler
            void on(Deposit deposit, EntityManager entityManager) {
                entityManager.persist(new Order(deposit.number(), "second"));
                handledBySecond.incrementAndGet();
            }
        };
        try (Node first = Node.open(kind); Node second = first.another()) {
            // Stored unowned before the first node starts: its first recovery run takes it, and its next one is an
            // hour away, so once released the envelope can only go to the second node.
            first.store.start();
            first.store.inbox().store(null, DEPOSITS, List.of(Envelope.builder().messageType("Deposit").destination(DEPOSITS)
                    .body("{\"number\":1}".getBytes(StandardCharsets.UTF_8)).build()), 0, Instant.now());
            AgateHost a = first.start(builder -> builder.durability(Shop.FAST.recoveryInterval(Duration.ofHours(1))), slow);
            CountDownLatch discarded = new CountDownLatch(1);
            a.observe(event -> {
                if (event.kind() == MessageEvent.Kind.DISCARDED) {
                    discarded.countDown();
                }
            });
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

            first.store.inbox().release(List.of(handling.get().id()), first.store.nodes().nodes().get(0).id());
            second.start(quick);
            await().atMost(Duration.ofSeconds(20)).until(() -> first.counts().handled() == 1);
            assertThat(handledBySecond.get()).isEqualTo(1);

            resume.countDown();
            assertThat(discarded.await(20, TimeUnit.SECONDS)).as("the first handling finds it lost the envelope").isTrue();
            assertThat(first.orders()).isEqualTo(1);
            assertThat(first.db.queryLong("SELECT COUNT(*) FROM orders WHERE placed_by = 'second'")).isEqualTo(1);
            StoreAdmin.Counts counts = first.counts();
            assertThat(counts.incoming()).isZero();
            assertThat(counts.handled()).isEqualTo(1); // stored as received: its id is kept
            assertThat(handledBySecond.get()).isEqualTo(1);
        }
    }

    @Test
    void startRefusesAnEntityManagerFactoryOnAnotherDatabase() throws Exception {
        try (TestDatabase mine = TestDatabase.create(TestDatabase.Kind.SQLITE);
             TestDatabase other = TestDatabase.create(TestDatabase.Kind.SQLITE);
             JdbcMessageStore store = JdbcMessageStore.builder(mine.url).build();
             SessionFactory elsewhere = Shop.entityManagerFactory(TestDatabase.Kind.SQLITE, other.dataSource)) {
            assertThatThrownBy(() -> JpaMessageStore.of(store, elsewhere).start()).isInstanceOf(AgateException.class)
                    .hasMessageContaining("cannot serve").hasMessageContaining(other.name);
        }
    }
}
