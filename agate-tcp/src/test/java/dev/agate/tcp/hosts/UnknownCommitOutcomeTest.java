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
 * as it answered): the driver throws, so the listener cannot acknowledge the batch, and the sender
 * sends it again. The resend finds its rows; they must not stay owned by this node and in no queue. Each
 * envelope is handled once.
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

    /** Connections whose next commit after an insert into the inbox commits, then throws as a dropped connection would. */
    static final class LosesOneCommitAnswer {
        final AtomicBoolean armed = new AtomicBoolean();
        final AtomicInteger lost = new AtomicInteger();

        DataSource wrap(DataSource target) {
            return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                Object result = invoke(method, target, args);
                return result instanceof Connection connection ? wrap(connection) : result;
            });
        }

        private Connection wrap(Connection target) {
            AtomicBoolean insertedIncoming = new AtomicBoolean();
            InvocationHandler handler = (proxy, method, args) -> {
                if (method.getName().startsWith("prepare") && args != null && args[0] instanceof String sql
                        && sql.startsWith("INSERT") && sql.contains("incoming")) {
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

    private static Envelope payment(int id) {
        return Envelope.builder().messageType("Payment").contentType("application/json").source("payer").sentAt(Instant.now())
                .body(("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8)).build();
    }
}
