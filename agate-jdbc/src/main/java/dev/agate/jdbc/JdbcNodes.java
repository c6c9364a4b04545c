package dev.agate.jdbc;

import dev.agate.spi.NodeRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The node registry on a relational database. A node id is the highest registered id plus one,
 * inserted under the primary key: when two nodes register at once, one insert fails on the key and
 * that node tries again with the next id, so ids stay unique without a sequence or a lock that every
 * database spells differently.
 */
final class JdbcNodes implements NodeRegistry {
    private static final int MAX_TRIES = 20;

    private final Jdbc jdbc;
    private final String table;

    JdbcNodes(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.table = jdbc.names.nodes();
    }

    @Override
    public int register(String serviceName, String description, Instant now) {
        SQLException last = null;
        for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
            try {
                return jdbc.inTransactionOrThrow(c -> insertNext(c, serviceName, description, now));
            } catch (SQLException e) {
                // Another node took the same id first: try again with the next one, after a short random pause.
                last = e;
                pause(attempt);
            }
        }
        throw jdbc.failure("registering node of " + serviceName + " (" + MAX_TRIES + " tries)", last);
    }

    private int insertNext(Connection c, String serviceName, String description, Instant now) throws SQLException {
        int id;
        try (PreparedStatement query = c.prepareStatement("SELECT COALESCE(MAX(node_id), 0) + 1 FROM " + table);
             ResultSet result = query.executeQuery()) {
            result.next();
            id = result.getInt(1);
        }
        String sql = "INSERT INTO " + table + " (node_id, service_name, description, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)";
        try (PreparedStatement insert = c.prepareStatement(sql)) {
            insert.setInt(1, id);
            insert.setString(2, serviceName);
            insert.setString(3, description);
            jdbc.dialect.setTime(insert, 4, now);
            jdbc.dialect.setTime(insert, 5, now);
            insert.executeUpdate();
        }
        return id;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(1, 5 * attempt + 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void heartbeat(int nodeId, Instant now) {
        jdbc.inTransaction("heartbeat of node " + nodeId, c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE " + table + " SET heartbeat_at = ? WHERE node_id = ?")) {
                jdbc.dialect.setTime(update, 1, now);
                update.setInt(2, nodeId);
                if (update.executeUpdate() == 0) {
                    throw new SQLException("node " + nodeId + " is not registered (another node may have declared it dead)");
                }
            }
            return null;
        });
    }

    @Override
    public void deregister(int nodeId) {
        jdbc.inTransaction("deregistering node " + nodeId, c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE node_id = ?")) {
                delete.setInt(1, nodeId);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Node> nodes() {
        return jdbc.inTransaction("listing nodes", c -> {
            List<Node> nodes = new ArrayList<>();
            String sql = "SELECT node_id, service_name, description, started_at, heartbeat_at FROM " + table + " ORDER BY node_id";
            try (PreparedStatement query = c.prepareStatement(sql); ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    nodes.add(new Node(rows.getInt("node_id"), rows.getString("service_name"), rows.getString("description"),
                            jdbc.dialect.getTime(rows, "started_at"), jdbc.dialect.getTime(rows, "heartbeat_at")));
                }
            }
            return nodes;
        });
    }
}
