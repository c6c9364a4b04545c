package dev.agate.jdbc;

import dev.agate.AgateException;
import dev.agate.spi.StoreTransaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Connections and transactions for the store's parts: run work in the caller's {@link StoreTransaction}
 * when there is one, or in a transaction of its own; turn {@link SQLException}s into
 * {@link AgateException}s that name the operation and the database. Thread-safe.
 */
final class Jdbc {
    /** The most ids bound in one IN list: well under every driver's parameter limit. */
    static final int MAX_IDS = 500;

    final DataSource dataSource;
    final Dialect dialect;
    final SchemaNames names;
    /**
     * What this store's own connections call themselves on the database server (PostgreSQL's
     * application_name), so that the leader can end the sessions of a node it declared dead; null when the
     * connections are the application's, which Agate does not name.
     */
    final String sessionTag;
    private final String description;

    Jdbc(DataSource dataSource, Dialect dialect, SchemaNames names, String description, String sessionTag) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.names = names;
        this.description = description;
        this.sessionTag = sessionTag;
    }

    /**
     * Gives the rows of {@code table} matching {@code where} (its one parameter: {@code ownerId}) that no other
     * session holds locked to owner 0, at most {@code limit}, in the caller's transaction; returns how many.
     */
    int releaseUnlocked(Connection c, String table, String where, int ownerId, int limit) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        String sql = "SELECT id FROM " + table + " WHERE " + where + " LIMIT ?" + dialect.claimLockClause();
        try (PreparedStatement query = c.prepareStatement(sql)) {
            query.setInt(1, ownerId);
            query.setInt(2, limit);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ids.add(dialect.getUuid(rows, "id"));
                }
            }
        }
        return changeByIds(c, "UPDATE " + table + " SET owner_id = 0 WHERE {ids} AND " + JdbcInbox.OWNED_BY, s -> 1, ids, ownerId);
    }

    /** The one-id form of each statement {@link #changeByIds} ran, built once. */
    private final java.util.Map<String, String> oneByOne = new java.util.concurrent.ConcurrentHashMap<>();

    /** Binds the values a statement takes before its ids; returns the index of the first id. */
    interface Leading {
        int bind(PreparedStatement statement) throws SQLException;
    }

    /**
     * Runs a statement on the rows of {@code ids} that {@code ownerId} owns: {@code sql} says {@code {ids}} where
     * the id filter goes and ends with the owner's placeholder; {@code leading} binds what comes before the ids.
     * On PostgreSQL it runs once per id, {@code id = ?}, all in one JDBC batch (one round trip): an equality on the
     * primary key is planned as a primary-key look-up at any table size, where PostgreSQL plans {@code id IN (...)}
     * on a young table as a scan, and a pooled connection may keep that plan while the table grows. Elsewhere it
     * runs with {@code id IN (...)} lists (their optimizers take the primary key for a list of ids). Returns how
     * many rows it changed.
     */
    int changeByIds(Connection c, String sql, Leading leading, Collection<UUID> ids, int ownerId) throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        int changed = 0;
        if (dialect.looksUpIdsOneByOne()) {
            try (PreparedStatement statement = c.prepareStatement(oneByOne.computeIfAbsent(sql, s -> s.replace("{ids}", "id = ?")))) {
                for (UUID id : ids) {
                    int p = leading.bind(statement);
                    dialect.setUuid(statement, p, id);
                    statement.setInt(p + 1, ownerId);
                    statement.addBatch();
                }
                for (int count : statement.executeBatch()) {
                    changed += Math.max(0, count);
                }
            }
            return changed;
        }
        for (List<UUID> chunk : chunks(ids)) {
            try (PreparedStatement statement = c.prepareStatement(sql.replace("{ids}", "id IN (" + placeholders(chunk.size()) + ")"))) {
                int p = leading.bind(statement);
                bindIds(statement, p, chunk);
                statement.setInt(p + chunk.size(), ownerId);
                changed += statement.executeUpdate();
            }
        }
        return changed;
    }

    /** The database's clock, which leases are timed by. */
    java.time.Instant databaseTime(Connection c) throws SQLException {
        try (PreparedStatement query = c.prepareStatement("SELECT " + dialect.currentTime() + " AS store_time");
             ResultSet result = query.executeQuery()) {
            result.next();
            return dialect.getTime(result, "store_time");
        }
    }

    /** How long a lease statement may wait for the server's answer before its connection is given up. */
    static final int LEASE_NETWORK_TIMEOUT_MILLIS = 10_000;

    /** Ends a statement that also commits its transaction, in the same round trip: see {@link Dialect#commitsWithStatement}. */
    static final String AND_COMMIT = "; COMMIT";

    /**
     * The SQL of a multi-row insert, by number of rows: one row (the outbox's usual case) built once, with and
     * without {@link #AND_COMMIT}; more rows built when asked for.
     */
    static final class InsertSql {
        private final java.util.function.IntFunction<String> rows;
        private final String one;
        private final String oneAndCommit;

        InsertSql(java.util.function.IntFunction<String> rows) {
            this.rows = rows;
            this.one = rows.apply(1);
            this.oneAndCommit = one + AND_COMMIT;
        }

        String of(int count, boolean andCommit) {
            if (count == 1) {
                return andCommit ? oneAndCommit : one;
            }
            return andCommit ? rows.apply(count) + AND_COMMIT : rows.apply(count);
        }
    }

    /**
     * Runs an insert that returns the ids it inserted; {@code andCommit}: its SQL ends with {@link #AND_COMMIT}.
     * Then the rows are fetched at once, never through a cursor (a driver's default fetch size would make one),
     * which the COMMIT in the same round trip would close before they are read.
     */
    static ResultSet insertedIds(PreparedStatement insert, boolean andCommit) throws SQLException {
        if (!andCommit) {
            return insert.executeQuery();
        }
        insert.setFetchSize(0);
        insert.execute(); // two results: the inserted ids, then the COMMIT's
        return insert.getResultSet();
    }

    /** Inserts one chunk of envelopes; returns the ids it did not store, being there already. */
    interface ChunkInsert {
        java.util.Set<UUID> run(Connection connection, List<dev.agate.Envelope> chunk, boolean andCommit) throws SQLException;
    }

    /**
     * Inserts {@code envelopes} in {@code transaction} (null: one of its own), a chunk per statement; the last
     * carries the COMMIT when the transaction asked for it ({@link JdbcTransaction#commitsWithWrite}). Returns the
     * ids not stored, being there already.
     */
    java.util.Set<UUID> insertChunks(StoreTransaction transaction, String operation, List<dev.agate.Envelope> envelopes, ChunkInsert insert) {
        return inTransaction(transaction, operation, c -> {
            java.util.Set<UUID> duplicates = new java.util.LinkedHashSet<>();
            List<List<dev.agate.Envelope>> chunks = chunks(envelopes);
            for (int i = 0; i < chunks.size(); i++) {
                boolean andCommit = i == chunks.size() - 1 && JdbcTransaction.commitsWithWrite(transaction, this, c);
                duplicates.addAll(insert.run(c, chunks.get(i), andCommit));
            }
            return duplicates;
        });
    }

    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} on the transaction's connection, or in a new transaction committed at the end. */
    <T> T inTransaction(StoreTransaction transaction, String operation, Work<T> work) {
        if (transaction != null) {
            Connection connection = JdbcTransaction.connectionOf(transaction);
            try {
                return work.run(connection);
            } catch (SQLException e) {
                throw failure(operation, e);
            }
        }
        return inTransaction(operation, work);
    }

    <T> T inTransaction(String operation, Work<T> work) {
        try {
            return inTransactionOrThrow(work);
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    /** Like {@link #inTransaction(String, Work)} but lets the SQLException through, for callers that retry on it. */
    <T> T inTransactionOrThrow(Work<T> work) throws SQLException {
        return transact(work, false);
    }

    /**
     * A transaction whose every wait for the server, its commit included, is bounded by
     * {@link #LEASE_NETWORK_TIMEOUT_MILLIS}: a lease statement on a network that stopped forwarding must
     * fail, not wait for TCP to give up, which takes minutes or hours. The connection is given up then.
     * Drivers that cannot bound it (SQLite has no network) run it as it is.
     */
    <T> T inBoundedTransactionOrThrow(Work<T> work) throws SQLException {
        return transact(work, true);
    }

    <T> T inBoundedTransaction(String operation, Work<T> work) {
        try {
            return inBoundedTransactionOrThrow(work);
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    private <T> T transact(Work<T> work, boolean bounded) throws SQLException {
        Connection connection = dataSource.getConnection();
        boolean reusable = false;
        int networkTimeout = bounded ? boundNetworkWait(connection) : -1;
        try {
            connection.setAutoCommit(false);
            T result;
            try {
                result = work.run(connection);
            } catch (SQLException | RuntimeException | Error e) {
                reusable = rollbackQuietly(connection, e);
                throw e;
            }
            connection.commit();
            reusable = true;
            return result;
        } finally {
            if (reusable && networkTimeout >= 0) {
                try {
                    connection.setNetworkTimeout(Runnable::run, networkTimeout);
                } catch (SQLException e) {
                    reusable = false;
                }
            }
            if (reusable) {
                connection.close();
            } else {
                discard(connection);
            }
        }
    }

    /** Bounds the connection's waits for the server; returns the timeout to restore, or -1 when the driver cannot. */
    private static int boundNetworkWait(Connection connection) {
        try {
            int before = connection.getNetworkTimeout();
            connection.setNetworkTimeout(Runnable::run, LEASE_NETWORK_TIMEOUT_MILLIS);
            return before;
        } catch (SQLException | UnsupportedOperationException | AbstractMethodError e) {
            return -1;
        }
    }

    /**
     * Takes a connection whose transaction could not begin, commit or roll back out of the pool instead of
     * giving it back: its state is unknown (sqlite-jdbc, for one, believes a transaction is open after its
     * BEGIN failed on a busy database, and would run the next borrower's statements outside any
     * transaction), so it must not serve anyone again.
     */
    void discard(Connection connection) {
        try {
            if (dataSource instanceof com.zaxxer.hikari.HikariDataSource pool) {
                pool.evictConnection(connection);
            } else {
                // Another pool's connection: abort ends the physical connection, which a pool then drops. A
                // driver may not implement it (sqlite-jdbc leaves the connection open, and after a commit it has
                // begun the next transaction, holding SQLite's write lock): then close it, which ends it.
                try {
                    connection.abort(Runnable::run);
                } catch (SQLException | RuntimeException | AbstractMethodError unsupported) {
                    // closed below
                }
                if (!connection.isClosed()) {
                    connection.close();
                }
            }
        } catch (SQLException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Jdbc.class).debug("discarding a connection to {} failed", description, e);
        }
    }

    AgateException failure(String operation, SQLException e) {
        return new AgateException(operation + " failed on " + description + ": " + e.getMessage(), e);
    }

    /** Rolls back; false (the failure added to {@code cause}) when that failed too. */
    static boolean rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
            return true;
        } catch (SQLException rollback) {
            cause.addSuppressed(rollback);
            return false;
        }
    }

    /** Binds ids to consecutive parameters from {@code first}. */
    void bindIds(PreparedStatement statement, int first, List<UUID> ids) throws SQLException {
        for (int i = 0; i < ids.size(); i++) {
            dialect.setUuid(statement, first + i, ids.get(i));
        }
    }

    /** "?, ?, ?" for {@code count} parameters. */
    static String placeholders(int count) {
        return String.join(", ", Collections.nCopies(count, "?"));
    }

    /** Splits a collection into lists of at most {@link #MAX_IDS}. */
    static <T> List<List<T>> chunks(Collection<T> items) {
        List<T> all = new ArrayList<>(items);
        List<List<T>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += MAX_IDS) {
            chunks.add(all.subList(from, Math.min(all.size(), from + MAX_IDS)));
        }
        return chunks;
    }

    @Override
    public String toString() {
        return description;
    }
}
