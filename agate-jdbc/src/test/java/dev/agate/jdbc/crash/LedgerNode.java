package dev.agate.jdbc.crash;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.MessageContext;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/**
 * A node for the crash and failover tests, run in a child JVM: a durable local queue whose handler
 * writes a ledger row (the deposit and the node) in its transaction. Prints {@code NODE id}, sends
 * {@code send} deposits numbered from {@code first}, prints {@code SENT}, then runs until its stdin closes
 * (a graceful stop) or it is killed.
 *
 * <p>Arguments: JDBC_URL SEND FIRST HANDLER_DELAY_MILLIS CAPACITY
 */
public final class LedgerNode {
    public record Deposit(int n) {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int send = Integer.parseInt(args[1]);
        int first = Integer.parseInt(args[2]);
        long delayMillis = Long.parseLong(args[3]);
        int capacity = Integer.parseInt(args[4]);
        int[] node = new int[1];
        Object ledger = new Object() {
            @Handler
            void on(Deposit deposit, MessageContext context) throws SQLException, InterruptedException {
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis); // work outside the transaction, so SQLite's one connection stays free
                }
                try (PreparedStatement insert = context.connection().prepareStatement("INSERT INTO ledger (n, node) VALUES (?, ?)")) {
                    insert.setInt(1, deposit.n());
                    insert.setInt(2, node[0]);
                    insert.executeUpdate();
                }
            }
        };
        AgateHost host = AgateHost.builder().serviceName("ledger").handler(ledger)
                .localQueue(LocalQueue.builder("Deposit").durable().capacity(capacity).maximumParallelism(4).build())
                .store(JdbcMessageStore.builder(url).build())
                .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(200)).heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5)))
                .start();
        node[0] = host.nodeId();
        System.out.println("NODE " + host.nodeId());
        for (int i = 0; i < send; i++) {
            host.bus().send(new Deposit(first + i));
        }
        System.out.println("SENT " + send);
        System.out.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
            while (in.readLine() != null) {
                // wait for the parent to close stdin
            }
        }
        host.close();
        System.out.println("CLOSED");
    }
}
