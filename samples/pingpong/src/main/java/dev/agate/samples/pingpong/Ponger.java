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
 *
 * <p>With a poison id, handling that ping halts the JVM ({@code Runtime.halt}) after its row is written and
 * before its transaction commits, as an OutOfMemoryError that kills the process or a native crash would:
 * restarted by whatever restarts it, the ponger must dead-letter that ping after at most
 * {@code Durability.maxHandlingCrashes()} crashes and answer every other ping once.
 */
final class Ponger {
    /** The exit code of the JVM that the poison ping halted. */
    static final int HALTED_BY_POISON = 99;

    private final long poison;

    private Ponger(long poison) {
        this.poison = poison;
    }

    /**
     * @param listen a TCP port or an endpoint URI ({@code rabbitmq://queue/pings}); pongers sharing a queue compete for its pings
     * @param poison the id of the ping whose handling halts the JVM, or a negative number for none
     */
    static AgateHost start(String db, String listen, long poison) throws SQLException {
        Ledger.create(db, "ping_handled");
        JdbcMessageStore store = Nodes.store(db);
        AgateHost host = Nodes.builder("ponger", store, listen, "pings")
                .handlers(new Ponger(poison))
                .start();
        System.out.println("PONGER " + host.listenerAddresses().get(0) + " node " + host.nodeId());
        return host;
    }

    @Handler
    void on(Ping ping, Connection connection, MessageContext context) throws SQLException {
        Ledger.record(connection, "ping_handled", ping.id());
        if (ping.id() == poison) {
            System.out.println("POISON " + ping.id() + ": halting the JVM before the handling commits");
            System.out.flush();
            Runtime.getRuntime().halt(HALTED_BY_POISON);
        }
        context.respond(new Pong(ping.id()));
    }
}
