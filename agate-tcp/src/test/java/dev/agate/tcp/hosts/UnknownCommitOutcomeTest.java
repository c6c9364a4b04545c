package dev.agate.tcp.hosts;

import static dev.agate.tcp.hosts.Hosts.address;
import static dev.agate.tcp.hosts.Hosts.host;
import static dev.agate.tcp.hosts.Hosts.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agate.AgateHost;
import dev.agate.EndpointMode;
import dev.agate.Envelope;
import dev.agate.Handler;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.spi.ReceiveAnswer;
import dev.agate.spi.TransportSender;
import dev.agate.tcp.TcpTransport;
import java.lang.reflect.InvocationHandler;
import java.net.URI;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A COMMIT that reached the database and committed, but whose answer was lost (the connection dropped
 * as it answered, the server crashed): the driver throws, and the node cannot tell whether it went through.
 * Whatever the COMMIT stored must not stay owned by this node and in no queue:
 * <ul>
 *   <li>a received batch: the listener cannot acknowledge it, and the sender's resend finds its rows;</li>
 *   <li>a handling: the handler's cascades, to another service over TCP and to a durable local queue, were
 *       stored with its handled mark; the handling is tried again and finds its envelope handled;</li>
 *   <li>a claim of outgoing envelopes that a stopped node left: the claiming node owns them, but its sender
 *       never got them.</li>
 * </ul>
 * Each envelope is handled once.
 */
class UnknownCommitOutcomeTest {
    record Payment(int id) {
    }

    static final class Payments {
        final AtomicInteger handled = new AtomicInteger();

        @Handler
        void on(Payment payment) {
            handled.incrementAndGet();
        }
    }

    record Receipt(int id) {
    }

    record AuditLine(int id) {
    }

    /** Handles each payment by sending a receipt to another service and an audit line to a durable local queue. */
    static final class PaysAndCascades {
        final Hosts.Counter payments = new Hosts.Counter();
        final Hosts.Counter audited = new Hosts.Counter();

        @Handler
        void on(Payment payment, dev.agate.MessageContext context) {
            payments.count(payment.id());
            context.send(new Receipt(payment.id()));
            context.send(new AuditLine(payment.id()));
        }

        @Handler
        void on(AuditLine line) {
            audited.count(line.id());
        }
    }

    static final class Receipts {
        final Hosts.Counter receipts = new Hosts.Counter();

        @Handler
        void on(Receipt receipt) {
            receipts.count(receipt.id());
        }
    }

    /**
     * Connections whose next commit of a transaction that ran a statement {@code trigger} accepts commits,
     * then throws as a dropped connection would.
     */
    static final class LosesOneCommitAnswer {
        final AtomicBoolean armed = new AtomicBoolean();
        final AtomicInteger lost = new AtomicInteger();
        private final java.util.function.Predicate<String> trigger;

        /** After an insert into the inbox: a received batch. */
        LosesOneCommitAnswer() {
            this(sql -> sql.startsWith("INSERT") && sql.contains("incoming"));
        }

        LosesOneCommitAnswer(java.util.function.Predicate<String> trigger) {
            this.trigger = trigger;
        }

        DataSource wrap(DataSource target) {
            return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                Object result = invoke(method, target, args);
                return result instanceof Connection connection ? wrap(connection) : result;
            });
        }

        private Connection wrap(Connection target) {
            AtomicBoolean insertedIncoming = new AtomicBoolean();
            InvocationHandler handler = (proxy, method, args) -> {
                if (method.getName().startsWith("prepare") && args != null && args[0] instanceof String sql && trigger.test(sql)) {
                    insertedIncoming.set(true);
                }
                if (method.getName().equals("commit")) {
                    invoke(method, target, args);
                    boolean lose = insertedIncoming.getAndSet(false) && armed.compareAndSet(true, false);
                    if (lose) {
                        lost.incrementAndGet();
                        throw new SQLException("I/O error: the connection was reset while the COMMIT was answered (test)", "08006");
                    }
                    return null;
                }
                if (method.getName().equals("rollback")) {
                    insertedIncoming.set(false);
                }
                return invoke(method, target, args);
            };
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
        }

        private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aReceivedBatchWhoseCommitAnswerWasLostIsHandledOnceAfterTheResend(TestDatabase.Kind kind) throws Exception {
        Payments payments = new Payments();
        LosesOneCommitAnswer faults = new LosesOneCommitAnswer();
        TcpTransport transport = TcpTransport.builder().build();
        try (TestDatabase db = TestDatabase.create(kind);
             AgateHost receiver = host("payments").handler(payments)
                     .store(JdbcMessageStore.builder(faults.wrap(db.dataSource), db.url).build())
                     .listener(listener(0, EndpointMode.DURABLE)).start()) {
            TransportSender sender = transport.sender(address(receiver));
            List<Envelope> batch = List.of(payment(1), payment(2), payment(3));

            faults.armed.set(true);
            ReceiveAnswer first = sender.send(batch).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(faults.lost.get()).as("commit answers lost").isEqualTo(1);
            assertThat(first.status()).as("not acknowledged: the listener cannot know").isNotEqualTo(ReceiveAnswer.Status.RECEIVED);

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                    sender.send(batch).toCompletableFuture().get(10, TimeUnit.SECONDS).status() == ReceiveAnswer.Status.RECEIVED);
            await().atMost(Duration.ofSeconds(15)).until(() -> payments.handled.get() == 3);
            // A second handling, were there one, would show within a second.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> payments.handled.get() == 3);
            System.out.printf("%s: first answer %s; handled %d of 3%n", kind, first, payments.handled.get());
            assertThat(payments.handled.get()).isEqualTo(3);
        } finally {
            transport.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aHandlingWhoseCommitAnswerWasLostDeliversWhatItSentOnce(TestDatabase.Kind kind) throws Exception {
        PaysAndCascades payer = new PaysAndCascades();
        Receipts ledger = new Receipts();
        // The handling's transaction, and only it, inserts into the outbox.
        LosesOneCommitAnswer faults = new LosesOneCommitAnswer(sql -> sql.startsWith("INSERT") && sql.contains("outgoing"));
        int payments = 20;
        try (TestDatabase payerDb = TestDatabase.create(kind);
             TestDatabase ledgerDb = TestDatabase.create(kind);
             AgateHost receipts = host("ledger").handler(ledger).store(JdbcMessageStore.builder(ledgerDb.dataSource, ledgerDb.url).build())
                     .listener(listener(0, EndpointMode.DURABLE)).start()) {
            String ledgerUri = address(receipts).toString();
            try (AgateHost payments1 = host("payments").handler(payer)
                    .store(JdbcMessageStore.builder(faults.wrap(payerDb.dataSource), payerDb.url).build())
                    .durableLocalQueues()
                    .sender(dev.agate.Sender.to(ledgerUri).durable().build()).route(Receipt.class, ledgerUri).start()) {
                faults.armed.set(true);
                for (int i = 1; i <= payments; i++) {
                    payments1.bus().send(new Payment(i));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> ledger.receipts.distinct() == payments && payer.audited.distinct() == payments);
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> ledger.receipts.total() == payments);
                System.out.printf("%s: commit answers lost %d; payments handled %d (distinct %d), receipts %d (distinct %d), audit lines %d"
                                + " (distinct %d)%n", kind, faults.lost.get(), payer.payments.total(), payer.payments.distinct(),
                        ledger.receipts.total(), ledger.receipts.distinct(), payer.audited.total(), payer.audited.distinct());
                assertThat(faults.lost.get()).as("commit answers lost").isEqualTo(1);
                assertThat(ledger.receipts.total()).as("receipts handled").isEqualTo(payments);
                assertThat(payer.audited.total()).as("audit lines handled").isEqualTo(payments);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"SQLITE", "POSTGRES"})
    void aClaimWhoseCommitAnswerWasLostSendsWhatItClaimedOnce(TestDatabase.Kind kind) throws Exception {
        Receipts ledger = new Receipts();
        // The claim sets the owner of the rows it selected; a release or a delete does not look like it.
        LosesOneCommitAnswer faults = new LosesOneCommitAnswer(sql -> sql.startsWith("UPDATE") && sql.contains("outgoing")
                && sql.contains("SET owner_id = ? WHERE id IN"));
        int receipts = 30;
        try (TestDatabase payerDb = TestDatabase.create(kind);
             TestDatabase ledgerDb = TestDatabase.create(kind);
             AgateHost ledgerHost = host("ledger").handler(ledger).store(JdbcMessageStore.builder(ledgerDb.dataSource, ledgerDb.url).build())
                     .listener(listener(0, EndpointMode.DURABLE)).start()) {
            URI ledgerUri = address(ledgerHost);
            JdbcMessageStore payerStore = JdbcMessageStore.builder(faults.wrap(payerDb.dataSource), payerDb.url).build();
            // What a stopped node left in its outbox, given to any node (owner 0).
            try (AgateHost first = host("payments").store(payerStore).start()) {
                // started once so that the schema is there
            }
            List<Envelope> left = new java.util.ArrayList<>();
            for (int i = 1; i <= receipts; i++) {
                left.add(Envelope.builder().messageType("Receipt").contentType("application/json").source("payments").sentAt(Instant.now())
                        .destination(ledgerUri).body(("{\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8)).build());
            }
            payerStore.outbox().store(null, left, 0);
            faults.armed.set(true);
            try (AgateHost payments = host("payments").store(payerStore).sender(dev.agate.Sender.to(ledgerUri.toString()).durable().build())
                    .start()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> ledger.receipts.distinct() == receipts);
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> ledger.receipts.total() == receipts);
                System.out.printf("%s: commit answers lost %d; receipts %d (distinct %d)%n", kind, faults.lost.get(), ledger.receipts.total(),
                        ledger.receipts.distinct());
                assertThat(faults.lost.get()).as("commit answers lost").isEqualTo(1);
                assertThat(ledger.receipts.total()).isEqualTo(receipts);
            }
        }
    }

    private static Envelope payment(int id) {
        return Envelope.builder().messageType("Payment").contentType("application/json").source("payer").sentAt(Instant.now())
                .body(("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8)).build();
    }
}
