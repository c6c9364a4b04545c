package snippets.outbox;

import dev.agate.AgateHost;
import dev.agate.DeliveryOptions;
import dev.agate.Handler;
import dev.agate.OutboxTransaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

// README.md "The outbox" and docs/outbox.md: sends in the application's own JDBC transaction, and a
// handler writing on the handling connection.

record Order(long id) {}
record OrderPlaced(long id) {}
record Deposit(long id, String account, long amount) {}
record Receipt(long depositId) {}

final class Shop {
    private final AgateHost host;
    private final DataSource dataSource;

    Shop(AgateHost host, DataSource dataSource) {
        this.host = host;
        this.dataSource = dataSource;
    }

    /** README.md. */
    void placeWithTheHelper(Order order) {
        host.inTransaction(dataSource, (connection, outbox) -> {
            insertOrder(connection, order);                 // the application's own write
            outbox.send(new OrderPlaced(order.id()));       // a row on the same connection, handed on after commit
            return null;
        });
    }

    /** docs/outbox.md, a connection of one's own. */
    void placeOnOwnConnection(Order order) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (OutboxTransaction outbox = host.outbox(connection)) {
                insertOrder(connection, order);
                outbox.send(new OrderPlaced(order.id()));
                outbox.commit();                 // commits the connection, then hands the message on
            }
        }
    }

    /** docs/outbox.md, the helper returning a value. */
    long placeReturningId(Order order) {
        long id = host.inTransaction(dataSource, (connection, outbox) -> {
            long orderId = insertOrder(connection, order);
            outbox.send(new OrderPlaced(orderId));
            return orderId;
        });
        return id;
    }

    /** docs/outbox.md, your own message id. */
    void placeOnce(Order order) {
        host.inTransaction(dataSource, (connection, outbox) -> {
            markOrderPlaced(connection, order);                         // the application's own, idempotent write
            outbox.send(new OrderPlaced(order.id()),
                    DeliveryOptions.builder().idFrom("order-" + order.id() + "-placed").build());
            return null;
        });
    }

    /** docs/outbox.md, a handler's writes on the handling connection. */
    static final class Ledger {
        @Handler
        Receipt on(Deposit deposit, Connection connection) throws SQLException {   // or MessageContext.connection()
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO ledger (account, amount) VALUES (?, ?)")) {
                insert.setString(1, deposit.account());
                insert.setLong(2, deposit.amount());
                insert.executeUpdate();
            }
            return new Receipt(deposit.id());          // cascaded in the same transaction
        }
    }

    private static long insertOrder(Connection connection, Order order) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO orders (id) VALUES (?)")) {
            insert.setLong(1, order.id());
            insert.executeUpdate();
        }
        return order.id();
    }

    private static void markOrderPlaced(Connection connection, Order order) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE orders SET placed = TRUE WHERE id = ?")) {
            update.setLong(1, order.id());
            update.executeUpdate();
        }
    }
}
