package dev.agate.jdbc.crash;

import dev.agate.AgateHost;
import dev.agate.Durability;
import dev.agate.Handler;
import dev.agate.LocalQueue;
import dev.agate.OutboxTransaction;
import dev.agate.jdbc.JdbcMessageStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/**
 * An application for the outbox crash tests, run in a child JVM: it places orders, each an {@code orders}
 * row written in the same transaction that sends {@code OrderPlaced} through the outbox to a durable
 * local queue, whose handler writes a {@code shipped} row in its own transaction. Prints {@code NODE id},
 * then per mode:
 * <ul>
 *   <li>{@code place FIRST COUNT}: one outbox transaction per order, printing {@code PLACED n} every 50;
 *   <li>{@code commit-and-hang FIRST COUNT}: all orders in one transaction, committed on the connection
 *       the way a framework that owns the commit does, then {@code COMMITTED} and nothing more: the outbox is
 *       never told, so the messages are committed but not handed to the queue, the window a kill must survive;
 *   <li>{@code recover}: sends nothing, and handles what the store holds.
 * </ul>
 * Then runs until its stdin closes (a graceful stop) or it is killed.
 */
public final class OutboxNode {
    public record OrderPlaced(int id) {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String mode = args[1];
        int[] node = new int[1];
        Object shipping = new Object() {
            @Handler
            void on(OrderPlaced order, Connection connection) throws SQLException {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO shipped (order_id, node) VALUES (?, ?)")) {
                    insert.setInt(1, order.id());
                    insert.setInt(2, node[0]);
                    insert.executeUpdate();
                }
            }
        };
        JdbcMessageStore store = JdbcMessageStore.builder(url).build();
        AgateHost host = AgateHost.builder().serviceName("shop").handler(shipping)
                .localQueue(LocalQueue.builder("OrderPlaced").durable().maximumParallelism(4).build())
                .store(store)
                .durability(Durability.defaults().recoveryInterval(Duration.ofMillis(200)).heartbeat(Duration.ofMillis(250), Duration.ofSeconds(2)))
                .start();
        node[0] = host.nodeId();
        System.out.println("NODE " + host.nodeId());
        System.out.flush();
        switch (mode) {
            case "place" -> {
                int first = Integer.parseInt(args[2]);
                int count = Integer.parseInt(args[3]);
                for (int n = first; n < first + count; n++) {
                    int id = n;
                    // The store's pool: on SQLite its one connection, so the application and the handlers take turns.
                    host.inTransaction(store.dataSource(), (connection, outbox) -> {
                        insertOrder(connection, id);
                        outbox.send(new OrderPlaced(id));
                        return null;
                    });
                    if ((id - first + 1) % 50 == 0) {
                        System.out.println("PLACED " + (id - first + 1));
                        System.out.flush();
                    }
                }
                System.out.println("PLACED ALL");
            }
            case "commit-and-hang" -> {
                int first = Integer.parseInt(args[2]);
                int count = Integer.parseInt(args[3]);
                Connection connection = store.dataSource().getConnection();
                connection.setAutoCommit(false);
                OutboxTransaction outbox = host.outbox(connection);
                for (int n = first; n < first + count; n++) {
                    insertOrder(connection, n);
                    outbox.send(new OrderPlaced(n));
                }
                connection.commit();
                connection.setAutoCommit(true); // frees SQLite's write lock; the outbox still is not told
                System.out.println("COMMITTED " + count);
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            case "recover" -> System.out.println("RECOVERING");
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.out.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
            while (in.readLine() != null) {
                // wait for the parent to close stdin
            }
        }
        host.close();
        System.out.println("CLOSED");
    }

    private static void insertOrder(Connection connection, int id) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO orders (id, payload) VALUES (?, ?)")) {
            insert.setInt(1, id);
            insert.setString(2, "order " + id + " for a customer who pays on delivery");
            insert.executeUpdate();
        }
    }
}
