package dev.agate.samples.pingpong;

import dev.agate.AgateHost;
import dev.agate.Listener;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.rabbitmq.RabbitMqTransport;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;

/**
 * What the pinger and the ponger share: a store on their own database, a durable listener, durable senders.
 * The listener is TCP on a port, or at an endpoint URI such as {@code rabbitmq://queue/NAME}; a node that
 * listens or sends over RabbitMQ registers a transport that declares the sample's queues, on the broker of
 * {@code AGATE_RABBITMQ_URL} (default {@value RabbitMqTransport#DEFAULT_URL}).
 */
final class Nodes {
    private Nodes() {
    }

    /** The store on {@code db}; the host starts it, and the ledgers are written through its pool. */
    static JdbcMessageStore store(String db) {
        return JdbcMessageStore.builder(db).build();
    }

    /**
     * @param listen a TCP port, or an endpoint URI ({@code rabbitmq://queue/NAME}), as {@link Options#endpoint} checked it
     * @param peers the endpoints this node sends to by route, which may need the RabbitMQ transport too
     */
    static AgateHost.Builder builder(String service, JdbcMessageStore store, String listen, String queue, String... peers) {
        AgateHost.Builder builder = AgateHost.builder()
                .serviceName(service)
                .store(store)
                // Received batches are persisted before they are acknowledged; replies go through the outbox.
                .listener(listener(listen, queue))
                .durableSenders()
                // Default durability: a killed, frozen or cut-off node's envelopes are taken over within seconds.
                .shutdownTimeout(Duration.ofSeconds(10));
        if (isRabbitMq(listen) || Arrays.stream(peers).anyMatch(Nodes::isRabbitMq)) {
            // Declares the queues it listens to and sends to (durable classic queues), so the sample needs no set-up.
            builder.transport(RabbitMqTransport.builder().autoProvision().build());
        }
        return builder;
    }

    private static Listener listener(String listen, String queue) {
        if (Options.isPort(listen)) {
            String host = System.getProperty("pingpong.host", "localhost");
            return Listener.at("tcp://0.0.0.0:" + listen).queue(queue).durable().replyUri("tcp://" + host + ":" + listen).build();
        }
        Listener.Builder listener = Listener.at(listen).queue(queue).durable();
        if (!"tcp".equals(URI.create(listen).getScheme())) {
            // A queue is the same address for whoever sends to it: the pongs come back to this node's queue.
            listener.replyUri(listen);
        }
        return listener.build();
    }

    private static boolean isRabbitMq(String endpoint) {
        return endpoint != null && endpoint.startsWith("rabbitmq:");
    }
}
