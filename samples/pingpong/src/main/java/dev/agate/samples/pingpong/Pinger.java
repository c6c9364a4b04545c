package dev.agate.samples.pingpong;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.samples.pingpong.Messages.Ping;
import dev.agate.samples.pingpong.Messages.Pong;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Sends pings until {@code ping_sent} holds {@code pings} rows, each row written in the transaction that
 * sends its ping through the outbox, and records every pong it gets in {@code pong_received}. After a
 * restart it continues from the highest id it recorded.
 */
final class Pinger {
    private Pinger() {
    }

    static AgateHost start(String db, String listen, String ponger, int pings, long intervalMillis) throws Exception {
        Ledger.create(db, "ping_sent", "pong_received");
        JdbcMessageStore store = Nodes.store(db);
        AgateHost host = Nodes.builder("pinger", store, listen, "pongs", ponger)
                .handlers(new Pinger())
                .route(Ping.class, ponger)
                .start();
        javax.sql.DataSource dataSource = store.dataSource();
        long sent;
        long next;
        try (Connection connection = dataSource.getConnection()) {
            sent = Ledger.count(connection, "SELECT COUNT(*) FROM ping_sent");
            next = Ledger.count(connection, "SELECT COALESCE(MAX(ping_id), 0) FROM ping_sent") + 1;
        }
        System.out.println("PINGER " + host.listenerAddresses().get(0) + " node " + host.nodeId() + " sent " + sent
                + " continuing at " + next);
        for (; sent < pings && host.isRunning(); sent++, next++) {
            long id = next;
            sendOnce(host, dataSource, id);
            if (intervalMillis > 0) {
                Thread.sleep(intervalMillis);
            }
        }
        System.out.println("PINGS SENT " + sent);
        return host;
    }

    /**
     * Records and sends ping {@code id} in one transaction; while the database fails, tries again. A failed
     * commit may have gone through (the connection dropped as the server answered), so before each new try
     * the ledger is asked whether the ping is there already: it is sent once either way.
     */
    private static void sendOnce(AgateHost host, javax.sql.DataSource dataSource, long id) throws InterruptedException {
        while (true) {
            try {
                if (!recorded(dataSource, id)) {
                    host.inTransaction(dataSource, (connection, outbox) -> {
                        Ledger.record(connection, "ping_sent", id);
                        outbox.send(new Ping(id));
                        return null;
                    });
                }
                return;
            } catch (RuntimeException | SQLException e) {
                if (!host.isRunning()) {
                    throw new IllegalStateException("the pinger's host stopped", e);
                }
                System.err.println("ping " + id + " not sent (" + e.getMessage() + "); trying again in 500 ms");
                Thread.sleep(500);
            }
        }
    }

    private static boolean recorded(javax.sql.DataSource dataSource, long id) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return Ledger.count(connection, "SELECT COUNT(*) FROM ping_sent WHERE ping_id = " + id) > 0;
        }
    }

    @Handler
    void on(Pong pong, Connection connection) throws SQLException {
        Ledger.record(connection, "pong_received", pong.id());
    }
}
