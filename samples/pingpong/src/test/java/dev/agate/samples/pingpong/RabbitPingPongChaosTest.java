package dev.agate.samples.pingpong;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.agate.rabbitmq.RabbitMqTransport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PingPongChaosTest} over RabbitMQ: the pinger listens to a queue of its own and sends to the
 * ponger's queue (both with names of this run, declared by the nodes, deleted at the end), each node on a
 * PostgreSQL database of its own. While pings flow, both processes are SIGKILLed three times each at random
 * moments and started again, and twice the broker closes every connection
 * ({@code rabbitmqctl close_all_connections}). What must hold at the end: every ping recorded as sent was
 * handled exactly once and answered exactly once. The seed and the schedule are printed;
 * {@code -Dchaos.seed=N} replays the same schedule, {@code -Dchaos.pings=3000} runs longer (the pauses
 * between events grow with it, so the events spread over the run). The broker is {@code AGATE_RABBITMQ_URL}
 * (default {@value RabbitMqTransport#DEFAULT_URL}); {@code rabbitmqctl} must work for this user.
 */
class RabbitPingPongChaosTest {
    private static final int KILLS_EACH = 3;
    private static final int CONNECTION_CLOSES = 2;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run leaves its nodes' log
    Path dir;

    @Test
    void everyPingIsHandledOnceAndAnsweredOnceThroughRandomKillsAndClosedConnections() throws Exception {
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        int pings = Integer.getInteger("chaos.pings", 400);
        int spread = Math.max(1, pings / 400);
        Random random = new Random(seed);
        String run = Long.toHexString(System.nanoTime());
        String pingQueue = "pingpong-chaos-pings-" + run;
        String pongQueue = "pingpong-chaos-pongs-" + run;
        Path log = dir.resolve("nodes.log");
        List<String> events = new ArrayList<>();
        for (int i = 0; i < KILLS_EACH; i++) {
            events.add("ponger");
            events.add("pinger");
        }
        for (int i = 0; i < CONNECTION_CLOSES; i++) {
            events.add("broker");
        }
        Collections.shuffle(events, random);
        List<String> done = new ArrayList<>();
        Child[] nodes = new Child[2];
        try (ServerDatabases servers = new ServerDatabases("postgres")) {
            String pingerDb = servers.create("agate_rabbit_chaos_pinger");
            String pongerDb = servers.create("agate_rabbit_chaos_ponger");
            String[] ponger = {"ponger", "--db", pongerDb, "--listen", "rabbitmq://queue/" + pingQueue};
            String[] pinger = {"pinger", "--db", pingerDb, "--listen", "rabbitmq://queue/" + pongQueue, "--ponger",
                    "rabbitmq://queue/" + pingQueue, "--pings", String.valueOf(pings), "--interval-ms", "20"};
            long started = System.nanoTime();
            try {
                nodes[0] = Child.start("ponger", log, "PONGER", ponger);
                nodes[1] = Child.start("pinger", log, "PINGER", pinger);
                for (String event : events) {
                    Thread.sleep((200 + random.nextInt(1200)) * (long) spread);
                    Tally at = Tally.read(pingerDb, pongerDb);
                    String when = "@sent=" + at.sent() + ",handled=" + at.handled() + ",answered=" + at.answered();
                    if (event.equals("broker")) {
                        closeAllConnections();
                        done.add("connections" + when);
                        continue;
                    }
                    int victim = event.equals("ponger") ? 0 : 1;
                    nodes[victim].kill();
                    done.add(event + when);
                    Thread.sleep(random.nextInt(800));
                    nodes[victim] = victim == 0 ? Child.start("ponger", log, "PONGER", ponger) : Child.start("pinger", log, "PINGER", pinger);
                }
                Tally end = Tallies.awaitAll(pingerDb, pongerDb, pings);
                System.out.printf("chaos rabbitmq seed=%d pings=%d events=%d %s elapsedMs=%d queues=%s,%s left=%s at %s%n", seed, pings,
                        done.size(), end, (System.nanoTime() - started) / 1_000_000, pingQueue, pongQueue, depths(pingQueue, pongQueue), done);
                assertThat(end.exactlyOnce(pings)).as("seed %d, %s; log %s", seed, end, log).isTrue();
                assertThat(nodes[0].terminate()).as("the ponger stops gracefully on SIGTERM").isTrue();
                assertThat(nodes[1].terminate()).as("the pinger stops gracefully on SIGTERM").isTrue();
            } finally {
                for (Child node : nodes) {
                    if (node != null) {
                        node.close();
                    }
                }
                deleteQueues(pingQueue, pongQueue);
            }
        }
    }

    private static void closeAllConnections() throws Exception {
        Process process = new ProcessBuilder("rabbitmqctl", "close_all_connections", "test").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("rabbitmqctl close_all_connections failed: " + output);
        }
    }

    private static ConnectionFactory broker() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(System.getenv().getOrDefault("AGATE_RABBITMQ_URL", RabbitMqTransport.DEFAULT_URL));
        return factory;
    }

    /** The messages ready in each queue, for the report: both should be empty once everything was answered. */
    private static String depths(String... queues) {
        List<String> depths = new ArrayList<>();
        try (Connection connection = broker().newConnection("pingpong-chaos-test")) {
            for (String queue : queues) {
                try (Channel channel = connection.createChannel()) {
                    depths.add(String.valueOf(channel.queueDeclarePassive(queue).getMessageCount()));
                }
            }
        } catch (Exception e) {
            depths.add("unknown (" + e.getMessage() + ")");
        }
        return String.join(",", depths);
    }

    private static void deleteQueues(String... queues) throws Exception {
        try (Connection connection = broker().newConnection("pingpong-chaos-test")) {
            for (String queue : queues) {
                try (Channel channel = connection.createChannel()) {
                    channel.queueDelete(queue);
                }
            }
        }
    }
}
