package dev.agate.spring.jpa;

import static dev.agate.spring.SpringTestSupport.counts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.MessageBus;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.StoreAdmin;
import dev.agate.spring.SpringMessageStore;
import dev.agate.spring.SpringTestSupport;
import dev.agate.spring.boot.AgateAutoConfiguration;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Agate with Spring Data JPA ({@code JpaTransactionManager}, repositories, {@code @Transactional}) on SQLite
 * and PostgreSQL: a message sent in a JPA transaction is delivered once after the commit, and not at all
 * after a rollback or an exception, which leave neither the entity nor an Agate row; a handler that saves
 * through a repository, or through the {@code EntityManager} it takes as a parameter, writes in its
 * handling's transaction: once per envelope, nothing for a failed attempt.
 */
class SpringJpaTransactionTest {
    private static final String T = SpringJpaTransactionTest.class.getName();

    record OrderPlaced(int id) {
    }

    record Probe(int id) {
    }

    record Audit(int id) {
    }

    /** Writes a shipment per order through a repository, and one per audit through its EntityManager parameter. */
    static class Shipping {
        final ShipmentRepository shipments;
        final AtomicBoolean failFirstAttempt = new AtomicBoolean();
        final Set<Integer> placed = ConcurrentHashMap.newKeySet();
        final AtomicInteger placedCount = new AtomicInteger();
        final Set<Integer> probes = ConcurrentHashMap.newKeySet();
        final Set<Integer> audits = ConcurrentHashMap.newKeySet();

        Shipping(ShipmentRepository shipments) {
            this.shipments = shipments;
        }

        @Handler
        void on(OrderPlaced order, Envelope envelope) {
            shipments.save(new Shipment(envelope.id() + "-" + envelope.attempts(), order.id()));
            if (failFirstAttempt.get() && envelope.attempts() == 1) {
                throw new IllegalStateException("first attempt at order " + order.id() + " fails");
            }
            placed.add(order.id());
            placedCount.incrementAndGet();
        }

        @Handler
        void on(Probe probe) {
            probes.add(probe.id());
        }

        @Handler
        void on(Audit audit, EntityManager entityManager) {
            entityManager.persist(new Shipment("audit-" + audit.id(), audit.id()));
            audits.add(audit.id());
        }
    }

    /** The application's service: an entity and a message in one @Transactional method. */
    static class Orders {
        private final ShopOrderRepository orders;
        private final MessageBus bus;

        Orders(ShopOrderRepository orders, MessageBus bus) {
            this.orders = orders;
            this.bus = bus;
        }

        @Transactional
        public void place(int id) {
            orders.save(new ShopOrder(id));
            bus.send(new OrderPlaced(id));
        }

        @Transactional
        public void placeAndFail(int id) {
            place(id);
            throw new IllegalStateException("payment declined for order " + id);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @AutoConfigurationPackage
    static class Shop {
        @Bean
        Shipping shipping(ShipmentRepository shipments) {
            return new Shipping(shipments);
        }

        @Bean
        Orders orders(ShopOrderRepository orders, MessageBus bus) {
            return new Orders(orders, bus);
        }
    }

    private static ApplicationContextRunner shop(TestDatabase db) {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, HibernateJpaAutoConfiguration.class,
                        JpaRepositoriesAutoConfiguration.class, TransactionAutoConfiguration.class, AgateAutoConfiguration.class))
                .withUserConfiguration(Shop.class)
                .withPropertyValues(SpringTestSupport.properties(db,
                        "spring.jpa.hibernate.ddl-auto=create",
                        "agate.service-name=shop",
                        "agate.local-queues.shipping.durable=true",
                        "agate.local-queues.shipping.sequential=true",
                        "agate.routes[" + T + "$OrderPlaced]=local://shipping",
                        "agate.routes[" + T + "$Probe]=local://shipping",
                        "agate.routes[" + T + "$Audit]=local://shipping"));
        return db.kind == TestDatabase.Kind.SQLITE
                ? runner.withPropertyValues("spring.jpa.database-platform=org.hibernate.community.dialect.SQLiteDialect") : runner;
    }

    private static void probe(AssertableApplicationContext context, int id) {
        SpringTestSupport.probe(context.getBean(MessageBus.class), context.getBean(Shipping.class).probes, new Probe(id), id);
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aMessageSentInAJpaTransactionIsDeliveredOnceAfterTheCommit(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            shop(db).run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(PlatformTransactionManager.class)).isInstanceOf(JpaTransactionManager.class);
                assertThat(context.getBean(SpringMessageStore.class).transactionManager()).isSameAs(context.getBean(PlatformTransactionManager.class));
                Shipping shipping = context.getBean(Shipping.class);
                new TransactionTemplate(context.getBean(PlatformTransactionManager.class)).executeWithoutResult(status -> {
                    context.getBean(ShopOrderRepository.class).save(new ShopOrder(1));
                    context.getBean(MessageBus.class).send(new OrderPlaced(1));
                    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(shipping.placed::isEmpty);
                });
                context.getBean(Orders.class).place(2);
                probe(context, 1);
                assertThat(shipping.placed).containsExactlyInAnyOrder(1, 2);
                assertThat(shipping.placedCount).hasValue(2);
                assertThat(context.getBean(ShopOrderRepository.class).count()).isEqualTo(2);
                assertThat(context.getBean(ShipmentRepository.class).countByOrderId(1)).isEqualTo(1);
                assertThat(context.getBean(ShipmentRepository.class).countByOrderId(2)).isEqualTo(1);
                StoreAdmin.Counts counts = counts(context);
                assertThat(counts.incoming()).isZero();
                assertThat(counts.handled()).isIn(0L, 3L); // local envelopes with ids Agate made: (deleted on PostgreSQL, kept as handled on SQLite and MariaDB)
            });
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aRolledBackOrFailedJpaTransactionSendsNothingAndLeavesNoRows(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            shop(db).run(context -> {
                new TransactionTemplate(context.getBean(PlatformTransactionManager.class)).executeWithoutResult(status -> {
                    context.getBean(ShopOrderRepository.class).save(new ShopOrder(1));
                    context.getBean(MessageBus.class).send(new OrderPlaced(1));
                    context.getBean(MessageBus.class).schedule(new OrderPlaced(2), Duration.ofMillis(200));
                    status.setRollbackOnly();
                });
                Orders orders = context.getBean(Orders.class);
                assertThatThrownBy(() -> orders.placeAndFail(3)).hasMessage("payment declined for order 3");
                probe(context, 1);
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(context.getBean(Shipping.class).placed::isEmpty);
                assertThat(context.getBean(ShopOrderRepository.class).count()).isZero();
                assertThat(context.getBean(ShipmentRepository.class).count()).isZero();
                StoreAdmin.Counts counts = counts(context);
                assertThat(counts.incoming()).isZero();
                assertThat(counts.scheduled()).isZero();
                assertThat(counts.handled()).as("only the probe, local: %s", "(deleted on PostgreSQL, kept as handled on SQLite and MariaDB)").isIn(0L, 1L);
            });
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void handlersSaveThroughRepositoriesAndTheirEntityManagerInTheHandlingsTransaction(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            shop(db).run(context -> {
                Shipping shipping = context.getBean(Shipping.class);
                shipping.failFirstAttempt.set(true);
                MessageBus bus = context.getBean(MessageBus.class);
                bus.send(new OrderPlaced(1)); // outside a transaction: sent at once
                bus.send(new Audit(2));
                probe(context, 1);
                ShipmentRepository shipments = context.getBean(ShipmentRepository.class);
                assertThat(shipping.placed).containsExactly(1);
                assertThat(shipments.countByOrderId(1)).as("the failed first attempt's shipment was rolled back").isEqualTo(1);
                assertThat(shipments.findById("audit-2")).isPresent();
                assertThat(shipments.count()).isEqualTo(2);
                assertThat(counts(context).incoming()).isZero();
            });
        }
    }
}
