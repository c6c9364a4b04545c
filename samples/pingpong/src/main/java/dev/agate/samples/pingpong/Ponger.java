package dev.agate.samples.pingpong;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.jdbc.JdbcMessageStore;
import dev.agate.MessageContext;
import dev.agate.samples.pingpong.Messages.Ping;
import dev.agate.samples.pingpong.Messages.Pong;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Answers every ping with a pong. The {@code ping_handled} row, the mark that the ping was handled and the
 * pong (an outgoing row, sent back to the pinger's reply-to address) commit in one transaction, so a ping
 * delivered twice is handled and answered once.
 */
final class Ponger {
    private Ponger() {
    }

    static AgateHost start(String db, int port) throws SQLException {
        Ledger.create(db, "ping_handled");
        JdbcMessageStore store = Nodes.store(db);
        AgateHost host = Nodes.builder("ponger", store, port, "pings")
                .handlers(new Ponger())
                .start();
        System.out.println("PONGER " + host.listenerAddresses().get(0) + " node " + host.nodeId());
        return host;
    }

    @Handler
    void on(Ping ping, Connection connection, MessageContext context) throws SQLException {
        Ledger.record(connection, "ping_handled", ping.id());
        context.respond(new Pong(ping.id()));
    }
}
