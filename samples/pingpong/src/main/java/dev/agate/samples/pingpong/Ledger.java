package dev.agate.samples.pingpong;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;

/** The ledger tables of the contract: plain rows, no unique keys, so a duplicate would show. */
final class Ledger {
    private Ledger() {
    }

    /** Creates the tables on their own connection, before the host starts handling (recovered envelopes need them). */
    static void create(String db, String... tables) throws SQLException {
        try (Connection connection = java.sql.DriverManager.getConnection(db)) {
            create(connection, tables);
        }
    }

    static void create(Connection connection, String... tables) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String table : tables) {
                statement.execute("CREATE TABLE IF NOT EXISTS " + table + " (ping_id BIGINT, " + timeColumn(table) + " TIMESTAMP)");
            }
        }
    }

    static void record(Connection connection, String table, long pingId) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " (ping_id, " + timeColumn(table)
                + ") VALUES (?, ?)")) {
            insert.setLong(1, pingId);
            insert.setTimestamp(2, Timestamp.from(Instant.now()));
            insert.executeUpdate();
        }
    }

    static long count(Connection connection, String query) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String timeColumn(String table) {
        return switch (table) {
            case "ping_sent" -> "sent_at";
            case "pong_received" -> "received_at";
            case "ping_handled" -> "handled_at";
            default -> throw new IllegalArgumentException(table);
        };
    }
}
