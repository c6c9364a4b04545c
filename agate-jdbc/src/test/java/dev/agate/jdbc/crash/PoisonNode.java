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
import java.util.concurrent.CountDownLatch;

/**
 * A node for the poison-message test, run in a child JVM: a durable local queue whose handler writes a
 * ledger row in its transaction, except for deposit {@code POISON}, whose handling halts the JVM
 * ({@code Runtime.halt(99)}) before its transaction commits, as an OutOfMemoryError that kills the process
 * or a native crash would. Prints {@code NODE id}, sends {@code SEND} deposits numbered from 1, prints
 * {@code SENT}, then runs until its stdin closes or it halts.
 *
 * <p>Arguments: JDBC_URL SEND POISON
 */
public final class PoisonNode {
    public static final int HALTED = 99;

    public record Deposit(int n) {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int send = Integer.parseInt(args[1]);
        int poison = Integer.parseInt(args[2]);
        int[] node = new int[1];
        CountDownLatch sent = new CountDownLatch(1);
        Object ledger = new Object() {
            @Handler
            void on(Deposit deposit, MessageContext context) throws SQLException, InterruptedException {
                sent.await(); // every deposit is sent before the poison can halt the sender
                try (PreparedStatement insert = context.connection().prepareStatement("INSERT INTO ledger (n, node) VALUES (?, ?)")) {
                    insert.setInt(1, deposit.n());
                    insert.setInt(2, node[0]);
                    insert.executeUpdate();
                }
                if (deposit.n() == poison) {
                    System.out.println("HALT " + deposit.n());
                    System.out.flush();
                    Runtime.getRuntime().halt(HALTED);
                }
            }
        };
        AgateHost host = AgateHost.builder().serviceName("ledger").handler(ledger)
                .localQueue(LocalQueue.builder("Deposit").durable().maximumParallelism(4).build())
                .store(JdbcMessageStore.builder(url).build())
                .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(200))
                        .heartbeat(Duration.ofMillis(250), Duration.ofSeconds(1)))
                .start();
        node[0] = host.nodeId();
        System.out.println("NODE " + host.nodeId());
        for (int i = 1; i <= send; i++) {
            host.bus().send(new Deposit(i));
        }
        sent.countDown();
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
