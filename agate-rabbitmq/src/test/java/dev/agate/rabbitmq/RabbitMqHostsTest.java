package dev.agate.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import dev.agate.AgateException;
import dev.agate.AgateHost;
import dev.agate.DeadLetter;
import dev.agate.Durability;
import dev.agate.Listener;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.rabbitmq.Messages.Ping;
import dev.agate.rabbitmq.Messages.Pinger;
import dev.agate.rabbitmq.Messages.Ponger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts with stores of their own, talking through the RabbitMQ server on this machine: the outbox
 * sends with confirms, the inbox persists before it acks, and what the broker refuses or cannot route
 * stays in the outbox until it can be delivered.
 */
class RabbitMqHostsTest {
    static final Durability FAST = Durability.defaults().recoveryInterval(Duration.ofMillis(200))
            .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(2));

    @TempDir
    Path dir;

    final Broker broker = new Broker();

    @AfterEach
    void deleteQueues() throws Exception {
        broker.close();
    }

    static AgateHost.Builder host(String service, JdbcMessageStore store, RabbitMqTransport transport) {
        return AgateHost.builder().serviceName(service).store(store).transport(transport).durability(FAST)
                .shutdownTimeout(Duration.ofSeconds(5));
    }

    JdbcMessageStore sqlite(String name) {
        return JdbcMessageStore.builder("jdbc:sqlite:" + dir.resolve(name + ".db")).build();
    }

    static RabbitMqTransport provisioning() {
        return RabbitMqTransport.builder().autoProvision().build();
    }

    @Test
    void pingsThroughTheOutboxAndPongsToTheReplyQueueAreEachHandledOnce() throws Exception {
        String pings = broker.queue("pings");
        String pongs = broker.queue("pongs");
        Ponger ponger = new Ponger();
        Pinger pinger = new Pinger();
        JdbcMessageStore pingerStore = sqlite("pinger");
        try (AgateHost receiving = host("ponger", sqlite("ponger"), provisioning()).handlers(ponger)
                .listener(Listener.at("rabbitmq://queue/" + pings).durable().build()).durableSenders().start();
             AgateHost sending = host("pinger", pingerStore, provisioning()).handlers(pinger)
                     .listener(Listener.at("rabbitmq://queue/" + pongs).durable().build()).durableSenders()
                     .route(Ping.class, "rabbitmq://queue/" + pings).start()) {
            assertThat(receiving.status().listeners()).singleElement().satisfies(l -> assertThat(l.receiving()).isTrue());
            for (int i = 0; i < 300; i++) {
                sending.bus().send(new Ping(i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> pinger.counter.distinct() == 300);
            assertThat(ponger.counter.total()).isEqualTo(300);
            assertThat(pinger.counter.total()).isEqualTo(300);
            await().atMost(Duration.ofSeconds(5)).until(() -> pingerStore.admin().counts().outgoing() == 0);
        }
        assertThat(broker.messageCount(pings)).isZero();
        assertThat(broker.messageCount(pongs)).isZero();
    }

    @Test
    void anUnroutableMessageStaysInTheOutboxUntilAQueueIsBoundForIt() throws Exception {
        String key = broker.queue("unbound"); // the routing key: nothing is bound to it yet
        String destination = "rabbitmq://exchange/amq.direct?routing-key=" + key;
        JdbcMessageStore store = sqlite("sender");
        try (AgateHost sending = host("sender", store, RabbitMqTransport.builder().build())
                .sender(Sender.to(destination).durable().failuresBeforeLatching(2).build())
                .route(Ping.class, destination).start()) {
            for (int i = 0; i < 20; i++) {
                sending.bus().send(new Ping(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> sending.status().endpoints().stream()
                    .anyMatch(e -> e.uri().toString().equals(destination) && e.latched()));
            assertThat(store.admin().counts().outgoing()).as("returned as unroutable: kept").isEqualTo(20);

            broker.declare(key, Map.of());
            broker.bind(key, "amq.direct", key);
            await().atMost(Duration.ofSeconds(20)).until(() -> store.admin().counts().outgoing() == 0);
            // Every one delivered; a batch resent when the sender resumed may arrive twice (a receiving inbox drops it by id).
            assertThat(broker.drain(key).stream().map(r -> r.getProps().getMessageId()).distinct().count()).isEqualTo(20);
        }
    }

    @Test
    void whatTheBrokerNacksStaysInTheOutboxAndIsSentOnceThereIsRoom() throws Exception {
        String full = broker.queue("full");
        broker.declare(full, Map.of("x-max-length", 5, "x-overflow", "reject-publish")); // beyond 5: nacked
        String destination = "rabbitmq://queue/" + full;
        JdbcMessageStore store = sqlite("sender");
        try (AgateHost sending = host("sender", store, RabbitMqTransport.builder().build())
                .sender(Sender.to(destination).durable().batchSize(1).build())
                .route(Ping.class, destination).start()) {
            for (int i = 0; i < 12; i++) {
                sending.bus().send(new Ping(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(full) == 5);
            Thread.sleep(1_000);
            assertThat(store.admin().counts().outgoing()).as("the nacked ones are kept").isEqualTo(7);

            java.util.Set<String> ids = new java.util.HashSet<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                broker.drain(full).forEach(r -> ids.add(r.getProps().getMessageId()));
                return ids.size() == 12 && store.admin().counts().outgoing() == 0;
            });
        }
    }

    @Test
    void aQueueThatExistsWithOtherArgumentsFailsTheStartNamingTheQueueAndTheArgument() throws Exception {
        String queue = broker.queue("quorum");
        broker.declare(queue, Map.of("x-queue-type", "quorum"));
        assertThatThrownBy(() -> host("clash", sqlite("clash"), provisioning())
                .listener(Listener.at("rabbitmq://queue/" + queue).durable().build()).start())
                .isInstanceOf(AgateException.class)
                .hasMessageContaining("'" + queue + "'")
                .hasMessageContaining("x-queue-type")
                .hasMessageContaining("PRECONDITION_FAILED");

        String missing = broker.queue("missing");
        assertThatThrownBy(() -> host("missing", sqlite("missing"), RabbitMqTransport.builder().build())
                .listener(Listener.at("rabbitmq://queue/" + missing).durable().build()).start())
                .isInstanceOf(AgateException.class)
                .hasMessageContaining("'" + missing + "'")
                .hasMessageContaining("autoProvision");

        // Declared the same way, as a quorum queue: no clash.
        Ponger ponger = new Ponger();
        try (AgateHost host = host("quorum", sqlite("quorum"), RabbitMqTransport.builder().autoProvision().quorumQueue(queue).build())
                .handlers(ponger).listener(Listener.at("rabbitmq://queue/" + queue).durable().build()).start()) {
            broker.publish(queue, new AMQP.BasicProperties.Builder().type("Ping").contentType("application/json").build(), "{\"id\":7}");
            await().atMost(Duration.ofSeconds(10)).until(() -> ponger.counter.distinct() == 1);
        }
    }

    @Test
    void foreignMessagesAreTypedByTypeIdOrQueueDefaultAndAnUntypedOneIsDeadLetteredWithTheReason() throws Exception {
        String spring = broker.queue("spring");
        String bare = broker.queue("bare");
        Ponger ponger = new Ponger();
        RabbitMqTransport transport = RabbitMqTransport.builder().autoProvision().defaultMessageType(bare, "Ping").build();
        try (AgateHost host = host("foreign", sqlite("foreign"), transport).handlers(ponger)
                .listener(Listener.at("rabbitmq://queue/" + spring).durable().build())
                .listener(Listener.at("rabbitmq://queue/" + bare).durable().build()).start()) {
            // What Spring AMQP's RabbitTemplate with its Jackson converter publishes: no id, no type, only __TypeId__.
            AMQP.BasicProperties springShaped = new AMQP.BasicProperties.Builder().contentType("application/json").contentEncoding("UTF-8")
                    .deliveryMode(2).priority(0).headers(Map.of("__TypeId__", "com.acme.orders.Ping")).build();
            broker.publish(spring, springShaped, "{\"id\":1}");
            broker.publish(bare, new AMQP.BasicProperties.Builder().contentType("application/json").build(), "{\"id\":2}");
            broker.publish(spring, new AMQP.BasicProperties.Builder().contentType("application/json").messageId("no-type-1").build(),
                    "{\"id\":3}");
            await().atMost(Duration.ofSeconds(10)).until(() -> ponger.counter.distinct() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> host.deadLetters().list().size() == 1);
            DeadLetter letter = host.deadLetters().list().get(0);
            assertThat(letter.reason()).contains("names no message type").contains(spring);
            assertThat(new String(letter.envelope().body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"id\":3}");
            assertThat(ponger.counter.handled).containsOnlyKeys(1, 2);
        }
        assertThat(broker.messageCount(spring)).as("all settled, none left unacked").isZero();
    }

    /** A message type longer than an AMQP property can hold (255 bytes). */
    @dev.agate.MessageType("an.overly.long.message.type.name.that.no.amqp.short.string.can.hold.0123456789.0123456789.0123456789"
            + ".0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789"
            + ".0123456789.0123456789.0123456789.0123456789.0123456789")
    record Oversized(int id) {
    }

    @Test
    void anEnvelopeThatCannotGoOverAmqpIsDeadLetteredAndDoesNotBlockTheOthers() throws Exception {
        String queue = broker.queue("oversized");
        String destination = "rabbitmq://queue/" + queue;
        JdbcMessageStore store = sqlite("sender");
        try (AgateHost sending = host("sender", store, provisioning()).sender(Sender.to(destination).durable().build())
                .route(Ping.class, destination).route(Oversized.class, destination).start()) {
            sending.bus().send(new Ping(1));
            sending.bus().send(new Oversized(2));
            sending.bus().send(new Ping(3));
            await().atMost(Duration.ofSeconds(20)).until(() -> store.admin().counts().outgoing() == 0 && broker.messageCount(queue) == 2);
            assertThat(store.admin().counts().deadLetters()).isEqualTo(1);
            assertThat(sending.deadLetters().list().get(0).reason()).contains("255 bytes");
        }
    }

    @Test
    void aMessageDeliveredTwiceIsHandledOnce() throws Exception {
        String queue = broker.queue("twice");
        Ponger ponger = new Ponger();
        try (AgateHost host = host("twice", sqlite("twice"), provisioning()).handlers(ponger)
                .listener(Listener.at("rabbitmq://queue/" + queue).durable().build()).start()) {
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().type("Ping").contentType("application/json")
                    .messageId("0190f1a2-3b4c-4d5e-8f60-718293a4b5c6").build();
            broker.publish(queue, props, "{\"id\":1}");
            broker.publish(queue, props, "{\"id\":1}");
            AMQP.BasicProperties notUuid = new AMQP.BasicProperties.Builder().type("Ping").messageId("order-42").build();
            broker.publish(queue, notUuid, "{\"id\":2}");
            broker.publish(queue, notUuid, "{\"id\":2}");
            await().atMost(Duration.ofSeconds(10)).until(() -> ponger.counter.distinct() == 2);
            Thread.sleep(1_000);
            assertThat(ponger.counter.total()).isEqualTo(2);
            List<?> none = host.deadLetters().list();
            assertThat(none).isEmpty();
        }
    }
}
