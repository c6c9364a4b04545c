package dev.agate.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What differs between the databases Agate stores envelopes in: column types, partial indexes, and
 * how concurrent schema changes are serialized. One instance per database kind; stateless.
 */
abstract class Dialect {
    static final SqliteDialect SQLITE = new SqliteDialect();
    static final PostgresDialect POSTGRES = new PostgresDialect();
    static final MariaDbDialect MARIADB = new MariaDbDialect();
    static final List<Dialect> ALL = List.of(SQLITE, POSTGRES, MARIADB);

    /**
     * Whether the transaction on {@code connection} can only be rolled back although a commit would not
     * fail: see {@link dev.agate.spi.StoreTransaction#checkCommittable()}. Default: no such state.
     */
    boolean transactionAborted(Connection connection) throws SQLException {
        return false;
    }

    /** The name users type: {@code sqlite}, {@code postgres}, {@code mariadb}. */
    abstract String name();

    /** The dialect of a JDBC URL. */
    static Dialect forUrl(String jdbcUrl) {
        String url = jdbcUrl.toLowerCase(Locale.ROOT);
        if (url.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return POSTGRES;
        }
        if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) {
            return MARIADB;
        }
        throw new IllegalArgumentException("unsupported JDBC URL '" + jdbcUrl
                + "': Agate stores envelopes in jdbc:sqlite:, jdbc:postgresql: or jdbc:mariadb: (jdbc:mysql:) databases");
    }

    /** A dialect by {@link #name()}. */
    static Dialect named(String name) {
        return ALL.stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown dialect '" + name + "'; known: " + ALL.stream().map(Dialect::name).toList()));
    }

    abstract String uuidType();

    abstract String timestampType();

    abstract String blobType();

    abstract String textType();

    abstract String booleanType();

    /** Whether {@code CREATE INDEX ... WHERE} is supported. */
    abstract boolean partialIndexes();

    /** Statements that create the schema itself, if the names have one. */
    abstract List<String> createSchema(SchemaNames names);

    /**
     * Starts a schema change: on return the caller holds a lock that no other Agate node can hold on
     * this database until {@link #endSchemaChange}, and (where DDL is transactional) a transaction.
     *
     * @throws SQLException when the lock is not had within {@code wait}
     */
    abstract void beginSchemaChange(Connection connection, Duration wait) throws SQLException;

    /** Commits (or rolls back) and releases the lock taken by {@link #beginSchemaChange}. */
    abstract void endSchemaChange(Connection connection, boolean commit) throws SQLException;

    /**
     * What follows a SELECT that claims rows, so two nodes claiming at once skip each other's rows
     * instead of waiting or taking the same ones; empty where one writer at a time is the rule.
     */
    abstract String claimLockClause();

    /**
     * Adds a column to a table; re-runnable where DDL commits on its own (PostgreSQL and MariaDB know
     * {@code IF NOT EXISTS}; SQLite, which does not, runs the step in its transaction).
     */
    String addColumn(String table, String column, String definition) {
        return "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + column + " " + definition;
    }

    /**
     * Runs first in a claim's transaction, before any statement: where the database's default isolation
     * makes claimers deadlock, sets a lighter one for this transaction only.
     */
    void beginClaim(Connection connection) throws SQLException {
    }

    /**
     * Whether a statement failed because the database chose this transaction as a deadlock victim or
     * could not serialize it (SQLState class 40): the whole transaction was rolled back and may simply
     * run again. MariaDB reports a deadlock as 40001, PostgreSQL as 40P01.
     */
    boolean isTransactionRollback(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("40")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes the session-scoped leader lock named {@code key} on this connection without waiting; true
     * when taken. Databases without session locks (SQLite) throw {@link UnsupportedOperationException}.
     */
    boolean tryLeaderLock(Connection connection, String key) throws SQLException {
        throw new UnsupportedOperationException(name() + " has no session locks");
    }

    /** Whether this connection's session still holds the leader lock {@code key}. */
    boolean holdsLeaderLock(Connection connection, String key) throws SQLException {
        throw new UnsupportedOperationException(name() + " has no session locks");
    }

    /** Lets go of the leader lock {@code key} held by this connection's session. */
    void releaseLeaderLock(Connection connection, String key) throws SQLException {
        throw new UnsupportedOperationException(name() + " has no session locks");
    }

    /** Runs a query of one boolean-like column and reads it. */
    static boolean queryFlag(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                query.setObject(i + 1, parameters[i]);
            }
            try (ResultSet result = query.executeQuery()) {
                return result.next() && result.getInt(1) == 1;
            }
        }
    }

    /** {@code INSERT} that skips rows whose id exists, up to the column list: e.g. {@code INSERT OR IGNORE INTO}. */
    abstract String insertIgnoringDuplicates();

    /** What ends that insert so it returns the ids it inserted. */
    abstract String insertedIdsSuffix();

    /** A DELETE of at most {@code limit} rows (one placeholder, bound last) of {@code table} matching {@code where}. */
    String deleteLimited(String table, String where) {
        return "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table + " WHERE " + where + " LIMIT ?)";
    }

    void setUuid(PreparedStatement statement, int index, UUID id) throws SQLException {
        statement.setString(index, id.toString());
    }

    UUID getUuid(ResultSet result, String column) throws SQLException {
        return UUID.fromString(result.getString(column));
    }

    abstract void setTime(PreparedStatement statement, int index, Instant time) throws SQLException;

    abstract Instant getTime(ResultSet result, String column) throws SQLException;

    abstract void setBoolean(PreparedStatement statement, int index, boolean value) throws SQLException;

    @Override
    public String toString() {
        return name();
    }
}
