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

    /**
     * Whether deleting a handled row costs less than marking it ({@link JdbcInbox#deleteHandled}). On PostgreSQL a
     * mark writes a new row version with new index entries (it changes indexed columns) and leaves work for cleanup,
     * where a delete writes little: measured, the outbox into a local queue ran about a tenth faster. On SQLite the
     * delete was slower (it removes the row from every index) and on MariaDB no faster, so there they mark.
     */
    boolean deletesHandledRows() {
        return false;
    }

    /** Whether statements on rows found by id run once per id in a batch rather than with an id list: see {@link Jdbc#changeByIds}. */
    boolean looksUpIdsOneByOne() {
        return false;
    }

    /**
     * The id column as text ordered byte by byte, which for UUIDv7s is by time: what {@code MIN} of ids is taken
     * over (not every database orders or aggregates its UUID type so).
     */
    String idText() {
        return "id";
    }

    /**
     * Whether a comparison of row values, {@code (failed_at, id) > (?, ?)}, is one condition on an index that holds
     * those columns (PostgreSQL's is); elsewhere a position is written as a range on the time and a filter.
     */
    boolean rowValues() {
        return false;
    }

    /** Drops an index if it exists; {@code schema} may be null, {@code table} is the qualified table it is on. */
    String dropIndex(String schema, String index, String table) {
        return "DROP INDEX IF EXISTS " + (schema == null ? "" : schema + ".") + index;
    }

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
     * What follows a SELECT that locks the rows an operator's action changes, waiting for rows another transaction
     * holds (a claim, another action) and then reading them as that transaction left them; empty where one writer
     * at a time is the rule.
     */
    String lockClause() {
        return claimLockClause().isEmpty() ? "" : " FOR UPDATE";
    }

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
     * The database's own current time as an SQL expression, in the type of {@link #timestampType()}: leases
     * are timed by it, so that the clocks of the nodes do not matter. (SQLite's is the clock of the machine
     * whose processes share the file.)
     */
    abstract String currentTime();

    /**
     * Ends the server sessions whose connections call themselves {@code sessionTag} (other than this one),
     * waiting a moment for them to end, so that the locks a frozen or cut-off node holds die with its lease.
     * Databases that cannot do it (SQLite has no sessions; MariaDB does not show a connection's name) do
     * nothing: there, a server-side idle timeout on the store's own connections bounds the locks instead.
     */
    void endSessions(Connection connection, String sessionTag) throws SQLException {
    }

    /**
     * Runs first in the leader's transactions: their first statement locks the lease's row, which a frozen
     * leader may hold locked; the wait is bounded ({@link #LEASE_LOCK_WAIT_SECONDS}) so that the next leader
     * finds out instead of waiting with it.
     */
    void beginLeaderWork(Connection connection) throws SQLException {
        beginClaim(connection);
    }

    /** {@code sql}, with its wait for locks bounded where the database bounds it per statement. */
    String boundedLockWait(String sql) {
        return sql;
    }

    /** Whether a statement failed because a lock it waited for was not granted in time. */
    boolean isLockTimeout(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && ("55P03".equals(sql.getSQLState()) || sql.getErrorCode() == 1205)) {
                return true; // PostgreSQL lock_not_available; MariaDB ER_LOCK_WAIT_TIMEOUT
            }
        }
        return false;
    }

    /** How long a leader's statement waits for the lease row's lock. */
    static final int LEASE_LOCK_WAIT_SECONDS = 2;

    /** {@code INSERT} that skips rows whose id exists, up to the column list: e.g. {@code INSERT OR IGNORE INTO}. */
    abstract String insertIgnoringDuplicates();

    /** What ends that insert so it returns the ids it inserted. */
    abstract String insertedIdsSuffix();

    /**
     * Whether a statement on {@code connection} may end with {@code ; COMMIT}, which the driver sends in the same
     * round trip as the statement: the transaction's COMMIT without a round trip of its own. Default: no.
     */
    boolean commitsWithStatement(Connection connection) throws SQLException {
        return false;
    }

    /** A DELETE of at most {@code limit} rows (one placeholder, bound last) of {@code table} matching {@code where}. */
    String deleteLimited(String table, String where) {
        return "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table + " WHERE " + where + " LIMIT ?)";
    }

    void setUuid(PreparedStatement statement, int index, UUID id) throws SQLException {
        statement.setString(index, id.toString());
    }

    /** The UUID in {@code column}, or null. */
    UUID getUuid(ResultSet result, String column) throws SQLException {
        String text = result.getString(column);
        return text == null ? null : UUID.fromString(text);
    }

    abstract void setTime(PreparedStatement statement, int index, Instant time) throws SQLException;

    abstract Instant getTime(ResultSet result, String column) throws SQLException;

    abstract void setBoolean(PreparedStatement statement, int index, boolean value) throws SQLException;

    @Override
    public String toString() {
        return name();
    }
}
