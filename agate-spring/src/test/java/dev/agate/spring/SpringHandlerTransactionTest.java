package dev.agate.spring;

import static dev.agate.spring.SpringTestSupport.counts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.MessageContext;
import dev.agate.Uuid7;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.MessageEvent;
import dev.agate.spi.MessageStore;
import dev.agate.spi.StoreAdmin;
import dev.agate.spring.boot.AgateAutoConfiguration;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.JdbcTemplateAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.util.AopTestUtils;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Durable handlers in Spring transactions ({@link SpringMessageStore}) on each real database: a
 * {@code @Transactional} handler bean that writes through {@code JdbcTemplate} joins the transaction that
 * also holds its envelope's handled mark and its cascade, so its row is written once per envelope, a failed
 * attempt leaves nothing, and an envelope delivered twice (taken over by a second node while the first was
 * in the middle of handling it, or stored again) changes the database once.
 */
class SpringHandlerTransactionTest {

    record Deposit(int n) {
    }

    record Receipt(int n) {
    }

    /** Holds a first handling in the middle, for a takeover; lets every other one through. */
    static final class Gate {
        final boolean holdsFirst;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean used = new AtomicBoolean();

        Gate(boolean holdsFirst) {
            this.holdsFirst = holdsFirst;
        }

        void pass() throws InterruptedException {
            if (holdsFirst && used.compareAndSet(false, true)) {
                entered.countDown();
                release.await(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A @Transactional bean (so a class proxy) whose handler writes through JdbcTemplate and cascades a receipt. */
    @Transactional
    static class Ledger {
        final JdbcTemplate jdbc;
        final DataSource dataSource;
        final Gate gate;
        final AtomicBoolean failFirstAttempt = new AtomicBoolean();
        final AtomicBoolean outsideTheTransaction = new AtomicBoolean();
        final Set<Integer> receipts = ConcurrentHashMap.newKeySet();
        final AtomicInteger receiptCount = new AtomicInteger();

        Ledger(JdbcTemplate jdbc, DataSource dataSource, Gate gate) {
            this.jdbc = jdbc;
            this.dataSource = dataSource;
            this.gate = gate;
        }

        @Handler
        public Receipt on(Deposit deposit, MessageContext context) throws InterruptedException {
            jdbc.update("INSERT INTO ledger (n) VALUES (?)", deposit.n());
            // JdbcTemplate's connection must be the one that the handled mark is written on.
            if (!TransactionSynchronizationManager.isActualTransactionActive()
                    || DataSourceUtils.getConnection(dataSource) != context.connection()) {
                outsideTheTransaction.set(true);
            }
            if (failFirstAttempt.get() && context.envelope().attempts() == 1) {
                throw new IllegalStateException("first attempt at deposit " + deposit.n() + " fails");
            }
            gate.pass();
            return new Receipt(deposit.n());
        }

        @Handler
        public void on(Receipt receipt) {
            receipts.add(receipt.n());
            receiptCount.incrementAndGet();
        }
    }

    private static ApplicationContextRunner bank(TestDatabase db, Gate gate, String... more) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
                        TransactionAutoConfiguration.class, JdbcTemplateAutoConfiguration.class, AgateAutoConfiguration.class))
                .withBean(Gate.class, () -> gate)
                .withBean(Ledger.class)
                .withPropertyValues(SpringTestSupport.properties(db, "agate.service-name=bank", "agate.durable-local-queues=true"))
                .withPropertyValues(more);
    }

    /** The bean behind its proxy, whose fields hold what it saw. */
    private static Ledger ledger(ApplicationContext context) {
        return AopTestUtils.getUltimateTargetObject(context.getBean(Ledger.class));
    }

    private static TestDatabase database(TestDatabase.Kind kind) throws Exception {
        TestDatabase db = TestDatabase.create(kind);
        db.execute("CREATE TABLE ledger (n INTEGER NOT NULL)");
        return db;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aTransactionalHandlerWritesItsRowInTheTransactionOfItsHandledMarkAndCascadeOncePerEnvelope(TestDatabase.Kind kind) throws Exception {
        int total = 20;
        try (TestDatabase db = database(kind)) {
            bank(db, new Gate(false)).run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(AopUtils.isCglibProxy(context.getBean(Ledger.class))).as("the handler bean is behind its @Transactional proxy").isTrue();
                Ledger ledger = ledger(context);
                MessageBus bus = context.getBean(MessageBus.class);
                for (int i = 0; i < total; i++) {
                    bus.send(new Deposit(i));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> ledger.receiptCount.get() == total);
                assertThat(ledger.outsideTheTransaction).as("JdbcTemplate wrote outside the handler's transaction").isFalse();
                JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
                assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger", Long.class)).isEqualTo(total);
                assertThat(jdbc.queryForObject("SELECT COUNT(DISTINCT n) FROM ledger", Long.class)).isEqualTo(total);
                StoreAdmin.Counts counts = counts(context);
                assertThat(counts.incoming()).isZero();
                assertThat(counts.handled()).isIn(0L, 2L * total); // deposits and receipts, local: (deleted on PostgreSQL, kept as handled on SQLite and MariaDB)
            });
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aFailedAttemptRollsBackWhatTheHandlerWroteAndTheRetryWritesItOnce(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            bank(db, new Gate(false)).run(context -> {
                Ledger ledger = ledger(context);
                ledger.failFirstAttempt.set(true);
                context.getBean(MessageBus.class).send(new Deposit(7));
                await().atMost(Duration.ofSeconds(20)).until(() -> ledger.receiptCount.get() == 1);
                assertThat(context.getBean(JdbcTemplate.class).queryForList("SELECT n FROM ledger", Integer.class)).containsExactly(7);
                assertThat(context.getBean(AgateHost.class).deadLetters().list()).isEmpty();
            });
        }
    }

    /**
     * Node A holds its handling of a deposit in the middle, its row written; the envelope is given to any node
     * (as the leader does for a node it believes dead); node B takes it, handles it and commits; then A goes
     * on, finds it no longer owns the envelope, and rolls its row back. Not on SQLite: A's open transaction
     * holds SQLite's one write lock, so nobody else could write until it ends.
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRES", "MARIADB"})
    void anEnvelopeTakenOverByAnotherNodeInTheMiddleOfItsHandlingChangesTheDatabaseOnce(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            Gate holdsFirst = new Gate(true);
            // A recovers rarely, so that B is the one that takes the released envelope.
            bank(db, holdsFirst, "agate.durability.recovery-interval=1h", "agate.local-queues.Deposit.sequential=true").run(a ->
                    bank(db, new Gate(false)).run(b -> {
                        assertThat(a).hasNotFailed();
                        assertThat(b).hasNotFailed();
                        CountDownLatch aRolledBack = new CountDownLatch(1);
                        a.getBean(AgateHost.class).observe(event -> {
                            if (event.kind() == MessageEvent.Kind.DISCARDED && event.envelope().message() instanceof Deposit) {
                                aRolledBack.countDown();
                            }
                        });
                        a.getBean(MessageBus.class).send(new Deposit(1));
                        assertThat(holdsFirst.entered.await(20, TimeUnit.SECONDS)).as("A is handling the deposit").isTrue();

                        // Given to any node until B has it: A's recovery, which runs once as A starts, may have
                        // claimed it back into A's buffer, behind the held worker.
                        Ledger ledgerB = ledger(b);
                        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
                            a.getBean(MessageStore.class).admin().releaseAll();
                            return ledgerB.receiptCount.get() == 1;
                        });

                        holdsFirst.release.countDown();
                        assertThat(aRolledBack.await(20, TimeUnit.SECONDS)).as("A rolled its handling back").isTrue();
                        JdbcTemplate jdbc = a.getBean(JdbcTemplate.class);
                        assertThat(jdbc.queryForList("SELECT n FROM ledger", Integer.class)).containsExactly(1);
                        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                                .until(() -> ledger(a).receiptCount.get() == 0 && ledgerB.receiptCount.get() == 1);
                        StoreAdmin.Counts counts = counts(a);
                        assertThat(counts.incoming()).isZero();
                        assertThat(counts.handled()).isIn(0L, 2L); // the deposit and B's receipt, local: (deleted on PostgreSQL, kept as handled on SQLite and MariaDB)
                    }));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void anEnvelopeStoredAgainWithTheSameIdIsRecognizedAndNotHandledTwice(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = database(kind)) {
            bank(db, new Gate(false)).run(context -> {
                Ledger ledger = ledger(context);
                MessageStore store = context.getBean(MessageStore.class);
                URI queue = URI.create("local://Deposit");
                UUID id = Uuid7.next();
                Envelope deposit = Envelope.builder().id(id).messageType("Deposit").destination(queue)
                        .body("{\"n\":5}".getBytes(StandardCharsets.UTF_8)).build();
                assertThat(store.inbox().store(null, queue, List.of(deposit), 0, Instant.now())).isEmpty();
                await().atMost(Duration.ofSeconds(20)).until(() -> ledger.receiptCount.get() == 1);

                assertThat(store.inbox().store(null, queue, List.of(deposit), 0, Instant.now())).containsExactly(id);
                context.getBean(MessageBus.class).send(new Deposit(6));
                await().atMost(Duration.ofSeconds(20)).until(() -> ledger.receipts.contains(6));
                assertThat(context.getBean(JdbcTemplate.class).queryForList("SELECT n FROM ledger ORDER BY n", Integer.class))
                        .containsExactly(5, 6);
                assertThat(ledger.receiptCount).hasValue(2);
            });
        }
    }
}
