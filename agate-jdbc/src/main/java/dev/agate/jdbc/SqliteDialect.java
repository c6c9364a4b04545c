package dev.agate.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * SQLite: one file, one writer at a time. UUIDs as text, times as epoch milliseconds (integers compare
 * and index well, and SQLite has no time type), partial indexes supported. Schema changes run inside
 * {@code BEGIN IMMEDIATE}, which takes the file's write lock, so two processes starting at once apply
 * them one after the other.
 */
final class SqliteDialect extends Dialect {
    @Override
    String name() {
        return "sqlite";
    }

    @Override
    String uuidType() {
        return "TEXT";
    }

    @Override
    String timestampType() {
        return "INTEGER";
    }

    @Override
    String blobType() {
        return "BLOB";
    }

    @Override
    String textType() {
        return "TEXT";
    }

    @Override
    String booleanType() {
        return "INTEGER";
    }

    @Override
    boolean partialIndexes() {
        return true;
    }

    @Override
    List<String> createSchema(SchemaNames names) {
        if (names.schema() != null) {
            throw new IllegalArgumentException("SQLite has no schemas; use a table prefix instead of schema '" + names.schema() + "'");
        }
        return List.of();
    }

    @Override
    void beginSchemaChange(Connection connection, Duration wait) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA busy_timeout = " + wait.toMillis());
        }
        // The driver's autocommit=false opens a deferred transaction; ask for the write lock up front instead.
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("BEGIN IMMEDIATE");
        }
    }

    @Override
    void endSchemaChange(Connection connection, boolean commit) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(commit ? "COMMIT" : "ROLLBACK");
        }
    }

    @Override
    String claimLockClause() {
        return "";
    }

    @Override
    String addColumn(String table, String column, String definition) {
        return "ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition;
    }

    /** Milliseconds since the epoch, as Agate stores times in SQLite. */
    @Override
    String currentTime() {
        return "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)";
    }

    @Override
    void setTime(PreparedStatement statement, int index, Instant time) throws SQLException {
        if (time == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, time.toEpochMilli());
        }
    }

    @Override
    Instant getTime(ResultSet result, String column) throws SQLException {
        long millis = result.getLong(column);
        return result.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    @Override
    void setBoolean(PreparedStatement statement, int index, boolean value) throws SQLException {
        statement.setInt(index, value ? 1 : 0);
    }

    @Override
    String insertIgnoringDuplicates() {
        return "INSERT OR IGNORE INTO";
    }

    @Override
    String insertedIdsSuffix() {
        return " RETURNING id";
    }
}
