package dev.agate.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The RabbitMQ server on this machine, as the tests drive it from outside Agate: plain amqp-client for
 * queues and raw messages, {@code rabbitmqctl} for what an operator does to a broker. Every queue a test
 * names through {@link #queue} is deleted by {@link #close()}.
 */
final class Broker implements AutoCloseable {
    static final String URL = System.getenv().getOrDefault("AGATE_RABBITMQ_URL", RabbitMqTransport.DEFAULT_URL);

    private final Set<String> queues = ConcurrentHashMap.newKeySet();
    private Connection connection;

    /** A queue name of this test's own, deleted at the end. */
    String queue(String purpose) {
        String name = "agate-test-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
        queues.add(name);
        return name;
    }

    synchronized Channel channel() throws Exception {
        if (connection == null || !connection.isOpen()) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setUri(URL);
            factory.setAutomaticRecoveryEnabled(false);
            connection = factory.newConnection("agate-test-admin");
        }
        return connection.createChannel();
    }

    void declare(String queue, Map<String, Object> arguments) throws Exception {
        try (Channel channel = channel()) {
            channel.queueDeclare(queue, true, false, false, arguments);
        }
    }

    long messageCount(String queue) throws Exception {
        try (Channel channel = channel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }

    void bind(String queue, String exchange, String routingKey) throws Exception {
        try (Channel channel = channel()) {
            channel.queueBind(queue, exchange, routingKey);
        }
    }

    void publish(String queue, AMQP.BasicProperties properties, String body) throws Exception {
        try (Channel channel = channel()) {
            channel.confirmSelect();
            channel.basicPublish("", queue, true, properties, body.getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(5_000);
        }
    }

    /** Takes (and acks) every message now in {@code queue}. */
    List<GetResponse> drain(String queue) throws Exception {
        List<GetResponse> taken = new ArrayList<>();
        try (Channel channel = channel()) {
            GetResponse response;
            while ((response = channel.basicGet(queue, true)) != null) {
                taken.add(response);
            }
        }
        return taken;
    }

    /** {@code rabbitmqctl ARGS}, waiting for it to finish. */
    static void ctl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("rabbitmqctl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("rabbitmqctl " + String.join(" ", args) + " failed: " + output);
        }
    }

    @Override
    public synchronized void close() throws Exception {
        try (Channel channel = channel()) {
            for (String queue : queues) {
                channel.queueDelete(queue);
            }
        } finally {
            connection.close();
        }
    }
}
