package snippets.services;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.Listener;
import dev.agate.LocalQueue;
import dev.agate.MessageContext;
import dev.agate.Sender;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.spi.MessageStore;
import dev.agate.tcp.TcpTls;
import dev.agate.tcp.TcpToken;
import dev.agate.tcp.TcpTransport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;

// Hosts of README.md ("Between services"), docs/durability.md and docs/tcp.md. They name servers that
// exist only in the docs (db, shipping, ponger-host), so they are compiled, not run.

record ShipOrder(long orderId) {}
record Ping(UUID id) {}
record Pong(UUID id) {}

class Billing {
    @Handler
    ShipOrder on(ShipOrder order) {
        return order;
    }
}

class Bank {
    @Handler
    void on(Ping ping) {
    }
}

class PongHandler {
    @Handler
    void on(Pong pong) {
    }
}

final class Services {
    private final MessageStore store;
    private final DataSource dataSource;

    Services(MessageStore store, DataSource dataSource) {
        this.store = store;
        this.dataSource = dataSource;
    }

    /** README.md. */
    AgateHost billing() {
        return AgateHost.builder()
                .serviceName("billing")
                .store(JdbcMessageStore.builder("jdbc:postgresql://db/billing").build())
                .listener(Listener.at("tcp://0.0.0.0:2201").durable().build())
                .sender(Sender.to("tcp://shipping:2202").durable().build())
                .route(ShipOrder.class, "tcp://shipping:2202")
                .handlers(new Billing())
                .start();
    }

    /** docs/durability.md. */
    AgateHost bank() {
        AgateHost host = AgateHost.builder()
                .serviceName("bank")
                .handlers(new Bank())
                .durableLocalQueues()                                   // every local queue not declared otherwise
                .localQueue(LocalQueue.builder("audit").durable().capacity(500).build())
                .store(JdbcMessageStore.builder("jdbc:postgresql://db/bank?user=app").build())
                .durability(Durability.defaults().heartbeat(Duration.ofSeconds(2), Duration.ofSeconds(10))) // a longer lease than the default 5 s
                .start();
        return host;
    }

    /** docs/tcp.md. */
    void pingPong(UUID id) {
        // The ponger: listens, persists what arrives before acknowledging it, answers each ping.
        AgateHost ponger = AgateHost.builder()
                .serviceName("ponger")
                .store(JdbcMessageStore.builder("jdbc:postgresql://db/ponger").build())
                .listener(Listener.at("tcp://0.0.0.0:2201").durable().build())  // envelopes go to local://inbox
                .durableSenders()                                               // answers go through the outbox
                .handlers(new Object() {
                    @Handler
                    void on(Ping ping, Connection connection, MessageContext context) throws SQLException {
                        record(connection, ping);                 // same transaction as the handled mark and the pong
                        context.respond(new Pong(ping.id()));     // to the ping's reply-to address
                    }
                })
                .start();

        // The pinger: every ping leaves through the outbox of the transaction that recorded it.
        AgateHost pinger = AgateHost.builder()
                .serviceName("pinger")
                .store(store)
                .listener(Listener.at("tcp://0.0.0.0:2202").durable().build())  // where pongs come back
                .sender(Sender.to("tcp://ponger-host:2201").durable().build())
                .route(Ping.class, "tcp://ponger-host:2201")
                .handlers(new PongHandler())
                .start();
        pinger.inTransaction(dataSource, (connection, outbox) -> {
            recordSent(connection, id);
            outbox.send(new Ping(id));
            return null;
        });
    }

    /** docs/tcp.md, TLS and tokens. */
    TcpTransport secured() {
        TcpTransport secured = TcpTransport.builder()
                .tls(TcpTls.builder()
                        .certificate(Path.of("server.pem"), Path.of("server.key"))   // this side's certificate
                        .trustedCertificates(Path.of("ca.pem"))                       // whom it trusts
                        .requireClientCertificate(true)                               // mutual TLS
                        .build())
                .token(TcpToken.builder().secret(System.getenv("AGATE_TCP_SECRET")).issuer("orders").build())
                .build();
        return secured;
    }

    private static void record(Connection connection, Ping ping) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO pings_received (id) VALUES (?)")) {
            insert.setObject(1, ping.id());
            insert.executeUpdate();
        }
    }

    private static void recordSent(Connection connection, UUID id) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO pings_sent (id) VALUES (?)")) {
            insert.setObject(1, id);
            insert.executeUpdate();
        }
    }
}
