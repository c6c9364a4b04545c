package dev.agate.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * PostgreSQL: native uuid and timestamptz, partial indexes, transactional DDL. Schema changes are
 * serialized by a transaction-scoped advisory lock, so they release themselves if the node dies.
 */
final class PostgresDialect extends Dialect {
    /** An arbitrary, fixed key: "agate" in ASCII. Every Agate node on the database uses it for schema changes. */
    static final long SCHEMA_LOCK_KEY = 0x6167617465L;

    @Override
    String name() {
        return "postgres";
    }

    @Override
    boolean deletesHandledRows() {
        return true;
    }

    @Override
    boolean looksUpIdsOneByOne() {
        return true;
    }

    /**
     * pgjdbc knows the server's transaction state from every reply; FAILED means an error aborted the
     * transaction and a COMMIT would be answered with a silent rollback. Read through reflection: the driver
     * is the application's, and may be absent when another database is used.
     */
    @Override
    boolean transactionAborted(Connection connection) throws SQLException {
        return "FAILED".equals(pgjdbc(connection, PgState.INSTANCE == null ? null : PgState.INSTANCE.getTransactionState, "transaction state"));
    }

    /**
     * pgjdbc sends {@code INSERT ...; COMMIT} in one round trip, and then knows the transaction ended (its own
     * {@code commit()} has nothing left to send). Only with {@code autosave} at its default, never: the statement
     * was not tried under pgjdbc's automatic savepoints, which wrap each statement and undo a failed one.
     */
    @Override
    boolean commitsWithStatement(Connection connection) throws SQLException {
        return "NEVER".equals(pgjdbc(connection, PgState.INSTANCE == null ? null : PgState.INSTANCE.getAutosave, "autosave setting"));
    }

    /** What {@code getter} of pgjdbc's connection answers, as text; null when the connection is not pgjdbc's. */
    private static String pgjdbc(Connection connection, java.lang.invoke.MethodHandle getter, String what) throws SQLException {
        PgState state = PgState.INSTANCE;
        if (state == null || !connection.isWrapperFor(state.baseConnection)) {
            return null;
        }
        try {
            return String.valueOf(getter.invoke(connection.unwrap(state.baseConnection)));
        } catch (Throwable e) {
            throw new SQLException("reading the " + what + " of a PostgreSQL connection failed: " + e, e);
        }
    }

    /** pgjdbc's {@code BaseConnection.getTransactionState()} and {@code getAutosave()}, looked up once; null without the driver. */
    private static final class PgState {
        static final PgState INSTANCE = lookUp();
        final Class<?> baseConnection;
        final java.lang.invoke.MethodHandle getTransactionState;
        final java.lang.invoke.MethodHandle getAutosave;

        private PgState(Class<?> baseConnection, java.lang.invoke.MethodHandle getTransactionState, java.lang.invoke.MethodHandle getAutosave) {
            this.baseConnection = baseConnection;
            this.getTransactionState = getTransactionState;
            this.getAutosave = getAutosave;
        }

        private static PgState lookUp() {
            try {
                Class<?> base = Class.forName("org.postgresql.core.BaseConnection");
                java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.publicLookup();
                java.lang.invoke.MethodType toObject = java.lang.invoke.MethodType.methodType(Object.class, Object.class);
                java.lang.invoke.MethodHandle getter = lookup.findVirtual(base, "getTransactionState",
                        java.lang.invoke.MethodType.methodType(Class.forName("org.postgresql.core.TransactionState"))).asType(toObject);
                java.lang.invoke.MethodHandle autosave = lookup.findVirtual(base, "getAutosave",
                        java.lang.invoke.MethodType.methodType(Class.forName("org.postgresql.jdbc.AutoSave"))).asType(toObject);
                return new PgState(base, getter, autosave);
            } catch (ReflectiveOperationException | LinkageError e) {
                return null;
            }
        }
    }

    @Override
    String uuidType() {
        return "uuid";
    }

    @Override
    String timestampType() {
        return "timestamptz";
    }

    @Override
    String blobType() {
        return "bytea";
    }

    @Override
    String textType() {
        return "text";
    }

    @Override
    String booleanType() {
        return "boolean";
    }

    @Override
    boolean partialIndexes() {
        return true;
    }

    @Override
    List<String> createSchema(SchemaNames names) {
        return names.schema() == null ? List.of() : List.of("CREATE SCHEMA IF NOT EXISTS " + names.schema());
    }

    @Override
    void beginSchemaChange(Connection connection, Duration wait) throws SQLException {
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET LOCAL lock_timeout = '" + wait.toMillis() + "ms'");
        }
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            lock.setLong(1, SCHEMA_LOCK_KEY);
            lock.execute();
        }
    }

    @Override
    void endSchemaChange(Connection connection, boolean commit) throws SQLException {
        // The advisory lock is transaction-scoped: it goes with the commit or rollback.
        if (commit) {
            connection.commit();
        } else {
            connection.rollback();
        }
        connection.setAutoCommit(true);
    }

    /** The wait for the lease row's lock, bounded for this transaction only. */
    @Override
    void beginLeaderWork(Connection connection) throws SQLException {
        try (PreparedStatement set = connection.prepareStatement("SET LOCAL lock_timeout = '" + LEASE_LOCK_WAIT_SECONDS + "s'")) {
            set.execute();
        }
    }

    @Override
    void endSessions(Connection connection, String sessionTag) throws SQLException {
        String sql = "SELECT pg_terminate_backend(pid, 2000) FROM pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()";
        try (PreparedStatement end = connection.prepareStatement(sql)) {
            end.setString(1, sessionTag);
            end.executeQuery().close();
        }
    }

    @Override
    String currentTime() {
        return "clock_timestamp()";
    }

    @Override
    boolean rowValues() {
        return true;
    }

    @Override
    String claimLockClause() {
        return " FOR UPDATE SKIP LOCKED";
    }

    @Override
    String idText() {
        return "CAST(id AS TEXT) COLLATE \"C\""; // PostgreSQL has no MIN(uuid)
    }

    @Override
    void setUuid(PreparedStatement statement, int index, UUID id) throws SQLException {
        statement.setObject(index, id);
    }

    @Override
    UUID getUuid(ResultSet result, String column) throws SQLException {
        return result.getObject(column, UUID.class);
    }

    @Override
    void setTime(PreparedStatement statement, int index, Instant time) throws SQLException {
        if (time == null) {
            statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            statement.setObject(index, time.atOffset(ZoneOffset.UTC));
        }
    }

    @Override
    Instant getTime(ResultSet result, String column) throws SQLException {
        OffsetDateTime time = result.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    @Override
    void setBoolean(PreparedStatement statement, int index, boolean value) throws SQLException {
        statement.setBoolean(index, value);
    }

    @Override
    String insertIgnoringDuplicates() {
        return "INSERT INTO";
    }

    @Override
    String insertedIdsSuffix() {
        return " ON CONFLICT (id) DO NOTHING RETURNING id";
    }
}
