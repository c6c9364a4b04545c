package dev.agate.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.List;

/**
 * MariaDB and MySQL: UUIDs as ASCII text (portable to MySQL, readable by a DBA), DATETIME(6) in UTC,
 * no partial indexes (plain composite indexes that lead with the status instead), and DDL that commits
 * on its own. Schema changes are serialized with {@code GET_LOCK}, a named lock held by the connection
 * and released with it if the node dies.
 */
final class MariaDbDialect extends Dialect {
    static final String SCHEMA_LOCK = "agate_schema";

    @Override
    String name() {
        return "mariadb";
    }

    @Override
    String uuidType() {
        return "CHAR(36) CHARACTER SET ascii";
    }

    @Override
    String timestampType() {
        return "DATETIME(6)";
    }

    @Override
    String blobType() {
        return "LONGBLOB";
    }

    @Override
    String textType() {
        return "LONGTEXT";
    }

    @Override
    String booleanType() {
        return "BOOLEAN";
    }

    @Override
    boolean partialIndexes() {
        return false;
    }

    @Override
    String dropIndex(String schema, String index, String table) {
        return "DROP INDEX IF EXISTS " + index + " ON " + table;
    }

    @Override
    List<String> createSchema(SchemaNames names) {
        return names.schema() == null ? List.of() : List.of("CREATE DATABASE IF NOT EXISTS " + names.schema());
    }

    @Override
    void beginSchemaChange(Connection connection, Duration wait) throws SQLException {
        connection.setAutoCommit(true);
        try (PreparedStatement lock = connection.prepareStatement("SELECT GET_LOCK(?, ?)")) {
            lock.setString(1, SCHEMA_LOCK);
            lock.setLong(2, Math.max(1, wait.toSeconds()));
            try (ResultSet result = lock.executeQuery()) {
                if (!result.next() || result.getInt(1) != 1) {
                    throw new SQLException("another node held the Agate schema lock '" + SCHEMA_LOCK + "' for longer than " + wait);
                }
            }
        }
    }

    @Override
    void endSchemaChange(Connection connection, boolean commit) throws SQLException {
        // DDL commits on its own here, so there is nothing to roll back: migrations are written to be re-runnable.
        try (PreparedStatement unlock = connection.prepareStatement("SELECT RELEASE_LOCK(?)")) {
            unlock.setString(1, SCHEMA_LOCK);
            unlock.execute();
        }
    }

    @Override
    String boundedLockWait(String sql) {
        return "SET STATEMENT innodb_lock_wait_timeout = " + LEASE_LOCK_WAIT_SECONDS + " FOR " + sql;
    }

    @Override
    String currentTime() {
        return "UTC_TIMESTAMP(6)";
    }

    @Override
    String claimLockClause() {
        return " FOR UPDATE SKIP LOCKED";
    }

    /**
     * Read committed for this one transaction (the statement without SESSION applies to the next
     * transaction only, so the connection keeps its own level): no gap locks, so claimers skipping each
     * other's rows do not deadlock on the index entries their updates move. Locking reads see the latest
     * committed row at any level, so a row another node claimed is never taken twice.
     */
    @Override
    void beginClaim(Connection connection) throws SQLException {
        try (Statement set = connection.createStatement()) {
            set.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
        }
    }

    /** DATETIME has no zone: Agate writes and reads UTC wall-clock time, whatever the JVM's zone. */
    @Override
    void setTime(PreparedStatement statement, int index, Instant time) throws SQLException {
        if (time == null) {
            statement.setNull(index, Types.TIMESTAMP);
        } else {
            statement.setObject(index, LocalDateTime.ofInstant(time, ZoneOffset.UTC));
        }
    }

    @Override
    Instant getTime(ResultSet result, String column) throws SQLException {
        LocalDateTime time = result.getObject(column, LocalDateTime.class);
        return time == null ? null : time.toInstant(ZoneOffset.UTC);
    }

    @Override
    void setBoolean(PreparedStatement statement, int index, boolean value) throws SQLException {
        statement.setBoolean(index, value);
    }

    @Override
    String insertIgnoringDuplicates() {
        return "INSERT IGNORE INTO";
    }

    @Override
    String insertedIdsSuffix() {
        return " RETURNING id";
    }

    /** MariaDB refuses LIMIT inside an IN subquery, but has DELETE ... LIMIT. */
    @Override
    String deleteLimited(String table, String where) {
        return "DELETE FROM " + table + " WHERE " + where + " LIMIT ?";
    }
}
