package dev.agate.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.jdbc.TestDatabase;
import dev.agate.jpa.Shop.Deposit;
import dev.agate.jpa.Shop.Node;
import dev.agate.jpa.Shop.OrderPlaced;
import dev.agate.jpa.Shop.Probe;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outbox inside an EntityManager's transaction, on each real database: the order and the message
 * commit together through {@code em.getTransaction().commit()} and the message is handled once, after
 * the commit; a rollback, an exception, an entity manager closed mid-transaction or a failed commit leaves
 * neither the order nor the message; one transaction has one outbox.
 */
class JpaOutboxTest {

    /** Records what it handled; the deposit handler, run by the outbox's invoke, persists an order with the given EntityManager. */
    static final class Shipping {
        final Set<Integer> placed = ConcurrentHashMap.newKeySet();
        final AtomicInteger placedCount = new AtomicInteger();
        final Set<Integer> probes = ConcurrentHashMap.newKeySet();
        final List<EntityManager> depositsHandledWith = new CopyOnWriteArrayList<>();

        @Handler
        void on(OrderPlaced order) {
            placed.add(order.number());
            placedCount.incrementAndGet();
        }

        @Handler
        void on(Probe probe) {
            probes.add(probe.id());
        }

        @Handler
        void on(Deposit deposit, EntityManager entityManager) {
            depositsHandledWith.add(entityManager);
            entityManager.persist(new Order(deposit.number(), "invoke"));
        }
    }

    /** The usual shape of a JPA unit of work: commit at the end, roll back in finally when something threw. */
    private static void placeOrder(Node shop, int number, Runnable beforeCommit) {
        EntityManager entityManager = shop.entityManagerFactory.createEntityManager();
        try {
            entityManager.getTransaction().begin();
            entityManager.persist(new Order(number, "app"));
            JpaOutbox.join(shop.host, entityManager).send(new OrderPlaced(number));
            beforeCommit.run();
            entityManager.getTransaction().commit();
        } finally {
            if (entityManager.getTransaction().isActive()) {
                entityManager.getTransaction().rollback();
            }
            entityManager.close();
        }
    }

    /** Sends a probe through the orders' queue and waits for it: what was queued before it has been handled. */
    private static void probe(Node shop, Shipping shipping, int id) {
        shop.host.bus().send(new Probe(id));
        await().atMost(Duration.ofSeconds(20)).until(() -> shipping.probes.contains(id));
    }

    /**
     * Waits until no envelope is left incoming: handled ones are marked soon (marks of handlings that wrote
     * nothing are batched), and one that was sent but rolled back would never be handled, so would stay.
     */
    private static void awaitNoIncomingRow(Node shop) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(shop.counts().incoming()).isZero());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void theOrderAndTheMessageCommitTogetherAndTheMessageIsHandledOnceAfterTheCommit(TestDatabase.Kind kind) throws Exception {
        Shipping shipping = new Shipping();
        try (Node shop = Node.open(kind)) {
            shop.start(shipping);
            try (EntityManager entityManager = shop.entityManagerFactory.createEntityManager()) {
                entityManager.getTransaction().begin();
                entityManager.persist(new Order(1, "app"));
                MessageBus outbox = JpaOutbox.join(shop.host, entityManager);
                outbox.send(new OrderPlaced(1));
                assertThat(JpaOutbox.join(shop.host, entityManager)).as("one outbox per transaction").isSameAs(outbox);
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(shipping.placed::isEmpty);
                entityManager.getTransaction().commit();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.contains(1));
            probe(shop, shipping, 1);
            assertThat(shipping.placedCount.get()).as("handled once").isEqualTo(1);
            assertThat(shop.orders()).isEqualTo(1);
            awaitNoIncomingRow(shop);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aRollbackSendsNothingAndLeavesNoOrderAndNoRow(TestDatabase.Kind kind) throws Exception {
        Shipping shipping = new Shipping();
        try (Node shop = Node.open(kind)) {
            shop.start(shipping);
            MessageBus outbox;
            try (EntityManager entityManager = shop.entityManagerFactory.createEntityManager()) {
                entityManager.getTransaction().begin();
                entityManager.persist(new Order(1, "app"));
                outbox = JpaOutbox.join(shop.host, entityManager);
                outbox.send(new OrderPlaced(1));
                outbox.schedule(new OrderPlaced(2), Duration.ofMillis(200));
                entityManager.getTransaction().rollback();
            }
            assertThatThrownBy(() -> outbox.send(new OrderPlaced(3))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ended");
            probe(shop, shipping, 1);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(shipping.placed::isEmpty);
            assertThat(shop.orders()).isZero();
            awaitNoIncomingRow(shop);
            assertThat(shop.counts().scheduled()).as("no row of the rolled-back schedule").isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void anExceptionOrAnEntityManagerClosedMidTransactionSendsNothingAndTheNextOrderGoesThrough(TestDatabase.Kind kind) throws Exception {
        Shipping shipping = new Shipping();
        try (Node shop = Node.open(kind)) {
            shop.start(shipping);
            assertThatThrownBy(() -> placeOrder(shop, 1, () -> {
                throw new IllegalStateException("payment declined");
            })).isInstanceOf(IllegalStateException.class).hasMessage("payment declined");

            MessageBus abandoned;
            try (EntityManager entityManager = shop.entityManagerFactory.createEntityManager()) {
                entityManager.getTransaction().begin();
                entityManager.persist(new Order(2, "app"));
                abandoned = JpaOutbox.join(shop.host, entityManager);
                abandoned.send(new OrderPlaced(2));
            } // closed without commit or rollback
            assertThatThrownBy(() -> abandoned.send(new OrderPlaced(2))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ended");

            placeOrder(shop, 3, () -> { });
            await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.contains(3));
            probe(shop, shipping, 1);
            assertThat(shipping.placed).containsExactly(3);
            assertThat(shop.orders()).isEqualTo(1);
            awaitNoIncomingRow(shop);
        }
    }

    @Test
    void eachTransactionOfOneEntityManagerHasItsOwnOutbox() throws Exception {
        Shipping shipping = new Shipping();
        try (Node shop = Node.open(TestDatabase.Kind.SQLITE)) {
            shop.start(shipping);
            try (EntityManager entityManager = shop.entityManagerFactory.createEntityManager()) {
                entityManager.getTransaction().begin();
                MessageBus first = JpaOutbox.join(shop.host, entityManager);
                first.send(new OrderPlaced(1));
                entityManager.getTransaction().commit();

                entityManager.getTransaction().begin();
                MessageBus second = JpaOutbox.join(shop.host, entityManager);
                assertThat(second).isNotSameAs(first);
                second.send(new OrderPlaced(2));
                entityManager.getTransaction().commit();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> shipping.placed.equals(Set.of(1, 2)));
        }
    }

    @Test
    void joiningWithoutATransactionIsRefused() throws Exception {
        try (Node shop = Node.open(TestDatabase.Kind.SQLITE)) {
            shop.start(new Shipping());
            try (EntityManager entityManager = shop.entityManagerFactory.createEntityManager()) {
                assertThatThrownBy(() -> JpaOutbox.join(shop.host, entityManager)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("no active transaction");
            }
        }
    }

    /** invoke runs the handler in the application's transaction, with the application's EntityManager. */
    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void invokeRunsAHandlerWithTheApplicationsEntityManagerInItsTransaction(TestDatabase.Kind kind) throws Exception {
        Shipping shipping = new Shipping();
        try (Node shop = Node.open(kind)) {
            shop.start(shipping);
            try (EntityManager entityManager = shop.entityManagerFactory.createEntityManager()) {
                entityManager.getTransaction().begin();
                JpaOutbox.join(shop.host, entityManager).invoke(new Deposit(1));
                assertThat(shipping.depositsHandledWith).containsExactly(entityManager);
                entityManager.getTransaction().rollback();

                entityManager.getTransaction().begin();
                JpaOutbox.join(shop.host, entityManager).invoke(new Deposit(2));
                entityManager.getTransaction().commit();
            }
            assertThat(shipping.depositsHandledWith).hasSize(2);
            assertThat(shop.orders()).as("only the committed one's order").isEqualTo(1);
            assertThat(shop.db.queryLong("SELECT MAX(order_number) FROM orders")).isEqualTo(2);
        }
    }

    /**
     * A commit that fails in the database (a deferred constraint, checked at commit): Hibernate does not tell
     * its synchronizations, so closing the entity manager ends the outbox; nothing is sent, no row is left.
     */
    @Test
    void aCommitThatFailsSendsNothing() throws Exception {
        Shipping shipping = new Shipping();
        try (Node shop = Node.open(TestDatabase.Kind.POSTGRES)) {
            shop.db.execute("ALTER TABLE orders ADD CONSTRAINT one_order_each UNIQUE (order_number) DEFERRABLE INITIALLY DEFERRED");
            shop.start(shipping);
            MessageBus outbox;
            try (EntityManager entityManager = shop.entityManagerFactory.createEntityManager()) {
                entityManager.getTransaction().begin();
                entityManager.persist(new Order(1, "app"));
                entityManager.persist(new Order(1, "app"));
                outbox = JpaOutbox.join(shop.host, entityManager);
                outbox.send(new OrderPlaced(1));
                assertThatThrownBy(entityManager.getTransaction()::commit).hasStackTraceContaining("one_order_each");
            }
            assertThatThrownBy(() -> outbox.send(new OrderPlaced(2))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ended");
            probe(shop, shipping, 1);
            assertThat(shipping.placed).isEmpty();
            assertThat(shop.orders()).isZero();
            awaitNoIncomingRow(shop);
        }
    }
}
