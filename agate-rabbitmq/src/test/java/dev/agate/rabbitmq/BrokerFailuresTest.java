package dev.agate.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import dev.agate.AgateHost;
import dev.agate.Envelope;
import dev.agate.HostStatus;
import dev.agate.Listener;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.jdbc.TestDatabase;
import dev.agate.rabbitmq.Messages.Ping;
import dev.agate.rabbitmq.Messages.Ponger;
import dev.agate.rabbitmq.internal.RabbitListener;
import dev.agate.spi.ReceiveAnswer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator or a failing broker does to Agate's connections, done for real to the RabbitMQ server on
 * this machine with {@code rabbitmqctl}: the broker application stopped and started with 500 envelopes
 * waiting in the outbox, every connection forced closed while messages flow, a channel error. Nothing may
 * be lost or handled twice, and consumers must come back by themselves. The seed of the random timings is
 * printed; {@code -Drabbit.seed=N} replays it.
 */
class BrokerFailuresTest {
    @TempDir
    Path dir;

    final Broker broker = new Broker();

    @AfterEach
    void cleanUp() throws Exception {
        Broker.ctl("start_app"); // whatever happened in the test, leave the broker running
        broker.close();
    }

    @Test
    void aBrokerRestartWith500EnvelopesInTheOutboxDeliversEachOnceAndConsumersAreBackWithin10Seconds() throws Exception {
        String queue = broker.queue("restart");
        String destination = "rabbitmq://queue/" + queue;
        Ponger ponger = new Ponger();
        try (TestDatabase database = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            JdbcMessageStore senderStore = JdbcMessageStore.builder(database.url).build();
            try (AgateHost receiving = RabbitMqHostsTest.host("receiver", sqlite("receiver"), RabbitMqHostsTest.provisioning())
                    .handlers(ponger).listener(Listener.at(destination).durable().build()).start();
                 AgateHost sending = RabbitMqHostsTest.host("sender", senderStore, RabbitMqHostsTest.provisioning())
                         .sender(Sender.to(destination).durable().build()).route(Ping.class, destination).start()) {
                Broker.ctl("stop_app");
                for (int i = 0; i < 500; i++) {
                    sending.bus().send(new Ping(i));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> !receiving(receiving));
                assertThat(receiving.status().listeners().get(0).problem()).isNotBlank();
                assertThat(senderStore.admin().counts().outgoing()).as("all waiting in the outbox").isEqualTo(500);

                Broker.ctl("start_app");
                long started = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).until(() -> receiving(receiving));
                System.out.printf("consumer back %d ms after start_app returned%n", (System.nanoTime() - started) / 1_000_000);
                await().atMost(Duration.ofSeconds(60)).until(() -> ponger.counter.distinct() == 500);
                await().atMost(Duration.ofSeconds(10)).until(() -> senderStore.admin().counts().outgoing() == 0);
                Thread.sleep(500);
                assertThat(ponger.counter.total()).as("each handled once").isEqualTo(500);
            }
        }
    }

    @Test
    void connectionsForcedClosedWhileMessagesFlowLoseAndDuplicateNothing() throws Exception {
        long seed = Long.getLong("rabbit.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.println("BrokerFailuresTest seed " + seed + " (replay with -Drabbit.seed=" + seed + ")");
        String queue = broker.queue("forced");
        String destination = "rabbitmq://queue/" + queue;
        Ponger ponger = new Ponger();
        JdbcMessageStore senderStore = sqlite("sender");
        int messages = 1_000;
        try (AgateHost receiving = RabbitMqHostsTest.host("receiver", sqlite("receiver"), RabbitMqHostsTest.provisioning())
                .handlers(ponger).listener(Listener.at(destination).durable().build()).start();
             AgateHost sending = RabbitMqHostsTest.host("sender", senderStore, RabbitMqHostsTest.provisioning())
                     .sender(Sender.to(destination).durable().build()).route(Ping.class, destination).start()) {
            CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < messages; i++) {
                    sending.bus().send(new Ping(i));
                    if (i % 50 == 0) {
                        sleep(40);
                    }
                }
            });
            for (int close = 0; close < 2; close++) {
                sleep(200 + random.nextInt(600));
                int handled = ponger.counter.distinct();
                Broker.ctl("close_all_connections", "agate test: forced close");
                System.out.println("forced close " + (close + 1) + " at " + handled + " handled");
            }
            producing.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> ponger.counter.distinct() == messages);
            await().atMost(Duration.ofSeconds(10)).until(() -> senderStore.admin().counts().outgoing() == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> receiving(receiving));
            Thread.sleep(500);
            System.out.println("handled " + ponger.counter.distinct() + " distinct, " + ponger.counter.total() + " in all");
            assertThat(ponger.counter.total()).as("each handled once (seed " + seed + ")").isEqualTo(messages);
        }
        assertThat(broker.messageCount(queue)).isZero();
    }

    @Test
    void aChannelErrorRebuildsTheListenerAndItsConsumer() throws Exception {
        String queue = broker.queue("channel-error");
        List<Envelope> received = new CopyOnWriteArrayList<>();
        try (RabbitMqTransport transport = RabbitMqHostsTest.provisioning()) {
            RabbitListener listener = (RabbitListener) transport.listen(URI.create("rabbitmq://queue/" + queue), batch -> {
                received.addAll(batch);
                return CompletableFuture.completedFuture(ReceiveAnswer.RECEIVED);
            });
            AMQP.BasicProperties ping = new AMQP.BasicProperties.Builder().type("Ping").build();
            for (int i = 0; i < 10; i++) {
                broker.publish(queue, ping, "{\"id\":" + i + "}");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 10);

            var broken = listener.currentChannel();
            broken.basicAck(987_654, false); // the broker closes the channel: PRECONDITION_FAILED - unknown delivery tag
            await().atMost(Duration.ofSeconds(5)).until(() -> !broken.isOpen());
            for (int i = 10; i < 20; i++) {
                broker.publish(queue, ping, "{\"id\":" + i + "}");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 20);
            assertThat(listener.currentChannel()).isNotSameAs(broken);
            assertThat(listener.problem()).isNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> broker.messageCount(queue) == 0);
        }
    }

    @Test
    void whatTheHostCannotTakeIsHeldAndOfferedAgainAsItWasNeitherLostNorAckedUnseenNorRequeued() throws Exception {
        String queue = broker.queue("refused");
        List<Envelope> received = new CopyOnWriteArrayList<>();
        java.util.Set<java.util.UUID> refusedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
        try (RabbitMqTransport transport = RabbitMqHostsTest.provisioning()) {
            RabbitListener listener = (RabbitListener) transport.listen(URI.create("rabbitmq://queue/" + queue), batch -> {
                if (refusals.incrementAndGet() <= 4) { // the store is down, say
                    batch.forEach(e -> refusedIds.add(e.id()));
                    return CompletableFuture.completedFuture(ReceiveAnswer.of(ReceiveAnswer.Status.CANNOT_PROCESS, "store down"));
                }
                received.addAll(batch);
                return CompletableFuture.completedFuture(ReceiveAnswer.RECEIVED);
            });
            AMQP.BasicProperties ping = new AMQP.BasicProperties.Builder().type("Ping").build();
            for (int i = 0; i < 30; i++) {
                broker.publish(queue, ping, "{\"id\":" + i + "}");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.problem() != null && listener.problem().contains("store down"));
            assertThat(received).isEmpty();
            await().atMost(Duration.ofSeconds(20)).until(() -> received.stream().map(e -> new String(e.body())).distinct().count() == 30);
            await().atMost(Duration.ofSeconds(5)).until(() -> broker.messageCount(queue) == 0 && listener.problem() == null);
            assertThat(received).as("each taken once: nothing acked before it was taken").hasSize(30);
            // Published without message ids: a batch offered again keeps the ids it was given, so a store that
            // committed and then failed to answer would recognize it.
            assertThat(received.stream().map(Envelope::id).toList()).containsAll(refusedIds);
        }
    }

    private JdbcMessageStore sqlite(String name) {
        return JdbcMessageStore.builder("jdbc:sqlite:" + dir.resolve(name + ".db")).build();
    }

    private static boolean receiving(AgateHost host) {
        return host.status().listeners().stream().allMatch(HostStatus.ListenerStatus::receiving);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
