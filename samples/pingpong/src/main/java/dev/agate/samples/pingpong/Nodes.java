package dev.agate.samples.pingpong;

import dev.agate.AgateHost;
import dev.agate.Listener;
import dev.agate.jdbc.JdbcMessageStore;
import java.time.Duration;

/** What the pinger and the ponger share: a store on their own database, a durable listener, durable senders. */
final class Nodes {
    private Nodes() {
    }

    /** The store on {@code db}; the host starts it, and the ledgers are written through its pool. */
    static JdbcMessageStore store(String db) {
        return JdbcMessageStore.builder(db).build();
    }

    static AgateHost.Builder builder(String service, JdbcMessageStore store, int port, String queue) {
        String host = System.getProperty("pingpong.host", "localhost");
        return AgateHost.builder()
                .serviceName(service)
                .store(store)
                // Received batches are persisted before they are acknowledged; replies go through the outbox.
                .listener(Listener.at("tcp://0.0.0.0:" + port).queue(queue).durable().replyUri("tcp://" + host + ":" + port).build())
                .durableSenders()
                // Default durability: a killed, frozen or cut-off node's envelopes are taken over within seconds.
                .shutdownTimeout(Duration.ofSeconds(10));
    }
}
