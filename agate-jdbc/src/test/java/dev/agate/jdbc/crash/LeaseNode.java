package dev.agate.jdbc.crash;

import dev.agate.AgateHost;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.MessageContext;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * A node for the fencing tests, run in a child JVM, on Agate's default durability settings: a durable
 * local queue whose handler writes a ledger row (the deposit, this process's tag and the time) in its
 * transaction. Prints {@code NODE id} once started, then runs until its stdin closes or it is killed,
 * frozen and woken as the test likes.
 *
 * <p>Arguments: JDBC_URL TAG HANDLER_DELAY_MILLIS
 */
public final class LeaseNode {
    public record Deposit(int n) {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String tag = args[1];
        long delayMillis = Long.parseLong(args[2]);
        Object ledger = new Object() {
            @Handler
            void on(Deposit deposit, MessageContext context) throws SQLException, InterruptedException {
                Thread.sleep(delayMillis); // work outside the transaction, so SQLite's one connection stays free
                String sql = "INSERT INTO ledger (n, tag, at_ms) VALUES (?, ?, ?)";
                try (PreparedStatement insert = context.connection().prepareStatement(sql)) {
                    insert.setInt(1, deposit.n());
                    insert.setString(2, tag);
                    insert.setLong(3, System.currentTimeMillis());
                    insert.executeUpdate();
                }
            }
        };
        AgateHost host = AgateHost.builder().serviceName("ledger").handler(ledger)
                .localQueue(LocalQueue.builder("Deposit").durable().capacity(50).maximumParallelism(4).build())
                .store(JdbcMessageStore.builder(url).build())
                .start();
        System.out.println("NODE " + host.nodeId());
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
